// A per-client limit for anonymous endpoints: one small in-memory token bucket per client address, per
// instance. It stops a single client's flood (of POST /api/logins above all, each of which spends the tenant's
// Verified ID quota); the edge (Front Door's WAF) is the limit across instances.
import type { HttpRequest } from "@azure/functions";
import { ServiceError } from "../errors.js";

export type RateLimiter = {
  /** Takes one request from the client's bucket: undefined when allowed, else the seconds until it would be. */
  take(client: string): number | undefined;
};

/** Buckets kept at most; beyond it the fullest (idlest) are dropped, so a spray of addresses cannot grow memory. */
const MAX_CLIENTS = 10_000;

/** A bucket of `perMinute` requests that refills continuously at `perMinute` a minute. */
export function tokenBucketLimiter(options: { perMinute: number; clock: () => Date }): RateLimiter {
  const capacity = options.perMinute;
  const perMs = options.perMinute / 60_000;
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(client) {
      const now = options.clock().getTime();
      const bucket = buckets.get(client) ?? { tokens: capacity, at: now };
      const tokens = Math.min(capacity, bucket.tokens + Math.max(0, now - bucket.at) * perMs);
      buckets.delete(client);
      if (tokens < 1) {
        buckets.set(client, { tokens, at: now });
        return Math.max(1, Math.ceil((1 - tokens) / perMs / 1000));
      }
      buckets.set(client, { tokens: tokens - 1, at: now });
      // A Map iterates in insertion order and each use re-inserts, so the first keys are the least recent.
      for (const stale of buckets.keys()) {
        if (buckets.size <= MAX_CLIENTS) break;
        buckets.delete(stale);
      }
      return undefined;
    },
  };
}

/**
 * The client's address: the first x-forwarded-for hop, which the platform's front end (and the local host)
 * fill in with the socket's address when the client sent none; its port is dropped.
 */
export function clientAddress(request: HttpRequest): string {
  const first = (request.headers.get("x-forwarded-for") ?? "").split(",")[0]?.trim() ?? "";
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(first);
  if (bracketed?.[1]) return bracketed[1].toLowerCase();
  const ipv4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(first);
  if (ipv4WithPort?.[1]) return ipv4WithPort[1];
  return first.slice(0, 64).toLowerCase() || "unknown";
}

/** A client over its limit; answered 429 with Retry-After. */
export class RateLimited extends ServiceError {
  readonly retryAfterSeconds: number;

  constructor(retryAfterSeconds: number) {
    super("rate_limited", "Too many requests from this client; try again after the time in Retry-After.");
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
