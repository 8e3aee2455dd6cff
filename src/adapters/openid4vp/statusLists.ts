// Token Status List (draft-ietf-oauth-status-list-14, as HAIP 1.0 pins it): a credential names an index in its
// issuer's status list; the list is fetched as a signed Status List Token, checked (ES256 by an x5c leaf that
// chains to the issuer roots and names the credential's issuer, typ, sub = the URI, time), and cached for its
// `ttl`. Fetches go through the outbound guard, like every other call to an address the service was given.
import type { X509Certificate } from "node:crypto";
import {
  getListFromStatusListJWT,
  type StatusList,
  verifyStatusListJwtClaims,
  verifyStatusListJwtHeader,
} from "@owf/token-status-list";
import { compactVerify, decodeProtectedHeader } from "jose";
import type { OutboundResult } from "../net/publicFetch.js";
import { checkChain, leafNamesIssuer } from "./certificateChains.js";

/** What a credential's status says: 0x00 valid, 0x01 revoked (invalid), 0x02 suspended (section 7.1). */
export type CredentialStatus = "VALID" | "REVOKED" | "SUSPENDED" | "UNKNOWN";

/** Fetches a URL within the outbound guard (publicFetch with the service's policy). */
export type StatusFetch = (url: string) => Promise<OutboundResult>;

export type StatusListOptions = {
  readonly fetch: StatusFetch;
  readonly issuerRoots: readonly X509Certificate[];
  readonly clock: () => Date;
  /** Longest a list is kept, whatever its ttl says. */
  readonly maxCacheSeconds?: number;
};

/** A status list is kept at most this long, and at least this briefly when it names no ttl. */
const DEFAULT_MAX_CACHE_SECONDS = 3600;
const MIN_CACHE_SECONDS = 30;
const MAX_STATUS_LIST_BYTES = 1024 * 1024;
const FETCH_TIMEOUT_MS = 5000;

type Cached = { readonly list: StatusList; readonly issuer: string; readonly until: number };

/** Reads a credential's status from its `status.status_list` reference, for the issuer that signed it. */
export type StatusReader = (issuer: string, reference: unknown) => Promise<CredentialStatus>;

export function statusListReader(options: StatusListOptions): StatusReader {
  const cache = new Map<string, Cached>();
  const maxCache = options.maxCacheSeconds ?? DEFAULT_MAX_CACHE_SECONDS;

  async function load(uri: string, issuer: string): Promise<StatusList | undefined> {
    const now = options.clock();
    const cached = cache.get(uri);
    if (cached !== undefined && cached.until > now.getTime() && cached.issuer === issuer) return cached.list;
    const fetched = await options.fetch(uri);
    if (fetched.kind !== "response" || fetched.status !== 200) return undefined;
    const token = fetched.body.trim();
    const header = safely(() => decodeProtectedHeader(token));
    // verifyStatusListJwtHeader throws for a typ other than statuslist+jwt and returns nothing otherwise.
    const typed = safely(() => {
      if (header !== undefined) verifyStatusListJwtHeader(header);
      return true;
    });
    if (header?.alg !== "ES256" || typed !== true) return undefined;
    const chain = checkChain(header.x5c, options.issuerRoots, now);
    // The list must come from the credential's own issuer: another trusted issuer cannot revoke (or revive) it.
    if (!chain.ok || !leafNamesIssuer(chain.leaf, issuer)) return undefined;
    const verified = await compactVerify(token, chain.leaf.publicKey, { algorithms: ["ES256"] }).catch(
      () => undefined,
    );
    if (verified === undefined) return undefined;
    const payload = safely(
      () => JSON.parse(new TextDecoder().decode(verified.payload)) as Record<string, unknown>,
    );
    if (payload === undefined) return undefined;
    const claimsOk = safely(() => {
      verifyStatusListJwtClaims(payload as Parameters<typeof verifyStatusListJwtClaims>[0], { uri, now });
      return true;
    });
    if (claimsOk !== true) return undefined;
    const list = safely(() => getListFromStatusListJWT(token));
    if (list === undefined) return undefined;
    const ttl = typeof payload.ttl === "number" && payload.ttl > 0 ? payload.ttl : MIN_CACHE_SECONDS;
    const exp = typeof payload.exp === "number" ? payload.exp * 1000 : Number.POSITIVE_INFINITY;
    const until = Math.min(now.getTime() + Math.min(ttl, maxCache) * 1000, exp);
    cache.set(uri, { list, issuer, until });
    return list;
  }

  return async (issuer, reference) => {
    const entry = statusReference(reference);
    if (entry === undefined) return "UNKNOWN";
    const list = await load(entry.uri, issuer);
    if (list === undefined || entry.idx >= list.totalStatuses) return "UNKNOWN";
    const value = list.getStatus(entry.idx);
    if (value === 0) return "VALID";
    if (value === 1) return "REVOKED";
    return value === 2 ? "SUSPENDED" : "UNKNOWN";
  };
}

/** `status.status_list` of a credential: `{ idx, uri }` (section 6.2), or undefined when it is not one. */
function statusReference(reference: unknown): { idx: number; uri: string } | undefined {
  if (typeof reference !== "object" || reference === null) return undefined;
  const statusList = (reference as { status_list?: unknown }).status_list;
  if (typeof statusList !== "object" || statusList === null) return undefined;
  const { idx, uri } = statusList as { idx?: unknown; uri?: unknown };
  if (typeof idx !== "number" || !Number.isInteger(idx) || idx < 0 || typeof uri !== "string")
    return undefined;
  return { idx, uri };
}

function safely<T>(run: () => T): T | undefined {
  try {
    return run();
  } catch {
    return undefined;
  }
}

export const STATUS_FETCH_LIMITS = { timeoutMs: FETCH_TIMEOUT_MS, maxBytes: MAX_STATUS_LIST_BYTES } as const;
