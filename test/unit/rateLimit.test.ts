// The per-client token bucket, its memory bound, and the client address it is keyed on.
import { HttpRequest } from "@azure/functions";
import { describe, expect, it } from "vitest";
import { clientAddress, tokenBucketLimiter } from "../../src/http/rateLimit.js";

const FRONT_DOOR_ID = "3f0b4a52-6c1e-4d8e-9a57-0d2c1b7e8f10";

const requestWith = (headers: Record<string, string>) =>
  new HttpRequest({ method: "GET", url: "http://127.0.0.1/api/health", headers });
const requestFrom = (forwardedFor?: string) =>
  requestWith(forwardedFor === undefined ? {} : { "x-forwarded-for": forwardedFor });

describe("token bucket limiter", () => {
  it("allows a full bucket at once, then one request per refill interval, with Retry-After until then", () => {
    let now = Date.now();
    const limiter = tokenBucketLimiter({ perMinute: 6, clock: () => new Date(now) });
    for (let i = 0; i < 6; i++) expect(limiter.take("a")).toBeUndefined();
    expect(limiter.take("a")).toBe(10);
    now += 9_000;
    expect(limiter.take("a")).toBe(1);
    now += 1_000;
    expect(limiter.take("a")).toBeUndefined();
    expect(limiter.take("b")).toBeUndefined();
  });

  it("never holds more than a full bucket, however long a client was idle", () => {
    let now = Date.now();
    const limiter = tokenBucketLimiter({ perMinute: 2, clock: () => new Date(now) });
    now += 3_600_000;
    expect([limiter.take("a"), limiter.take("a"), limiter.take("a")]).toEqual([undefined, undefined, 30]);
  });

  it("keeps what a refused request refilled, from the refusal's time, without spending any of it", () => {
    let now = Date.now();
    const limiter = tokenBucketLimiter({ perMinute: 6, clock: () => new Date(now) });
    for (let i = 0; i < 6; i++) limiter.take("a");
    now += 5_000;
    // Half a request has refilled: refused, 5 s to go.
    expect(limiter.take("a")).toBe(5);
    expect(limiter.take("a")).toBe(5);
    now += 2_500;
    // 0.75 of a request by now, counted from the refusal's time with what had refilled by then: 2.5 s to go.
    expect(limiter.take("a")).toBe(3);
    now += 3_000;
    expect(limiter.take("a")).toBeUndefined();
    expect(limiter.take("a")).toBe(10);
  });

  it("answers wait as take would, without spending a request", () => {
    let now = Date.now();
    const limiter = tokenBucketLimiter({ perMinute: 2, clock: () => new Date(now) });
    expect(limiter.wait("a")).toBeUndefined();
    limiter.take("a");
    expect(limiter.wait("a")).toBeUndefined();
    expect(limiter.wait("a")).toBeUndefined();
    limiter.take("a");
    expect(limiter.wait("a")).toBe(30);
    now += 29_500;
    expect(limiter.wait("a")).toBe(1);
    now += 500;
    expect(limiter.wait("a")).toBeUndefined();
  });

  it("keeps at most 10,000 clients, forgetting the least recently seen first", () => {
    const now = Date.now();
    const limiter = tokenBucketLimiter({ perMinute: 1, clock: () => new Date(now) });
    limiter.take("first");
    limiter.take("second");
    for (let i = 0; i < 9_998; i++) limiter.take(`client-${i}`);
    // 10,000 clients: both still spent.
    expect(limiter.wait("first")).toBe(60);
    expect(limiter.wait("second")).toBe(60);
    limiter.take("one more");
    // The least recently seen was forgotten, so its bucket is full again; the next one is still held.
    expect(limiter.wait("first")).toBeUndefined();
    expect(limiter.wait("second")).toBe(60);
  });

  it("counts a refused request as a use, so an active client is not the one forgotten", () => {
    const now = Date.now();
    const limiter = tokenBucketLimiter({ perMinute: 1, clock: () => new Date(now) });
    limiter.take("flooding");
    limiter.take("quiet");
    for (let i = 0; i < 9_998; i++) limiter.take(`client-${i}`);
    expect(limiter.take("flooding")).toBe(60);
    limiter.take("one more");
    expect(limiter.wait("flooding")).toBe(60);
    expect(limiter.wait("quiet")).toBeUndefined();
  });
});

describe("client address", () => {
  it("is the last x-forwarded-for hop, the one the platform's front end appends, without its port", () => {
    expect(clientAddress(requestFrom("10.9.8.7, 198.51.100.7:51234"))).toBe("198.51.100.7");
    expect(clientAddress(requestFrom("203.0.113.9, [2001:DB8::1]:443"))).toBe("2001:db8::1");
    expect(clientAddress(requestFrom("2001:db8::2"))).toBe("2001:db8::2");
  });

  it("never reads the hops the client wrote before the platform's", () => {
    const forged = ["203.0.113.1", "203.0.113.2", "203.0.113.3"].map((hop) =>
      clientAddress(requestFrom(`${hop}, 198.51.100.7`)),
    );
    expect(forged).toEqual(["198.51.100.7", "198.51.100.7", "198.51.100.7"]);
  });

  it("is one shared key when no address is known", () => {
    expect(clientAddress(requestFrom())).toBe("unknown");
  });

  it("is Front Door's socket address when the request carries the configured Front Door's id", () => {
    const through = requestWith({
      "x-azure-fdid": FRONT_DOOR_ID.toUpperCase(),
      "x-azure-socketip": "198.51.100.20",
      "x-azure-clientip": "203.0.113.66",
      "x-forwarded-for": "203.0.113.66, 147.243.0.1",
    });
    expect(clientAddress(through, FRONT_DOOR_ID)).toBe("198.51.100.20");
  });

  it("ignores Front Door's headers without the configured id, or when none is configured", () => {
    const headers = {
      "x-azure-socketip": "198.51.100.20",
      "x-forwarded-for": "203.0.113.66, 198.51.100.99",
    };
    expect(clientAddress(requestWith({ ...headers, "x-azure-fdid": "someone-elses" }), FRONT_DOOR_ID)).toBe(
      "198.51.100.99",
    );
    expect(clientAddress(requestWith(headers), FRONT_DOOR_ID)).toBe("198.51.100.99");
    expect(clientAddress(requestWith({ ...headers, "x-azure-fdid": FRONT_DOOR_ID }))).toBe("198.51.100.99");
  });
});
