// The outbox: a share event stored on the document it belongs to (a share, or a credential request), in the same
// write that changes the document, and dropped once the event is on the topic. So an event is never lost between
// the change and the topic, and never published for a change that was not stored. An event the sweep cannot
// publish is tried again later and later, and one the broker refuses is parked with its reason for an operator after
// OUTBOX_MAX_TRIES, so that it never holds up the events behind it.
import type { ShareEvent } from "./shareEvent.js";
import type { TraceContext } from "./traceContext.js";

/** Why and when an event was given up on: the failure's code or name (never its message, which may hold data). */
export type OutboxPark = { readonly reason: string; readonly at: string };

/** The share event waiting to be published, with the correlation id it travels with. */
export type Outbox = {
  readonly event: ShareEvent;
  readonly correlationId: string;
  readonly storedAt: string;
  /** The sweep's failed publishes so far; absent (or 0, once released) before the first. */
  readonly tries?: number;
  /** The sweep leaves the event alone until then; absent until a publish has failed. */
  readonly nextTryAt?: string;
  /** Set after the last try: the sweep no longer takes the event until an operator releases it. */
  readonly parked?: OutboxPark;
  /** The trace of the change that stored the event, which its publish and consumers continue. */
  readonly trace?: TraceContext;
};

/** A document that may carry an outbox. */
export type OutboxCarrier = { readonly id: string; readonly outbox?: Outbox };

/**
 * The sweep's failed tries before an event is parked. With the delays below they span about two hours, so a broker
 * that is refused or unreachable for less than that never parks anything.
 */
export const OUTBOX_MAX_TRIES = 10;
/** The wait after the first failed try; each later one doubles it, up to OUTBOX_MAX_RETRY_DELAY_MS. */
export const OUTBOX_FIRST_RETRY_DELAY_MS = 15_000;
export const OUTBOX_MAX_RETRY_DELAY_MS = 60 * 60 * 1000;

/** What a failed publish writes on the outbox: the count of tries, and when the next is due or that it is parked. */
export type OutboxRetry =
  | { readonly tries: number; readonly nextTryAt: string }
  | { readonly tries: number; readonly parked: OutboxPark };

/** The wait after the `tries`-th failed try: 15 s, 30 s, 1 min, ... up to an hour. */
export function outboxRetryDelayMs(tries: number): number {
  return Math.min(OUTBOX_FIRST_RETRY_DELAY_MS * 2 ** Math.max(0, tries - 1), OUTBOX_MAX_RETRY_DELAY_MS);
}

/**
 * The outbox's next state after a publish failed at `now` for `reason`. A failure the broker calls transient (it is
 * unreachable or busy) is tried again for as long as it lasts, an hour apart once the delay is at its cap, and never
 * parks the event: only one the broker refuses, try after try, waits for an operator.
 */
export function afterFailedPublish(
  outbox: Pick<Outbox, "tries">,
  reason: string,
  now: Date,
  transient = false,
): OutboxRetry {
  const tries = (outbox.tries ?? 0) + 1;
  if (tries >= OUTBOX_MAX_TRIES && !transient) return { tries, parked: { reason, at: now.toISOString() } };
  return { tries, nextTryAt: new Date(now.getTime() + outboxRetryDelayMs(tries)).toISOString() };
}

/**
 * A failure as a reason to store and show: the error's code, else its name. Only identifier characters are kept, so
 * that nothing a message or a broker's text could carry ends up on the document.
 */
export function failureReason(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const name = error instanceof Error ? error.name : undefined;
  for (const candidate of [code, name]) {
    if (
      (typeof candidate === "string" || typeof candidate === "number") &&
      /^[\w.:-]{1,64}$/.test(`${candidate}`)
    )
      return `${candidate}`;
  }
  return "unknown";
}

/** True for a failure the broker says may pass if tried again (Service Bus errors carry `retryable`). */
export function isTransientFailure(error: unknown): boolean {
  return (error as { retryable?: unknown } | null)?.retryable === true;
}
