// Poll delivery (RFC 8936, API.md section 3): a trust whose system takes no inbound calls fetches its share events
// from `POST /api/trust/events`. Each poll first settles what the trust reports on earlier events (`ack`: it has
// them, so their payloads are deleted; `setErrs`: it could not use them, recorded as the delivery's failure), then
// answers with SETs signed afresh from the payloads of the events still waiting, oldest first, waiting up to 30
// seconds for one when the trust asks for a long poll. The trust's SSF stream decides what it gets: nothing while
// the stream is paused, disabled, deleted or pushes (acknowledgements are still taken), and SSF's own events
// (verification, stream-updated) signed from their record beside the share events.
import { type StoredShareEvent, streamEventOf } from "../domain/shareDelivery.js";
import { POLL_METHOD } from "../domain/stream.js";
import { describeError, type Logger } from "../log.js";
import type { AuditRecorder } from "./audit.js";
import type {
  Clock,
  PayloadStore,
  SetSigner,
  ShareEventStore,
  StreamDirectory,
  StreamEventSigner,
  TrustCaller,
  VersionedEvent,
} from "./ports.js";

export type PollDeps = {
  events: ShareEventStore;
  payloads: PayloadStore;
  sign: SetSigner;
  signStream: StreamEventSigner;
  streams: StreamDirectory;
  clock: Clock;
  /** Waits before the next look during a long poll; tests pass one that moves their clock. */
  sleep: (ms: number) => Promise<void>;
  audit: AuditRecorder;
};

export type PollRequest = {
  readonly maxEvents?: number;
  readonly returnImmediately?: boolean;
  readonly ack?: readonly string[];
  readonly setErrs?: Readonly<Record<string, { readonly err: string; readonly description?: string }>>;
};

export type PollAnswer = { sets: Record<string, string>; moreAvailable?: true };

/** Events in one answer when the trust names no number (RFC 8936 leaves it to the transmitter). */
export const DEFAULT_POLL_EVENTS = 25;
/** The most one answer holds, whatever the trust asks. */
export const MAX_POLL_EVENTS = 100;
/** How long a long poll waits for an event (API.md section 3). */
export const LONG_POLL_MS = 30_000;
/** How often a long poll looks again. */
export const LONG_POLL_INTERVAL_MS = 1_000;
/**
 * An answer stops growing past this many bytes of SETs (moreAvailable tells the trust to poll again), so that a
 * poll over several large shares (a photo can make one SET several MiB) stays a bounded response.
 */
export const MAX_POLL_ANSWER_BYTES = 24 * 1024 * 1024;

/** A reported error, in RFC 8936's `err: description` form, bounded so that a trust cannot fill the document. */
function reasonOf(error: { readonly err: string; readonly description?: string }): string {
  const text = error.description === undefined ? error.err : `${error.err}: ${error.description}`;
  return text.slice(0, 300);
}

async function settleReported(deps: PollDeps, caller: TrustCaller, request: PollRequest, log: Logger) {
  const at = deps.clock().toISOString();
  for (const jti of new Set(request.ack ?? [])) {
    // Only an event of this trust still waiting for a poll changes; anything else is acknowledged already.
    if (!(await deps.events.settlePoll(caller.trustId, jti, { status: "delivered", at }))) continue;
    log.info("polled share event acknowledged", { eventId: jti });
    await deps.audit({
      id: `delivery.delivered:${jti}`,
      action: "delivery.delivered",
      actor: "trust",
      trustId: caller.trustId,
      eventId: jti,
    });
    try {
      await deps.payloads.delete(caller.trustId, jti);
      await deps.events.markPayloadRemoved(caller.trustId, jti, { at, why: "delivered" });
    } catch (error) {
      // The event is delivered and never offered again; the retention run deletes what is left.
      log.warn("acknowledged event's payload not deleted yet; the retention run will", {
        eventId: jti,
        ...describeError(error),
      });
    }
  }
  for (const [jti, error] of Object.entries(request.setErrs ?? {})) {
    const reason = reasonOf(error);
    if (await deps.events.settlePoll(caller.trustId, jti, { status: "failed", reason }))
      log.warn("polled share event reported as an error by the trust", { eventId: jti, err: error.err });
  }
}

/** The event's SET: a share event's from its payload (undefined once it is gone), SSF's own from its record. */
async function signedSet(deps: PollDeps, event: StoredShareEvent): Promise<{ token: string } | undefined> {
  const now = deps.clock();
  const own = streamEventOf(event);
  if (own !== undefined) return deps.signStream({ eventId: event.id, trustId: event.trustId, ...own }, now);
  const payload = await deps.payloads.get(event.trustId, event.id);
  return payload && deps.sign({ eventId: event.id, trustId: event.trustId, ...payload }, now);
}

/** SETs for the waiting events, as many as fit; `moreAvailable` when some were left for the next poll. */
async function answerWith(
  deps: PollDeps,
  waiting: readonly VersionedEvent[],
  limit: number,
): Promise<PollAnswer> {
  const sets: Record<string, string> = {};
  let count = 0;
  let bytes = 0;
  for (const { value: event } of waiting) {
    if (count === limit || bytes >= MAX_POLL_ANSWER_BYTES) return { sets, moreAvailable: true };
    const signed = await signedSet(deps, event);
    // Gone since the query (the retention run deleted the payload): the run marks the event too.
    if (signed === undefined) continue;
    const { token } = signed;
    sets[event.id] = token;
    count++;
    bytes += token.length;
  }
  return { sets };
}

export async function pollShareEvents(
  deps: PollDeps,
  caller: TrustCaller,
  request: PollRequest,
  log: Logger,
): Promise<PollAnswer> {
  await settleReported(deps, caller, request, log);
  const limit = Math.min(request.maxEvents ?? DEFAULT_POLL_EVENTS, MAX_POLL_EVENTS);
  // maxEvents 0: the trust only acknowledges (RFC 8936 section 2.4.2).
  if (limit === 0) return { sets: {} };
  const until = deps.clock().getTime() + LONG_POLL_MS;
  for (;;) {
    // Looked at each round, so that a long poll begun while the stream is paused answers once it is enabled.
    const stream = await deps.streams.get(caller.trustId);
    const open =
      stream?.deleted !== true && stream?.status === "enabled" && stream.delivery.method === POLL_METHOD;
    // One more than asked for, to tell whether more are waiting.
    const waiting = open ? await deps.events.available(caller.trustId, limit + 1) : [];
    if (waiting.length > 0) {
      const answer = await answerWith(deps, waiting, limit);
      if (Object.keys(answer.sets).length > 0 || answer.moreAvailable) return answer;
    }
    // RFC 8936 section 2.4: without returnImmediately, the request is a long poll.
    if (request.returnImmediately === true || deps.clock().getTime() >= until) return { sets: {} };
    await deps.sleep(LONG_POLL_INTERVAL_MS);
  }
}
