// The retry timing rules: exponential backoff with jitter, Retry-After in both of its forms, and the budgets.
import { describe, expect, it } from "vitest";
import { backoffMs, nextDelayMs, parseRetryAfter, retryPolicy } from "../../src/adapters/verifiedId/retry.js";

const policy = retryPolicy({ maxAttempts: 5, maxTotalMs: 5_000, baseDelayMs: 200, maxDelayMs: 1_000 });

describe("retry timing", () => {
  it("doubles the backoff each retry, up to the cap, with half of it random", () => {
    expect([1, 2, 3, 4].map((retry) => backoffMs(policy, retry, () => 0))).toEqual([100, 200, 400, 500]);
    expect([1, 2, 3, 4].map((retry) => backoffMs(policy, retry, () => 1))).toEqual([200, 400, 800, 1_000]);
  });

  it("reads Retry-After as seconds or as an HTTP date", () => {
    const now = Date.parse("2030-01-01T12:00:00Z");
    expect(parseRetryAfter("7", now)).toBe(7_000);
    expect(parseRetryAfter("Tue, 01 Jan 2030 12:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it("stops when attempts are used up or the next wait would pass the total budget", () => {
    expect(nextDelayMs(policy, { attempts: 5, elapsedMs: 0 }, () => 0)).toBeUndefined();
    expect(nextDelayMs(policy, { attempts: 1, elapsedMs: 4_950 }, () => 0)).toBeUndefined();
    expect(nextDelayMs(policy, { attempts: 1, elapsedMs: 0, retryAfterMs: 2_000 }, () => 0)).toBe(2_000);
    expect(nextDelayMs(policy, { attempts: 1, elapsedMs: 0, retryAfterMs: 6_000 }, () => 0)).toBeUndefined();
  });

  it("refuses a policy without attempts", () => {
    expect(() => retryPolicy({ maxAttempts: 0 })).toThrow(RangeError);
  });
});
