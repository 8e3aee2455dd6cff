// The per-client token bucket and the client address it is keyed on.
import { HttpRequest } from "@azure/functions";
import { describe, expect, it } from "vitest";
import { clientAddress, tokenBucketLimiter } from "../../src/http/rateLimit.js";

const requestFrom = (forwardedFor?: string) =>
  new HttpRequest({
    method: "GET",
    url: "http://127.0.0.1/api/health",
    headers: forwardedFor === undefined ? {} : { "x-forwarded-for": forwardedFor },
  });

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
});

describe("client address", () => {
  it("is the first x-forwarded-for hop without its port", () => {
    expect(clientAddress(requestFrom("198.51.100.7:51234, 10.0.0.1"))).toBe("198.51.100.7");
    expect(clientAddress(requestFrom("[2001:DB8::1]:443, 10.0.0.1"))).toBe("2001:db8::1");
    expect(clientAddress(requestFrom("2001:db8::2"))).toBe("2001:db8::2");
  });

  it("is one shared key when no address is known", () => {
    expect(clientAddress(requestFrom())).toBe("unknown");
  });
});
