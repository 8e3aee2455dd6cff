// The rules of a share event's delivery on their own (src/domain/shareDelivery.ts): which answers of a trust are
// final and which are retried, the backoff with its cap and jitter, and how long an event's payload may be kept.
import { describe, expect, it } from "vitest";
import {
  judgePush,
  newStoredShareEvent,
  type PushResult,
  payloadRetained,
  type RetryPolicy,
  retryDelayMs,
  retrySpanMs,
  withoutPayload,
} from "../../src/domain/shareDelivery.js";
import { CREDENTIALS_SHARED_EVENT, type ShareEvent } from "../../src/domain/shareEvent.js";

const response = (status: number, body = ""): PushResult => ({
  kind: "response",
  status,
  body,
  durationMs: 5,
});

describe("judging a push (RFC 8935)", () => {
  it("takes any 2xx as delivered", () => {
    for (const status of [200, 202, 204, 299])
      expect(judgePush(response(status)), String(status)).toEqual({ kind: "delivered" });
  });

  it("retries a timeout and a connection error", () => {
    expect(judgePush({ kind: "timeout", durationMs: 10_000 })).toEqual({
      kind: "transient",
      reason: "timeout",
    });
    expect(judgePush({ kind: "connection", durationMs: 3 })).toEqual({
      kind: "transient",
      reason: "connection",
    });
  });

  it("retries 408 and 429, the trust's own ways of saying try again later", () => {
    expect(judgePush(response(408))).toEqual({ kind: "transient", reason: "http_408" });
    expect(judgePush(response(429, '{"err":"slow_down"}'))).toEqual({
      kind: "transient",
      reason: "http_429",
    });
  });

  it("retries every 5xx", () => {
    for (const status of [500, 502, 503, 504, 599])
      expect(judgePush(response(status)), String(status)).toEqual({
        kind: "transient",
        reason: `http_${status}`,
      });
  });

  it("fails a 400 for good with its err and description, the description cut at 200 characters", () => {
    expect(judgePush(response(400, '{"err":"invalid_key","description":"unknown kid"}'))).toEqual({
      kind: "permanent",
      reason: "invalid_key: unknown kid",
    });
    expect(judgePush(response(400, '{"err":"invalid_request"}'))).toEqual({
      kind: "permanent",
      reason: "invalid_request",
    });
    const long = judgePush(response(400, JSON.stringify({ err: "x", description: "d".repeat(500) })));
    expect(long).toEqual({ kind: "permanent", reason: `x: ${"d".repeat(200)}` });
  });

  it("fails a 400 whose body is no RFC 8935 error as http_400, never quoting what the trust wrote", () => {
    for (const body of [
      "",
      "not json",
      "null",
      "[]",
      '{"err":42}',
      '{"err":"has spaces"}',
      `{"err":"${"e".repeat(65)}"}`,
    ])
      expect(judgePush(response(400, body)), body).toEqual({ kind: "permanent", reason: "http_400" });
  });

  it("fails any other status for good: a redirect, 401, 403, 404, 410", () => {
    for (const status of [199, 301, 401, 403, 404, 410])
      expect(judgePush(response(status)), String(status)).toEqual({
        kind: "permanent",
        reason: `http_${status}`,
      });
  });
});

const policy: RetryPolicy = {
  maxAttempts: 6,
  firstDelayMs: 1_000,
  multiplier: 2,
  maxDelayMs: 5_000,
  jitter: 0.5,
};

describe("the backoff", () => {
  it("doubles from the first delay and never exceeds the cap", () => {
    expect([1, 2, 3, 4, 5, 6, 20].map((failed) => retryDelayMs(policy, failed, () => 0))).toEqual([
      1_000, 2_000, 4_000, 5_000, 5_000, 5_000, 5_000,
    ]);
  });

  it("adds at most the jitter's fraction to a delay, the capped one included, and never shortens one", () => {
    expect(retryDelayMs(policy, 1, () => 1)).toBe(1_500);
    expect(retryDelayMs(policy, 2, () => 0.5)).toBe(2_500);
    expect(retryDelayMs(policy, 9, () => 1)).toBe(7_500);
  });

  it("spans, from the first attempt to the last, the sum of the delays without and with the whole jitter", () => {
    // Five delays between six attempts: 1, 2, 4, 5, 5 seconds.
    expect(retrySpanMs(policy)).toEqual({ min: 17_000, max: 25_500 });
    expect(retrySpanMs({ ...policy, maxAttempts: 1 })).toEqual({ min: 0, max: 0 });
  });
});

const DAY_MS = 86_400_000;

function event(occurredAt: string): ShareEvent {
  return {
    eventId: "event-1",
    trustId: "RTH",
    occurredAt,
    type: CREDENTIALS_SHARED_EVENT,
    data: { shareId: "share-1", trustId: "RTH", sharedAt: occurredAt, credentials: [] },
  };
}

describe("the payload's retention", () => {
  it("keeps the payload for the retention period from when the event occurred, and no longer", () => {
    const now = new Date();
    const occurred = new Date(now.getTime() - DAY_MS);
    const stored = newStoredShareEvent(event(occurred.toISOString()), {
      now,
      retentionMs: 30 * DAY_MS,
      recorded: true,
    });
    const limit = occurred.getTime() + 30 * DAY_MS;
    expect(stored.retainClaimsUntil).toBe(new Date(limit).toISOString());
    expect(stored.delivery).toEqual({ status: "pending", attempt: 0, attempts: [] });
    expect(stored.recorded).toEqual({ at: now.toISOString() });
    expect(payloadRetained(stored, new Date(limit - 1))).toBe(true);
    expect(payloadRetained(stored, new Date(limit))).toBe(false);
  });

  it("counts from now when the event's time is not a date", () => {
    const now = new Date();
    const stored = newStoredShareEvent(event("yesterday"), { now, retentionMs: DAY_MS, recorded: false });
    expect(stored.retainClaimsUntil).toBe(new Date(now.getTime() + DAY_MS).toISOString());
    expect(stored.recorded).toBeUndefined();
  });

  it("no longer retains a payload once it is removed, and the first removal's time and reason stay", () => {
    const now = new Date();
    const stored = newStoredShareEvent(event(now.toISOString()), {
      now,
      retentionMs: DAY_MS,
      recorded: true,
    });
    const removed = withoutPayload(stored, now, "delivered");
    expect(removed.claimsRemoved).toEqual({ at: now.toISOString(), why: "delivered" });
    expect(payloadRetained(removed, now)).toBe(false);
    expect(withoutPayload(removed, new Date(now.getTime() + 1), "retention")).toBe(removed);
  });
});
