// deliverShareEvent: pushes a share event to its trust as a signed SET (RFC 8417, RFC 8935), made from the event's
// payload in Blob storage, and records every attempt on the event document; for a trust that polls (RFC 8936) it
// marks the event available instead. One path for the first attempt (the topic's `deliver` subscription) and every
// retry (scheduled messages on the delivery queue); transient failures are retried with backoff, then the
// delivery is dead-lettered for an operator to replay. Nothing is pushed to a trust that is not active: its
// events are held, and dead-lettered so that the same replay delivers them once the trust is active again.
// Where an event goes is the trust's SSF stream (API.md section 8): paused holds events until it is enabled,
// disabled drops their payloads and keeps their records, and event types the trust did not request are recorded
// and never sent. SSF's own events (verification, stream-updated) travel the same way, signed from their record.
import {
  type AttemptOutcome,
  type DeliveryAttempt,
  judgePush,
  newStoredShareEvent,
  type PushVerdict,
  payloadRetained,
  type RetryPolicy,
  retryDelayMs,
  STREAM_PAUSED,
  type StoredShareEvent,
  streamEventOf,
  withoutPayload,
} from "../domain/shareDelivery.js";
import {
  CREDENTIAL_REQUEST_DECLINED_EVENT,
  CREDENTIALS_SHARED_EVENT,
  type ShareEvent,
} from "../domain/shareEvent.js";
import { PUSH_METHOD, STREAM_UPDATED_EVENT, type Stream, streamWants } from "../domain/stream.js";
import { isHttpsOrLoopback, type Trust } from "../domain/trust.js";
import { describeError, type Logger } from "../log.js";
import { measure } from "../telemetry/metrics.js";
import { traceContextOf } from "../telemetry/tracing.js";
import type { AuditRecorder } from "./audit.js";
import type {
  DeliveryDeadLetters,
  DeliveryRetry,
  DeliveryScheduler,
  HeldEvents,
  PayloadStore,
  ReceivedMessage,
  SetPusher,
  SetSigner,
  ShareEventStore,
  StreamDirectory,
  StreamEventSigner,
  TrustDirectory,
  VersionedEvent,
} from "./ports.js";
import { ENCRYPTION_KEY_UNAVAILABLE, EncryptionKeyUnavailable } from "./setEncryption.js";
import { parseDeliveryMessage } from "./shareEventMessages.js";
import { sendStreamEvent } from "./streamEvents.js";

export type DeliverDeps = {
  events: ShareEventStore;
  trusts: TrustDirectory;
  streams: StreamDirectory;
  held: HeldEvents;
  payloads: PayloadStore;
  sign: SetSigner;
  signStream: StreamEventSigner;
  push: SetPusher;
  scheduler: DeliveryScheduler;
  deadLetters: DeliveryDeadLetters;
  clock: () => Date;
  random: () => number;
  retry: RetryPolicy;
  timeoutMs: number;
  retentionMs: number;
  audit: AuditRecorder;
};

export type DeliverOutcome =
  | "delivered"
  | "failed"
  | "retrying"
  | "dead-lettered"
  | "available"
  | "held"
  | "duplicate"
  | "malformed";

/** How long past the push timeout an attempt stays taken, before a redelivered copy may take it over. */
const LEASE_MARGIN_MS = 30_000;
const MAX_WRITE_RACES = 5;
/** The dead-letter reason of a held delivery, for the operator's list. */
export const TRUST_INACTIVE = "TrustInactive";
/** The delivery reason of an event the trust's disabled stream will never carry; its payload is deleted. */
export const STREAM_DISABLED = "stream_disabled";

export async function deliverShareEvent(
  deps: DeliverDeps,
  message: ReceivedMessage,
  log: Logger,
): Promise<DeliverOutcome> {
  const parsed = parseDeliveryMessage(message.body);
  if (!parsed.ok) {
    await deps.deadLetters.deadLetter(message, "MalformedDeliveryMessage", parsed.problem);
    log.warn("malformed delivery message dead-lettered", {
      messageId: message.messageId,
      problem: parsed.problem,
    });
    return "malformed";
  }
  const ref: DeliveryRetry =
    parsed.value.kind === "retry"
      ? parsed.value.retry
      : { eventId: parsed.value.event.eventId, trustId: parsed.value.event.trustId, attempt: 1, round: 1 };
  const attemptLog = log.with({
    eventId: ref.eventId,
    trustId: ref.trustId,
    attempt: ref.attempt,
    round: ref.round,
  });

  const first =
    parsed.value.kind === "event"
      ? await takeFirstAttempt(deps, parsed.value.event, message.correlationId, attemptLog)
      : undefined;
  let taken: Taken;
  if (first !== undefined) {
    taken = first;
  } else {
    const stored = await deps.events.get(ref.trustId, ref.eventId);
    if (stored === undefined) {
      await deps.deadLetters.deadLetter(message, "ShareEventNotRecorded", "no event document for this retry");
      attemptLog.warn("retry for an unknown share event dead-lettered");
      return "malformed";
    }
    taken = await takeAttempt(
      deps,
      stored,
      ref,
      message.correlationId ?? stored.value.correlationId,
      attemptLog,
    );
  }
  if (taken.kind === "done") return taken.outcome;
  const { doc, endpoint, authorization, allowedHosts, released } = taken;
  const correlationId = message.correlationId ?? doc.correlationId;

  const startedAt = deps.clock();
  const signed = await signEvent(deps, doc, startedAt);
  if (signed === undefined) {
    // Deleted since the attempt was taken (the retention period ended), or never written: nothing can be sent.
    const { leaseUntil: _lease, nextAttemptAt: _next, ...delivery } = doc.delivery;
    const reason = payloadRetained(doc, startedAt) ? "payload_missing" : "retention_expired";
    const gone = { ...delivery, status: "failed" as const, reason };
    await deps.events.settleAttempt(withoutPayload({ ...doc, delivery: gone }, startedAt, "retention"));
    attemptLog.error("share event payload is gone; delivery failed", { reason });
    return "failed";
  }
  const { kid } = signed;
  const result =
    "token" in signed
      ? await deps.push(endpoint, signed.token, deps.timeoutMs, { authorization, allowedHosts })
      : undefined;
  const verdict: PushVerdict =
    result === undefined ? { kind: "transient", reason: ENCRYPTION_KEY_UNAVAILABLE } : judgePush(result);
  const now = deps.clock();
  const base = {
    attempt: ref.attempt,
    at: startedAt.toISOString(),
    durationMs: result?.durationMs ?? 0,
    kid,
    ...(result?.kind === "response" ? { status: result.status } : {}),
  };

  let outcome: AttemptOutcome;
  let record: DeliveryAttempt;
  if (verdict.kind === "delivered") {
    outcome = "delivered";
    record = { ...base, outcome };
  } else if (verdict.kind === "permanent") {
    outcome = "failed";
    record = { ...base, outcome, reason: verdict.reason };
  } else if (ref.round < deps.retry.maxAttempts) {
    outcome = "retry";
    const next = new Date(now.getTime() + retryDelayMs(deps.retry, ref.round, deps.random));
    // Scheduled before it is recorded: if recording fails, the redelivered message takes this attempt over
    // once its lease ends, and the extra retry it schedules is then a duplicate that is skipped.
    const retry = { ...ref, attempt: ref.attempt + 1, round: ref.round + 1 };
    await deps.scheduler.schedule(retry, next, correlationId);
    record = { ...base, outcome, reason: verdict.reason, nextAttemptAt: next.toISOString() };
  } else {
    outcome = "dead-lettered";
    record = { ...base, outcome, reason: verdict.reason };
    await deps.deadLetters.deadLetterDelivery(
      { ...ref, attempt: ref.attempt + 1, round: 1 },
      correlationId,
      "DeliveryAttemptsExhausted",
      `${ref.round} attempts failed; last: ${verdict.reason}`,
    );
  }

  // Someone took a later attempt over after our lease ended; their outcome is the one to keep.
  await deps.events.settleAttempt(settled(doc, outcome, record, now));
  measure.delivery(outcome === "dead-lettered" ? "dead_lettered" : outcome, ref.attempt);
  if (outcome !== "retry") await auditDelivery(deps, doc, outcome, record.reason);
  if (outcome === "delivered") measure.deliveryLatency(now.getTime() - Date.parse(doc.occurredAt), "push");
  // The trust has the event: its payload goes now, after the settle, so that a copy redelivered because the settle
  // failed still finds it. If Blob storage fails here, the retention run deletes it at the retention limit.
  if (outcome === "delivered" && (await deletePayload(deps, doc, attemptLog)))
    await deps.events.markPayloadRemoved(doc.trustId, doc.id, { at: now.toISOString(), why: "delivered" });
  attemptLog.info("share event delivery attempt", {
    outcome,
    status: record.status,
    durationMs: record.durationMs,
    reason: record.reason,
    nextAttemptAt: record.nextAttemptAt,
    kid,
  });
  // An event released from a paused stream has had its turn: the next one held goes now, so that they reach the
  // trust one after the other, in the order they happened.
  if (released && outcome !== "retry") await releaseNextHeld(deps, doc.trustId, correlationId, attemptLog);
  return outcome === "retry" ? "retrying" : outcome;
}

/**
 * The SET for the event: a share event from its payload, SSF's own from its record; undefined when the payload is
 * gone. Only its kid when the trust's encryption key could not be read: no SET then goes out in the clear, and the
 * attempt is retried with backoff like a push the trust's endpoint failed, since the keys are the trust's to serve,
 * as its endpoint is.
 */
async function signEvent(
  deps: DeliverDeps,
  doc: StoredShareEvent,
  now: Date,
): Promise<{ token: string; kid: string } | { kid: string } | undefined> {
  const own = streamEventOf(doc);
  const body = own === undefined ? await deps.payloads.get(doc.trustId, doc.id) : undefined;
  if (own === undefined && body === undefined) return undefined;
  try {
    if (own !== undefined)
      return await deps.signStream({ eventId: doc.id, trustId: doc.trustId, ...own }, now);
    if (body !== undefined) return await deps.sign({ eventId: doc.id, trustId: doc.trustId, ...body }, now);
    return undefined;
  } catch (error) {
    if (error instanceof EncryptionKeyUnavailable) return { kid: error.kid };
    throw error;
  }
}

/**
 * Sends the trust's oldest event held for its paused stream to the delivery queue as its next attempt, if there
 * is one: called when the stream is enabled, and after each released event's attempt ends. A copy sent twice is
 * a duplicate attempt, which the deliverer skips.
 */
export async function releaseNextHeld(
  deps: Pick<DeliverDeps, "held" | "scheduler" | "clock">,
  trustId: string,
  correlationId: string | undefined,
  log: Logger,
): Promise<boolean> {
  const next = await deps.held.oldestHeld(trustId);
  if (next === undefined) return false;
  const { value } = next;
  await deps.scheduler.schedule(
    { eventId: value.id, trustId, attempt: value.delivery.attempt + 1, round: 1 },
    deps.clock(),
    correlationId ?? value.correlationId,
  );
  log.info("held share event released to the enabled stream", { eventId: value.id });
  return true;
}

/** The event once an attempt's outcome is written: the attempt listed, and the claims gone once delivered. */
function settled(
  doc: StoredShareEvent,
  outcome: AttemptOutcome,
  record: DeliveryAttempt,
  now: Date,
): StoredShareEvent {
  const { leaseUntil: _lease, nextAttemptAt: _next, reason: _reason, ...delivery } = doc.delivery;
  const attempts = [...delivery.attempts, record];
  switch (outcome) {
    case "delivered":
      return {
        ...doc,
        delivery: { ...delivery, status: "delivered", attempts, deliveredAt: now.toISOString() },
      };
    case "failed":
      return {
        ...doc,
        delivery: { ...delivery, status: "failed", attempts, reason: record.reason ?? "failed" },
      };
    case "retry":
      return {
        ...doc,
        delivery: {
          ...delivery,
          status: "retrying",
          attempts,
          ...(record.nextAttemptAt === undefined ? {} : { nextAttemptAt: record.nextAttemptAt }),
        },
      };
    case "dead-lettered":
      return {
        ...doc,
        delivery: { ...delivery, status: "dead-lettered", attempts, reason: record.reason ?? "exhausted" },
      };
  }
}

type Taken =
  | { kind: "done"; outcome: DeliverOutcome }
  | {
      kind: "taken";
      doc: StoredShareEvent;
      endpoint: string;
      /** The stream's authorization_header, sent with the push. */
      authorization: string | undefined;
      /** The operator's pins for the trust (its document's allowedHosts), checked before the push. */
      allowedHosts: readonly string[] | undefined;
      /** True when the event was held for the paused stream until now. */
      released: boolean;
    };

/** Where a taken attempt pushes to, from a stream that pushes, within the operator's pins for the trust. */
function pushTarget(
  stream: Stream | undefined,
  trust: Trust | undefined,
):
  | { endpoint: string; authorization: string | undefined; allowedHosts: readonly string[] | undefined }
  | undefined {
  if (stream?.delivery.method !== PUSH_METHOD) return undefined;
  return {
    endpoint: stream.delivery.endpointUrl,
    authorization: stream.delivery.authorizationHeader,
    allowedHosts: trust?.allowedHosts,
  };
}

/** How long an attempt taken now stays taken. */
function leaseFrom(deps: DeliverDeps, now: Date): string {
  return new Date(now.getTime() + deps.timeoutMs + LEASE_MARGIN_MS).toISOString();
}

/**
 * The first attempt of an event from the topic, in one write on the happy path: the document is created with the
 * attempt already taken (or in its final state when nothing is to be pushed), or, when the record consumer
 * created it first, the attempt is taken with one conditional write. Undefined when neither applies (a
 * redelivery, or an attempt already taken): the caller reads the document and decides as for any other message.
 */
async function takeFirstAttempt(
  deps: DeliverDeps,
  event: ShareEvent,
  correlationId: string | undefined,
  log: Logger,
): Promise<Taken | undefined> {
  const now = deps.clock();
  const trust = await deps.trusts.get(event.trustId);
  const stream = await deps.streams.get(event.trustId);
  const fresh = newStoredShareEvent(event, {
    now,
    retentionMs: deps.retentionMs,
    correlationId,
    recorded: false,
    trace: traceContextOf(),
  });
  const finish = finalWithoutAttempt(trust, stream, fresh, now, 1);
  if (finish !== undefined) {
    const created = await deps.events.create(finish.doc);
    if (created === undefined) return undefined;
    await afterFinal(deps, finish, created.value, stream, correlationId, log);
    return { kind: "done", outcome: finish.outcome };
  }
  const target = pushTarget(stream, trust);
  if (target === undefined) return undefined;
  const leaseUntil = leaseFrom(deps, now);
  const taken =
    (await deps.events.create({ ...fresh, delivery: { ...fresh.delivery, attempt: 1, leaseUntil } })) ??
    (await deps.events.takeFirstAttempt(event.trustId, event.eventId, leaseUntil));
  return taken && { kind: "taken", doc: taken.value, ...target, released: false };
}

/**
 * Decides whether this message may make its attempt, and takes it with an ETag condition so that of two copies
 * of the same message exactly one pushes. Finished events, stale retries and duplicates change nothing.
 */
async function takeAttempt(
  deps: DeliverDeps,
  first: VersionedEvent,
  ref: DeliveryRetry,
  correlationId: string | undefined,
  log: Logger,
): Promise<Taken> {
  const trust = await deps.trusts.get(first.value.trustId);
  const stream = await deps.streams.get(first.value.trustId);
  let stored: VersionedEvent | undefined = first;
  for (let race = 0; race < MAX_WRITE_RACES && stored !== undefined; race++) {
    const now = deps.clock();
    const doc = stored.value;
    const { delivery } = doc;
    if (delivery.status === "delivered" || delivery.status === "failed" || delivery.status === "available") {
      log.info("share event delivery already finished; nothing changed", { status: delivery.status });
      return { kind: "done", outcome: "duplicate" };
    }
    const leaseOver = delivery.leaseUntil === undefined || Date.parse(delivery.leaseUntil) <= now.getTime();
    if (delivery.attempt > ref.attempt) {
      log.info("delivery attempt already made; nothing changed");
      return { kind: "done", outcome: "duplicate" };
    }
    if (delivery.attempt === ref.attempt && delivery.leaseUntil !== undefined && !leaseOver) {
      // In flight under another copy's lease. If that copy's instance dies, no other message would finish the
      // attempt: look again when the lease ends, and take the attempt over then if it is still unfinished.
      await deps.scheduler.schedule(ref, new Date(delivery.leaseUntil), correlationId);
      log.info("delivery attempt in flight elsewhere; looking again when its lease ends", {
        leaseUntil: delivery.leaseUntil,
      });
      return { kind: "done", outcome: "duplicate" };
    }
    if (delivery.status === "held" && delivery.attempt === ref.attempt && delivery.reason !== STREAM_PAUSED) {
      // Held by this very message before, which then failed before its dead letter was sent, or a copy of it:
      // dead-lettering again is the only way the event reaches the operator's replay. A second replay of the same
      // attempt is skipped as a duplicate.
      await holdForReplay(deps, doc, correlationId, log);
      return { kind: "done", outcome: "held" };
    }
    if (delivery.attempt === ref.attempt && delivery.leaseUntil === undefined) {
      log.info("delivery attempt already made; nothing changed");
      return { kind: "done", outcome: "duplicate" };
    }

    const finish = finalWithoutAttempt(trust, stream, doc, now, ref.attempt);
    if (finish !== undefined) {
      const written = await deps.events.replace(finish.doc, stored.etag);
      if (written === undefined) {
        stored = await deps.events.get(ref.trustId, ref.eventId);
        continue;
      }
      await afterFinal(deps, finish, written.value, stream, correlationId, log);
      return { kind: "done", outcome: finish.outcome };
    }

    const leaseUntil = leaseFrom(deps, now);
    const takenDoc: StoredShareEvent = {
      ...doc,
      delivery: { ...delivery, attempt: ref.attempt, leaseUntil },
    };
    const written = await deps.events.replace(takenDoc, stored.etag);
    const target = pushTarget(stream, trust);
    if (written !== undefined && target !== undefined) {
      const released = delivery.status === "held" && delivery.reason === STREAM_PAUSED;
      return { kind: "taken", doc: written.value, ...target, released };
    }
    stored = await deps.events.get(ref.trustId, ref.eventId);
  }
  throw new Error(`Lost ${MAX_WRITE_RACES} write races in a row delivering a share event.`);
}

type Final = { doc: StoredShareEvent; outcome: DeliverOutcome; reason: string };

/**
 * The event's state when it must not be pushed: waiting for the trust's poll, failed for good (its stream is
 * deleted or disabled, or does not want this type), or held while the trust is not active or its stream is paused
 * (taking `attempt`, so that a copy of the message that held it is known). Undefined when it may be pushed.
 */
function finalWithoutAttempt(
  trust: Trust | undefined,
  stream: Stream | undefined,
  doc: StoredShareEvent,
  now: Date,
  attempt: number,
): { doc: StoredShareEvent; outcome: DeliverOutcome; reason: string } | undefined {
  const { leaseUntil: _lease, nextAttemptAt: _next, ...delivery } = doc.delivery;
  const failed = (reason: string) => ({
    doc: { ...doc, delivery: { ...delivery, status: "failed" as const, reason } },
    outcome: "failed" as const,
    reason,
  });
  // Past retention the payload is the retention run's to delete (it marks the event when it has).
  if (!payloadRetained(doc, now)) return failed("retention_expired");
  if (trust === undefined || stream === undefined) return failed("no_delivery_endpoint");
  if (stream.deleted === true) return failed("stream_deleted");
  // SSF 1.0 section 8.1.1: an event type the trust did not request is recorded and never delivered.
  if (!streamWants(stream, doc.type)) return failed("event_not_requested");
  // A disabled stream holds nothing (SSF 1.0 section 8.1.2.1): the record stays, the payload goes (afterFinal).
  if (stream.status === "disabled") return failed(STREAM_DISABLED);
  if (stream.delivery.method !== PUSH_METHOD) {
    // The trust fetches it (RFC 8936): it waits, payload and all, for the poll that acknowledges it.
    return {
      doc: { ...doc, delivery: { ...delivery, status: "available" } },
      outcome: "available",
      reason: "the trust polls for its events",
    };
  }
  if (!isHttpsOrLoopback(stream.delivery.endpointUrl)) return failed("endpoint_not_https");
  // The one exception: the stream-updated event that tells the trust its stream is paused while it is inactive.
  if (!trust.active && doc.type !== STREAM_UPDATED_EVENT) {
    // A deactivated trust gets nothing, retries included; the payload stays until the retention limit, so that
    // the operator's replay delivers the event if the trust is active again by then.
    return {
      doc: { ...doc, delivery: { ...delivery, status: "held", attempt, reason: "trust_inactive" } },
      outcome: "held",
      reason: "the trust is not active",
    };
  }
  if (stream.status === "paused") {
    // Held in order until the trust enables the stream (releaseNextHeld), or dropped with its payload at retention.
    return {
      doc: { ...doc, delivery: { ...delivery, status: "held", attempt, reason: STREAM_PAUSED } },
      outcome: "held",
      reason: "the trust's stream is paused",
    };
  }
  return undefined;
}

/** What follows an event's final state: a held inactive trust's dead letter, or a disabled stream's dropped payload. */
async function afterFinal(
  deps: DeliverDeps,
  finish: Final,
  doc: StoredShareEvent,
  stream: Stream | undefined,
  correlationId: string | undefined,
  log: Logger,
): Promise<void> {
  log.info("share event not pushed", { status: finish.doc.delivery.status, reason: finish.reason });
  const { reason } = finish.doc.delivery;
  if (finish.outcome === "held" && reason !== STREAM_PAUSED) {
    await holdForReplay(deps, doc, correlationId, log);
    await announceInactive(deps, doc.trustId, stream, correlationId, log);
  }
  if (reason === STREAM_DISABLED && (await deletePayload(deps, doc, log)))
    await deps.events.markPayloadRemoved(doc.trustId, doc.id, {
      at: deps.clock().toISOString(),
      why: "disabled",
    });
}

/**
 * SSF 1.0 section 8.1.2: when the service itself pauses a stream, it sends stream-updated. An operator deactivating
 * the trust (its document's `active: false`) is noticed here, when the first event is held for it; the event id
 * names the trust and the day, so that the trust hears it once a day at most while events are held for it, however
 * many are. The stream's own status is the trust's to set and stays as it is; the announcement goes by push even
 * though the trust is inactive, and it carries no claims.
 */
async function announceInactive(
  deps: DeliverDeps,
  trustId: string,
  stream: Stream | undefined,
  correlationId: string | undefined,
  log: Logger,
): Promise<void> {
  if (stream === undefined || stream.deleted === true || stream.status === "disabled") return;
  const day = deps.clock().toISOString().slice(0, 10).replaceAll("-", "");
  const sent = await sendStreamEvent(
    deps,
    trustId,
    `stream-updated-${trustId}-paused-${day}`,
    {
      type: STREAM_UPDATED_EVENT,
      data: { streamId: stream.id, status: "paused", reason: "The trust is not active." },
    },
    correlationId,
  );
  if (sent) log.warn("stream-updated sent: the trust's stream is paused while the trust is not active");
}

/**
 * Dead-letters a held delivery as the next attempt of a new round: the operator's replay of the dead letters
 * (`npm run deadletters -- replay`) sends it to the delivery queue, and it is pushed if the trust is active again.
 */
async function holdForReplay(
  deps: DeliverDeps,
  doc: StoredShareEvent,
  correlationId: string | undefined,
  log: Logger,
): Promise<void> {
  await deps.deadLetters.deadLetterDelivery(
    { eventId: doc.id, trustId: doc.trustId, attempt: doc.delivery.attempt + 1, round: 1 },
    correlationId,
    TRUST_INACTIVE,
    "The trust is not active; replay once it is active again.",
  );
  log.warn("share event held: the trust is not active", { heldAttempt: doc.delivery.attempt });
}

/** Deletes the payload of an event the trust has; false (logged) when Blob storage fails. */
async function deletePayload(deps: DeliverDeps, doc: StoredShareEvent, log: Logger): Promise<boolean> {
  try {
    await deps.payloads.delete(doc.trustId, doc.id);
    return true;
  } catch (error) {
    log.warn("share event payload not deleted yet; the retention run will", describeError(error));
    return false;
  }
}

/** The end of an event's delivery, in the trust's audit trail (the event names no person: it goes by reference). */
async function auditDelivery(
  deps: Pick<DeliverDeps, "audit">,
  doc: StoredShareEvent,
  outcome: "delivered" | "failed" | "dead-lettered",
  reason: string | undefined,
): Promise<void> {
  const action =
    outcome === "delivered"
      ? "delivery.delivered"
      : outcome === "failed"
        ? "delivery.failed"
        : "delivery.dead_lettered";
  await deps.audit({
    id: `${action}:${doc.id}`,
    action,
    actor: "service",
    trustId: doc.trustId,
    eventId: doc.id,
    ...aboutOf(doc),
    ...(reason === undefined ? {} : { code: reason }),
    ...(doc.correlationId === undefined ? {} : { correlationId: doc.correlationId }),
  });
}

/** What an event is about: the share it reports, or the request a decline answers; nothing for SSF's own. */
function aboutOf(doc: StoredShareEvent): { shareId?: string; requestId?: string } {
  if (doc.type === CREDENTIALS_SHARED_EVENT) return { shareId: doc.data.shareId };
  if (doc.type === CREDENTIAL_REQUEST_DECLINED_EVENT) return { requestId: doc.data.requestId };
  return {};
}
