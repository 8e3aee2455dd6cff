// A trust's SSF stream as the trust manages it (SSF 1.0 section 8, API.md section 8): read, create, replace, update
// and delete its configuration, read and set its status, and ask for a verification event. A trust only ever
// reaches its own stream: every call looks the stream up in the caller's own partition.
import {
  POLL_METHOD,
  PUSH_METHOD,
  SHARE_EVENT_TYPES,
  type Stream,
  type StreamDelivery,
  type StreamStatus,
  VERIFICATION_EVENT,
} from "../domain/stream.js";
import { ServiceError } from "../errors.js";
import type { Logger } from "../log.js";
import { releaseNextHeld } from "./deliverShareEvent.js";
import type {
  Clock,
  DeliveryScheduler,
  HeldEvents,
  ShareEventStore,
  StreamStore,
  TrustCaller,
  Versioned,
} from "./ports.js";
import { sendStreamEvent } from "./streamEvents.js";

export class StreamNotFound extends ServiceError {
  constructor() {
    super("not_found", "The trust has no stream with that id.");
  }
}

export class StreamExists extends ServiceError {
  constructor() {
    super("conflict", "The trust already has its one stream; read it, or update or delete it.");
  }
}

export type StreamDeps = {
  streams: StreamStore;
  /** Drops what this instance keeps of the trust's stream, so that its deliveries see a change at once. */
  forget(trustId: string): void;
  events: ShareEventStore;
  scheduler: DeliveryScheduler;
  held: HeldEvents;
  clock: Clock;
  newEventId: () => string;
  /** How long an SSF event waits for its delivery, as a share event's payload does. */
  retentionMs: number;
  /**
   * What is wrong with a push endpoint the trust sets, if anything: it must be https to public addresses (its name
   * resolved now) within the operator's pins for the trust. The same guard runs again at every push.
   */
  checkEndpoint(
    endpointUrl: string,
    trustId: string,
  ): Promise<{ reason: string; detail: string } | undefined>;
};

/** A push endpoint the service will not send to (http, a private address, a host outside the trust's pins). */
export class EndpointRefused extends ServiceError {
  constructor(reason: string, detail: string) {
    super("endpoint_refused", `delivery.endpoint_url: ${detail} (${reason})`);
  }
}

/** Refuses the configuration's push endpoint before anything is stored, when the guard would refuse it. */
async function checkDelivery(deps: StreamDeps, caller: TrustCaller, input: StreamInput): Promise<void> {
  const delivery = input.delivery;
  if (delivery?.method !== PUSH_METHOD) return;
  const problem = await deps.checkEndpoint(delivery.endpointUrl, caller.trustId);
  if (problem !== undefined) throw new EndpointRefused(problem.reason, problem.detail);
}

/** What the trust itself sets on its stream (SSF 1.0 section 8.1.1: the receiver-supplied members). */
export type StreamInput = {
  readonly delivery?: StreamDelivery;
  readonly eventsRequested?: readonly string[];
  readonly description?: string;
};

const MAX_WRITE_RACES = 5;

/** The trust's stream, if it has one it can see: created by its own call and not deleted. */
async function visible(deps: StreamDeps, caller: TrustCaller): Promise<Versioned<Stream> | undefined> {
  const stored = await deps.streams.get(caller.trustId);
  return stored === undefined || stored.value.deleted === true ? undefined : stored;
}

async function ownStream(
  deps: StreamDeps,
  caller: TrustCaller,
  streamId: string,
): Promise<Versioned<Stream>> {
  const stored = await visible(deps, caller);
  // Another trust's stream id, or none at all: the same answer.
  if (stored === undefined || stored.value.id !== streamId) throw new StreamNotFound();
  return stored;
}

/** Writes a change to the trust's stream, reading it again when another call wrote first. */
async function change(
  deps: StreamDeps,
  caller: TrustCaller,
  streamId: string,
  next: (current: Stream) => Stream,
): Promise<{ before: Stream; after: Stream }> {
  for (let race = 0; race < MAX_WRITE_RACES; race++) {
    const stored = await ownStream(deps, caller, streamId);
    const after = { ...next(stored.value), updatedAt: deps.clock().toISOString() };
    const written = await deps.streams.replace(after, stored.etag);
    if (written !== undefined) {
      deps.forget(caller.trustId);
      return { before: stored.value, after };
    }
  }
  throw new StreamExists();
}

/** GET without stream_id: the trust's streams, none or one (SSF 1.0 section 8.1.1.2: always a list). */
export async function listStreams(deps: StreamDeps, caller: TrustCaller): Promise<Stream[]> {
  const stored = await visible(deps, caller);
  return stored === undefined ? [] : [stored.value];
}

export async function readStream(deps: StreamDeps, caller: TrustCaller, streamId: string): Promise<Stream> {
  return (await ownStream(deps, caller, streamId)).value;
}

/**
 * Creates the trust's one stream, enabled. Without `delivery` it polls (SSF 1.0 section 8.1.1.1); without
 * `events_requested` it gets every share event type. A trust that deleted its stream may create it again.
 */
export async function createStream(
  deps: StreamDeps,
  caller: TrustCaller,
  input: StreamInput,
): Promise<Stream> {
  // A trust that has its stream learns that first (409), whatever the new configuration's endpoint.
  const existing = await deps.streams.get(caller.trustId);
  if (existing !== undefined && existing.value.deleted !== true) throw new StreamExists();
  await checkDelivery(deps, caller, input);
  const stream: Stream = {
    id: caller.trustId,
    trustId: caller.trustId,
    status: "enabled",
    ...configured(input),
    updatedAt: deps.clock().toISOString(),
  };
  let written = await deps.streams.create(stream);
  if (!written) {
    const stored = await deps.streams.get(caller.trustId);
    if (stored?.value.deleted !== true) throw new StreamExists();
    written = (await deps.streams.replace(stream, stored.etag)) !== undefined;
    if (!written) throw new StreamExists();
  }
  deps.forget(caller.trustId);
  return stream;
}

/** What the trust set, with the defaults for what it left out. */
function configured(input: StreamInput): Pick<Stream, "delivery" | "eventsRequested" | "description"> {
  return {
    delivery: input.delivery ?? { method: POLL_METHOD },
    eventsRequested: [...new Set(input.eventsRequested ?? SHARE_EVENT_TYPES)],
    ...(input.description === undefined ? {} : { description: input.description }),
  };
}

/** A change of the trust's configuration: another trust's stream is the same 404 as none, before its endpoint is
 * looked at, and a push endpoint the guard refuses is 400 before anything is written. */
async function checkedChange(
  deps: StreamDeps,
  caller: TrustCaller,
  streamId: string,
  input: StreamInput,
  next: (current: Stream) => Stream,
): Promise<{ before: Stream; after: Stream }> {
  await ownStream(deps, caller, streamId);
  await checkDelivery(deps, caller, input);
  return change(deps, caller, streamId, next);
}

/** PUT: every receiver-supplied member is replaced; what is left out takes its default (SSF 1.0 section 8.1.1.4). */
export async function replaceStream(
  deps: StreamDeps,
  caller: TrustCaller,
  streamId: string,
  input: StreamInput,
): Promise<Stream> {
  const { after } = await checkedChange(deps, caller, streamId, input, (current) => {
    const { description: _description, ...kept } = current;
    return { ...kept, ...configured(input) };
  });
  return after;
}

/** PATCH: only the members given change (SSF 1.0 section 8.1.1.3). */
export async function updateStream(
  deps: StreamDeps,
  caller: TrustCaller,
  streamId: string,
  input: StreamInput,
): Promise<Stream> {
  const { after } = await checkedChange(deps, caller, streamId, input, (current) => ({
    ...current,
    ...(input.delivery === undefined ? {} : { delivery: input.delivery }),
    ...(input.eventsRequested === undefined ? {} : { eventsRequested: [...new Set(input.eventsRequested)] }),
    ...(input.description === undefined ? {} : { description: input.description }),
  }));
  return after;
}

/**
 * DELETE: the stream ends, and nothing more is delivered to the trust; what was held or waiting for a poll stays
 * recorded and its payload goes at retention. The tombstone keeps delivery from falling back to the trust
 * document's settings.
 */
export async function deleteStream(deps: StreamDeps, caller: TrustCaller, streamId: string): Promise<void> {
  await change(deps, caller, streamId, (current) => ({ ...current, status: "disabled", deleted: true }));
}

export type StreamStatusView = {
  readonly streamId: string;
  readonly status: StreamStatus;
  readonly reason?: string;
};

const statusView = (stream: Stream): StreamStatusView => ({
  streamId: stream.id,
  status: stream.status,
  ...(stream.reason === undefined ? {} : { reason: stream.reason }),
});

export async function readStreamStatus(
  deps: StreamDeps,
  caller: TrustCaller,
  streamId: string,
): Promise<StreamStatusView> {
  return statusView(await readStream(deps, caller, streamId));
}

/**
 * Sets the stream's status (SSF 1.0 section 8.1.2.2). Enabling a paused stream releases what it held, oldest first
 * and one after the other (src/app/deliverShareEvent.ts releaseNextHeld). The trust changed it itself, so no
 * stream-updated event is sent.
 */
export async function updateStreamStatus(
  deps: StreamDeps,
  caller: TrustCaller,
  input: { streamId: string; status: StreamStatus; reason?: string | undefined },
  log: Logger,
): Promise<StreamStatusView> {
  const { before, after } = await change(deps, caller, input.streamId, (current) => {
    const { reason: _reason, ...kept } = current;
    return { ...kept, status: input.status, ...(input.reason === undefined ? {} : { reason: input.reason }) };
  });
  log.info("stream status changed by the trust", { from: before.status, to: after.status });
  if (after.status === "enabled") await releaseNextHeld(deps, caller.trustId, undefined, log);
  return statusView(after);
}

/** SSF 1.0 section 8.1.4.2: the trust asks, and the verification event with its `state` goes through the stream. */
export async function verifyStream(
  deps: StreamDeps,
  caller: TrustCaller,
  input: { streamId: string; state?: string | undefined },
  correlationId: string,
  log: Logger,
): Promise<void> {
  const stream = (await ownStream(deps, caller, input.streamId)).value;
  const eventId = deps.newEventId();
  await sendStreamEvent(
    deps,
    caller.trustId,
    eventId,
    {
      type: VERIFICATION_EVENT,
      data: { streamId: stream.id, ...(input.state === undefined ? {} : { state: input.state }) },
    },
    correlationId,
  );
  log.info("verification event sent to the stream", { eventId });
}
