// Per-caller limits: one small in-memory token bucket per key (a client address the platform vouches for, a
// session's subject, a trust), per instance. They stop a single caller's flood of the calls that cost something
// (logins and shares spend the tenant's Verified ID quota); the edge (Front Door's WAF) is the limit across
// instances.
import type { HttpRequest } from "@azure/functions";
import { ServiceError } from "../errors.js";

export type RateLimiter = {
  /** Takes one request from the client's bucket: undefined when allowed, else the seconds until it would be. */
  take(client: string): number | undefined;
  /** Like take, without taking: undefined when the client has a request left, else the seconds until it will. */
  wait(client: string): number | undefined;
};

/**
 * Buckets kept at most; beyond it the least recently used are dropped (the idlest, most likely refilled by then), so
 * that many callers cannot grow memory without bound.
 */
const MAX_CLIENTS = 10_000;

/** A bucket of `perMinute` requests that refills continuously at `perMinute` a minute. */
export function tokenBucketLimiter(options: { perMinute: number; clock: () => Date }): RateLimiter {
  const capacity = options.perMinute;
  const perMs = options.perMinute / 60_000;
  const buckets = new Map<string, { tokens: number; at: number }>();
  const tokensOf = (client: string, now: number) => {
    const bucket = buckets.get(client);
    if (bucket === undefined) return capacity;
    return Math.min(capacity, bucket.tokens + Math.max(0, now - bucket.at) * perMs);
  };
  const secondsUntilOne = (tokens: number) => Math.max(1, Math.ceil((1 - tokens) / perMs / 1000));
  return {
    wait(client) {
      const tokens = tokensOf(client, options.clock().getTime());
      return tokens < 1 ? secondsUntilOne(tokens) : undefined;
    },
    take(client) {
      const now = options.clock().getTime();
      const tokens = tokensOf(client, now);
      buckets.delete(client);
      if (tokens < 1) {
        buckets.set(client, { tokens, at: now });
        return secondsUntilOne(tokens);
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

/** The address alone: no port, no brackets, lower case; at most 64 characters, so a key stays small. */
function normalised(address: string): string {
  const text = address.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(text);
  if (bracketed?.[1]) return bracketed[1].toLowerCase();
  const ipv4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(text);
  if (ipv4WithPort?.[1]) return ipv4WithPort[1];
  return text.slice(0, 64).toLowerCase();
}

/**
 * The client's address, as far as the platform vouches for it; a client cannot choose it by writing headers.
 *
 * - Through Front Door (`frontDoorId` set, and the request's X-Azure-FDID equal to it): X-Azure-SocketIP, the
 *   address of the TCP connection that reached Front Door. Front Door sets both headers itself. Microsoft's
 *   "Protocol support for HTTP headers in Azure Front Door" says a request's client IP (X-Azure-ClientIP, which a
 *   proxy's X-Forwarded-For may supply) can differ from its socket IP "because the client IP can be arbitrarily
 *   overwritten by a user", so X-Azure-ClientIP is not used. When Front Door is on, the app's access restriction
 *   admits only requests with its X-Azure-FDID (infra/modules/functionApp.bicep), so only Front Door reaches the
 *   app; the WAF's rate limits count the same socket address.
 * - Otherwise: the last X-Forwarded-For hop, which App Service's front end appends with the address (and port) of
 *   the connection it accepted; it is the address it also writes, overwriting any sent, in its own `client-ip`
 *   header (App Service's Linux documentation, "Headers on Azure App Service"). The local host appends the same
 *   (local/host/httpHost.ts). Every hop before it is what the client, or a proxy of its own, wrote: never read.
 */
export function clientAddress(request: HttpRequest, frontDoorId?: string): string {
  const fdid = request.headers.get("x-azure-fdid")?.trim().toLowerCase();
  if (frontDoorId !== undefined && fdid === frontDoorId.toLowerCase()) {
    const socket = normalised(request.headers.get("x-azure-socketip") ?? "");
    if (socket) return socket;
  }
  const hops = (request.headers.get("x-forwarded-for") ?? "").split(",");
  return normalised(hops[hops.length - 1] ?? "") || "unknown";
}

/** A client over its limit; answered 429 with Retry-After. */
export class RateLimited extends ServiceError {
  readonly retryAfterSeconds: number;

  constructor(retryAfterSeconds: number) {
    super("rate_limited", "Too many requests from this client; try again after the time in Retry-After.");
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
