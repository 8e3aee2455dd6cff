// Retry policy for calls to the Request Service: exponential backoff with jitter, bounded both in attempts and in
// total time, honouring the service's Retry-After. Pure timing rules; the client decides what is retryable.

export type RetryOptions = {
  /** Attempts in all, including the first. */
  readonly maxAttempts?: number;
  /** No wait starts that would end after this many milliseconds from the first attempt. */
  readonly maxTotalMs?: number;
  /** The first backoff; it doubles on each further attempt. */
  readonly baseDelayMs?: number;
  /** Cap on a single computed backoff (a longer Retry-After is still honoured within maxTotalMs). */
  readonly maxDelayMs?: number;
};

export type RetryPolicy = Required<RetryOptions>;

// The portal waits for the QR code while we retry, so the whole budget stays short.
export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 4,
  maxTotalMs: 10_000,
  baseDelayMs: 250,
  maxDelayMs: 4_000,
};

export function retryPolicy(options: RetryOptions | undefined): RetryPolicy {
  const policy: RetryPolicy = {
    maxAttempts: options?.maxAttempts ?? DEFAULT_RETRY.maxAttempts,
    maxTotalMs: options?.maxTotalMs ?? DEFAULT_RETRY.maxTotalMs,
    baseDelayMs: options?.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs,
    maxDelayMs: options?.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs,
  };
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) {
    throw new RangeError("retry.maxAttempts must be a positive integer");
  }
  for (const key of ["maxTotalMs", "baseDelayMs", "maxDelayMs"] as const) {
    if (!Number.isFinite(policy[key]) || policy[key] < 0) {
      throw new RangeError(`retry.${key} must be a non-negative number`);
    }
  }
  return policy;
}

/**
 * Backoff before retry number `retry` (1 for the first retry): half of the exponential step is fixed and half is
 * random ("equal jitter"), so waits keep growing while concurrent callers spread out.
 */
export function backoffMs(policy: RetryPolicy, retry: number, random: () => number): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.round(step / 2 + random() * (step / 2));
}

/** Retry-After as milliseconds from now: delay-seconds or an HTTP date (RFC 9110 section 10.2.3). */
export function parseRetryAfter(header: string | null, nowMs: number): number | undefined {
  if (header === null) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/**
 * The wait before the next attempt, or undefined when no further attempt is allowed: out of attempts, or the wait
 * would end past the total budget.
 */
export function nextDelayMs(
  policy: RetryPolicy,
  state: {
    readonly attempts: number;
    readonly elapsedMs: number;
    readonly retryAfterMs?: number | undefined;
  },
  random: () => number,
): number | undefined {
  if (state.attempts >= policy.maxAttempts) return undefined;
  const delay = Math.max(backoffMs(policy, state.attempts, random), state.retryAfterMs ?? 0);
  if (state.elapsedMs + delay > policy.maxTotalMs) return undefined;
  return delay;
}
