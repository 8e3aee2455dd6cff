// A share event as recorded in `shareEvents`, and the rules of its delivery: which HTTP outcomes are final,
// when the next attempt is due, and how long its payload (the claim values, in Blob storage) may be kept.
import {
  type CREDENTIAL_REQUEST_DECLINED_EVENT,
  CREDENTIALS_SHARED_EVENT,
  type CredentialRequestDeclinedRef,
  type CredentialsSharedRef,
  type ShareEvent,
} from "./shareEvent.js";
import { STREAM_UPDATED_EVENT, type StreamEventBody, VERIFICATION_EVENT } from "./stream.js";
import type { TraceContext } from "./traceContext.js";

/**
 * pending: nothing tried yet; retrying: a transient failure, the next attempt is scheduled; available: the trust
 * polls (RFC 8936), and the event waits for its poll and acknowledgement; delivered: the trust acknowledged it;
 * failed: the trust refused it for good (RFC 8935 400 with `err`, or an RFC 8936 `setErrs` entry) or it cannot be
 * sent; dead-lettered: attempts exhausted, waiting for an operator's replay; held: the trust is not active, so
 * nothing is pushed to it: the event keeps its payload until the retention limit, and an operator replays it (as
 * a dead letter) once the trust is active again.
 */
export type DeliveryStatus =
  | "pending"
  | "retrying"
  | "available"
  | "delivered"
  | "failed"
  | "dead-lettered"
  | "held";

export type AttemptOutcome = "delivered" | "failed" | "retry" | "dead-lettered";

/** One push to the trust's endpoint, as the event document lists it. */
export type DeliveryAttempt = {
  readonly attempt: number;
  readonly at: string;
  readonly durationMs: number;
  readonly outcome: AttemptOutcome;
  /** The HTTP status; absent after a timeout or a connection error. */
  readonly status?: number;
  /** RFC 8935 `err` (with its description), or what went wrong on the wire. */
  readonly reason?: string;
  /** The key the SET was signed with. */
  readonly kid: string;
  readonly nextAttemptAt?: string;
};

export type Delivery = {
  readonly status: DeliveryStatus;
  /** The highest attempt number taken so far; a message for an attempt at or below it is a duplicate. */
  readonly attempt: number;
  /** Set while an attempt is in flight: until then no other copy of the same attempt may take it. */
  readonly leaseUntil?: string;
  readonly attempts: readonly DeliveryAttempt[];
  readonly nextAttemptAt?: string;
  readonly deliveredAt?: string;
  readonly reason?: string;
};

/** The delivery reason of an event held while the trust's stream is paused, until it is enabled. */
export const STREAM_PAUSED = "stream_paused";

/** Why an event's payload (its claim values, or a decline's reason) is gone; `disabled`: the stream was disabled. */
export type PayloadRemoval = "delivered" | "retention" | "disabled";

type StoredEventFields = {
  readonly id: string;
  readonly trustId: string;
  readonly occurredAt: string;
  readonly correlationId?: string;
  /** The share's trace, as the consumer that stored the record continued it; a poll's acknowledgement joins it. */
  readonly trace?: TraceContext;
  /** When the record consumer saw the event; the deliver consumer may have created the document first. */
  readonly recorded?: { readonly at: string };
  /** The payload in Blob storage is deleted by this time at the latest, delivered or not. */
  readonly retainClaimsUntil: string;
  /** Set once the payload is deleted: the event can no longer be signed for the trust. */
  readonly claimsRemoved?: { readonly at: string; readonly why: PayloadRemoval };
  readonly delivery: Delivery;
};

/**
 * The document in `shareEvents` (partition /trustId, id = eventId), for either kind of share event: the event's
 * reference (identifiers, types, issuers), never its payload. SSF's own events to the trust's stream (verification,
 * stream-updated) are recorded and delivered the same way; they carry no claims, so their data is their whole
 * content and they have no payload.
 */
export type StoredShareEvent = StoredEventFields &
  (
    | { readonly type: typeof CREDENTIALS_SHARED_EVENT; readonly data: CredentialsSharedRef }
    | { readonly type: typeof CREDENTIAL_REQUEST_DECLINED_EVENT; readonly data: CredentialRequestDeclinedRef }
    | StreamEventBody
  );

/** The event's whole content when it is one of SSF's own (verification, stream-updated), which has no payload. */
export function streamEventOf(event: StoredShareEvent): StreamEventBody | undefined {
  if (event.type === VERIFICATION_EVENT) return { type: event.type, data: event.data };
  if (event.type === STREAM_UPDATED_EVENT) return { type: event.type, data: event.data };
  return undefined;
}

/** A recorded share of credentials (not a decline). */
export type StoredCredentialsShared = Extract<
  StoredShareEvent,
  { readonly type: typeof CREDENTIALS_SHARED_EVENT }
>;

export function newStoredShareEvent(
  event: ShareEvent,
  options: {
    now: Date;
    retentionMs: number;
    correlationId?: string | undefined;
    recorded: boolean;
    trace?: TraceContext | undefined;
  },
): StoredShareEvent {
  const occurred = Date.parse(event.occurredAt);
  const from = Number.isNaN(occurred) ? options.now.getTime() : occurred;
  return {
    id: event.eventId,
    trustId: event.trustId,
    // Each branch narrows the event, so that the stored type and its data stay a matching pair.
    ...(event.type === CREDENTIALS_SHARED_EVENT
      ? { type: event.type, data: event.data }
      : { type: event.type, data: event.data }),
    occurredAt: event.occurredAt,
    ...(options.correlationId === undefined ? {} : { correlationId: options.correlationId }),
    ...(options.recorded ? { recorded: { at: options.now.toISOString() } } : {}),
    ...(options.trace === undefined ? {} : { trace: options.trace }),
    retainClaimsUntil: new Date(from + options.retentionMs).toISOString(),
    delivery: { status: "pending", attempt: 0, attempts: [] },
  };
}

/** The stored event once its payload is deleted: the record (types, issuers, delivery log) stays. */
export function withoutPayload(event: StoredShareEvent, now: Date, why: PayloadRemoval): StoredShareEvent {
  if (event.claimsRemoved !== undefined) return event;
  return { ...event, claimsRemoved: { at: now.toISOString(), why } };
}

/** True when the event may still be signed for the trust: its payload is neither deleted nor past retention. */
export function payloadRetained(event: StoredShareEvent, now: Date): boolean {
  return event.claimsRemoved === undefined && now.getTime() < Date.parse(event.retainClaimsUntil);
}

export type RetryPolicy = {
  /** Attempts in one round, the first included; after the last, the delivery is dead-lettered. */
  readonly maxAttempts: number;
  readonly firstDelayMs: number;
  readonly multiplier: number;
  readonly maxDelayMs: number;
  /** Up to this fraction is added at random to each delay, so that retries after an outage spread out. */
  readonly jitter: number;
};

/** Delay before retry number `failed` + 1, where `failed` attempts of this round have failed (1-based). */
export function retryDelayMs(policy: RetryPolicy, failed: number, random: () => number): number {
  const base = Math.min(policy.maxDelayMs, policy.firstDelayMs * policy.multiplier ** (failed - 1));
  // Jitter only ever lengthens a delay, so the whole schedule never spans less than its minimum.
  return Math.round(base * (1 + policy.jitter * random()));
}

/** The shortest and the longest time from the first attempt to the last in one round. */
export function retrySpanMs(policy: RetryPolicy): { min: number; max: number } {
  let min = 0;
  let max = 0;
  for (let failed = 1; failed < policy.maxAttempts; failed++) {
    min += retryDelayMs(policy, failed, () => 0);
    max += retryDelayMs(policy, failed, () => 1);
  }
  return { min, max };
}

/**
 * What a push came to, as the notifier saw it on the wire; `refused` is the outbound guard declining the endpoint
 * before anything was sent (not https, not a public address, not a host the trust is pinned to).
 */
export type PushResult =
  | {
      readonly kind: "response";
      readonly status: number;
      /** The start of the answer's body; `truncated` when it went on past the pusher's byte limit. */
      readonly body: string;
      readonly truncated?: boolean;
      readonly durationMs: number;
    }
  | { readonly kind: "refused"; readonly reason: string; readonly durationMs: number }
  | { readonly kind: "timeout" | "connection"; readonly durationMs: number };

export type PushVerdict =
  | { readonly kind: "delivered" }
  | { readonly kind: "permanent"; readonly reason: string }
  | { readonly kind: "transient"; readonly reason: string };

/**
 * RFC 8935 section 2: any 2xx is success; a 400 carries `err` and is not worth repeating. Timeouts, connection
 * errors, 408, 429 and 5xx are the recoverable failures section 4 means, so they are retried. Anything else (a
 * redirect, 401, 404, ...) is an endpoint that will not take the SET as it stands: failed, for an operator. So is
 * an endpoint the outbound guard refuses: it stays refused until the trust changes it, however often it is tried.
 */
export function judgePush(result: PushResult): PushVerdict {
  if (result.kind === "refused") return { kind: "permanent", reason: result.reason };
  if (result.kind !== "response") return { kind: "transient", reason: result.kind };
  const { status } = result;
  if (status >= 200 && status < 300) return { kind: "delivered" };
  if (status === 408 || status === 429 || status >= 500)
    return { kind: "transient", reason: `http_${status}` };
  if (status === 400) return { kind: "permanent", reason: setErrorOf(result.body) ?? "http_400" };
  return { kind: "permanent", reason: `http_${status}` };
}

/** `err: description` of an RFC 8935 error body, trimmed so that a receiver cannot fill the document. */
function setErrorOf(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed !== "object" || parsed === null) return undefined;
    const { err, description } = parsed as { err?: unknown; description?: unknown };
    if (typeof err !== "string" || !/^[A-Za-z0-9_]{1,64}$/.test(err)) return undefined;
    return typeof description === "string" ? `${err}: ${description.slice(0, 200)}` : err;
  } catch {
    return undefined;
  }
}
