// Trust tokens (API.md section 7): the ES256 JWT a trust's own system signs to call the trust API. The trust is
// looked up from the token's unverified `iss`, and the signature is then checked with that trust's registered
// keys only (its `jwks`, or the JWKS at its `jwksUri`, cached and read again at most every 30 s for an unknown
// kid). Our own session tokens and share events never pass: other issuer, other keys, other audience. A token
// that a call changing something has used is refused ever after, on every instance (its `jti` is kept in Cosmos DB).
// The same keys (and cache) tell the SET signer which key, if any, the trust's SETs are encrypted to.
import { createHash } from "node:crypto";
import { decodeJwt, decodeProtectedHeader, errors, type JWK } from "jose";
import type { TrustCaller, TrustDirectory } from "../../app/ports.js";
import { isEncryptionKey, type Trust, trustFields } from "../../domain/trust.js";
import { ServiceError } from "../../errors.js";
import { SET_TYPE } from "../events/securityEventTokens.js";
import { type OutboundPolicy, publicFetch } from "../net/publicFetch.js";
import { CLOCK_TOLERANCE_SECONDS, isExpired, type VerificationKeys, verifyEs256 } from "./jwtVerification.js";
import { type RefreshingCache, refreshingCache } from "./refreshingCache.js";
import { SESSION_TOKEN_TYPE } from "./sessionTokens.js";

/** API.md section 7: `exp` at most 5 minutes after `iat`. */
export const MAX_TRUST_TOKEN_LIFETIME_SECONDS = 300;
/** How long a trust's JWKS read from its `jwksUri` is used before it is read again. */
export const TRUST_JWKS_MAX_AGE_MS = 5 * 60_000;
/** An unknown kid reads a trust's JWKS again at most this often, so made-up kids cannot hammer its endpoint. */
export const TRUST_JWKS_REFRESH_MS = 30_000;
export const TRUST_JWKS_TIMEOUT_MS = 5_000;
const MAX_JWKS_BYTES = 64 * 1024;

/** The trust API's audience: the session issuer's URL with `/trust`, so it can never be a session's. */
export function trustAudience(sessionIssuer: string): string {
  return `${sessionIssuer.replace(/\/+$/, "")}/trust`;
}

/** The bearer token is missing, malformed, expired, or not signed by the trust it names. Answered 401. */
export class InvalidTrustToken extends ServiceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("invalid_trust_token", message, options);
  }
}

/** The trust's JWKS endpoint did not answer with a JWKS: not the token's fault, so the trust may retry (503). */
export class TrustKeysUnavailable extends ServiceError {
  readonly trustId: string;

  constructor(trustId: string, options?: { cause?: unknown }) {
    super("dependency_unavailable", "The trust's JWKS could not be read.", options);
    this.trustId = trustId;
  }

  override logDetails() {
    return { trustId: this.trustId };
  }
}

/**
 * Reads a JWKS document; throws for anything but a 200 with keys of the kind a trust may register. `allowedHosts`
 * are the trust's pins.
 */
export type JwksFetcher = (
  uri: string,
  timeoutMs: number,
  allowedHosts?: readonly string[],
) => Promise<{ keys: JWK[] }>;

const trustJwksSchema = trustFields.jwks.unwrap();

/** Reads a trust's JWKS through the outbound guard: https to public addresses, no redirects, a byte limit. */
export function publicJwksFetcher(policy: OutboundPolicy): JwksFetcher {
  return async (uri, timeoutMs, allowedHosts) => {
    const result = await publicFetch(
      uri,
      {
        method: "GET",
        headers: { accept: "application/json" },
        timeoutMs,
        maxBytes: MAX_JWKS_BYTES,
        allowedHosts,
      },
      policy,
    );
    if (result.kind === "refused") throw new Error(`The JWKS URI is refused: ${result.reason}.`);
    if (result.kind !== "response") throw new Error(`The JWKS URI could not be read: ${result.kind}.`);
    if (result.status !== 200) throw new Error(`The JWKS URI answered ${result.status}.`);
    if (result.truncated) throw new Error("The JWKS is too large.");
    return { keys: trustJwksSchema.parse(JSON.parse(result.body)).keys.map((key) => ({ ...key })) };
  };
}

/**
 * The ids of trust tokens already used by a call that changes something, shared by every instance, each kept for
 * as long as its token could still be accepted.
 */
export type UsedTokenIds = {
  /** Records the id for `ttlSeconds`; false when it was already recorded, i.e. the token is being replayed. */
  use(id: string, ttlSeconds: number): Promise<boolean>;
};

/**
 * What the token is for. A call that changes something (every trust API method but GET) uses the token up, so a
 * captured token cannot repeat it; a read may reuse one, as it repeats nothing.
 */
export type TrustTokenUse = "read" | "change";

export type TrustTokenDeps = {
  trusts: TrustDirectory;
  usedTokenIds: UsedTokenIds;
  /** trustAudience(SESSION_ISSUER). */
  audience: string;
  clock: () => Date;
  /** How a trust's jwksUri may be reached (src/adapters/net/publicFetch.ts); used unless fetchJwks is given. */
  outbound: OutboundPolicy;
  fetchJwks?: JwksFetcher;
  /** How long a trust's JWKS endpoint is given to answer; TRUST_JWKS_TIMEOUT_MS unless a test needs it shorter. */
  jwksTimeoutMs?: number;
};

export type TrustTokenVerifier = {
  verify(token: string, use: TrustTokenUse): Promise<TrustCaller>;
  /**
   * Every key the trust registered, signing and encryption keys alike; undefined for a trust that registered none.
   * Throws TrustKeysUnavailable when its JWKS cannot be read.
   */
  registeredKeys(trustId: string): Promise<{ keys: JWK[] } | undefined>;
};

const TRUST_ID = /^[A-Z0-9]{3,5}$/;
const REFUSED_TYPES = new Set([SESSION_TOKEN_TYPE, SET_TYPE]);

export function trustTokenVerifier(deps: TrustTokenDeps): TrustTokenVerifier {
  const fetchJwks = deps.fetchJwks ?? publicJwksFetcher(deps.outbound);
  // One cache per trust and URI: a trust that moves its JWKS starts afresh.
  const remote = new Map<string, RefreshingCache<{ keys: JWK[] }>>();

  const keysOf = (trust: Trust): VerificationKeys | undefined => {
    if (trust.jwks !== undefined) {
      const inline = { keys: trust.jwks.keys.map((key) => ({ ...key })) };
      return { jwks: async () => inline, reload: async () => false };
    }
    const uri = trust.jwksUri;
    if (uri === undefined) return undefined;
    // The pins are part of the key too: the load below reads them once, and an operator may change them.
    const key = `${trust.id} ${uri} ${trust.allowedHosts?.join(",") ?? ""}`;
    let cache = remote.get(key);
    if (cache === undefined) {
      const load = async () => {
        try {
          return await fetchJwks(uri, deps.jwksTimeoutMs ?? TRUST_JWKS_TIMEOUT_MS, trust.allowedHosts);
        } catch (cause) {
          throw new TrustKeysUnavailable(trust.id, { cause });
        }
      };
      cache = refreshingCache(load, {
        maxAgeMs: TRUST_JWKS_MAX_AGE_MS,
        retryAfterMs: TRUST_JWKS_REFRESH_MS,
        clock: deps.clock,
      });
      remote.set(key, cache);
    }
    return { jwks: cache, reload: cache.reload };
  };

  return {
    async registeredKeys(trustId) {
      const trust = await deps.trusts.get(trustId);
      const keys = trust === undefined ? undefined : keysOf(trust);
      return keys?.jwks();
    },
    async verify(token, use) {
      const claimed = unverifiedIssuer(token);
      const trust = await deps.trusts.get(claimed);
      const registered = trust?.active ? keysOf(trust) : undefined;
      const keys = registered && signingKeysOf(registered);
      if (keys === undefined)
        throw new InvalidTrustToken("The token's issuer is not a trust with registered keys.");
      const payload = await verifyEs256(keys, token, {
        issuer: claimed,
        subject: claimed,
        audience: deps.audience,
        currentDate: deps.clock(),
        maxTokenAge: MAX_TRUST_TOKEN_LIFETIME_SECONDS,
        requiredClaims: ["iss", "sub", "aud", "iat", "exp", "jti"],
        invalid: (cause) => new InvalidTrustToken(whyInvalid(cause), { cause }),
      });
      const { iat, exp, jti } = payload;
      if (
        typeof iat !== "number" ||
        typeof exp !== "number" ||
        exp - iat > MAX_TRUST_TOKEN_LIFETIME_SECONDS
      ) {
        throw new InvalidTrustToken("The trust token lives longer than 5 minutes.");
      }
      if (typeof jti !== "string" || jti === "") throw new InvalidTrustToken("The trust token has no id.");
      if (use === "change") {
        // Kept until the token could no longer pass the expiry check, which allows the clock tolerance past exp.
        const now = Math.floor(deps.clock().getTime() / 1000);
        const ttlSeconds = Math.max(1, exp + CLOCK_TOLERANCE_SECONDS - now);
        if (!(await deps.usedTokenIds.use(usedTokenId(claimed, jti), ttlSeconds)))
          throw new InvalidTrustToken("The trust token was already used; sign a new token for every call.");
      }
      return { trustId: claimed, jti };
    },
  };
}

// Each JWKS object a key source hands out is filtered once, so verifyEs256 keeps reusing its imported keys.
const signingOnly = new WeakMap<object, { keys: JWK[] }>();

/**
 * The trust's keys that may verify its tokens: an encryption key (`use: "enc"`) never does, whatever its
 * kid, so that a key published for SETs to be encrypted to can never act as the trust.
 */
function signingKeysOf(keys: VerificationKeys): VerificationKeys {
  return {
    async jwks() {
      const all = await keys.jwks();
      let signing = signingOnly.get(all);
      if (signing === undefined) {
        signing = { keys: all.keys.filter((key) => !isEncryptionKey(key)) };
        signingOnly.set(all, signing);
      }
      return signing;
    },
    reload: keys.reload,
  };
}

/**
 * Why jose refused the token, for the problem's detail. `iat` may be ahead of our clock by the clock tolerance
 * (CLOCK_TOLERANCE_SECONDS, shared with session tokens, for clocks that drift apart); beyond it, jose refuses it.
 */
function whyInvalid(cause: unknown): string {
  if (isExpired(cause)) return "The trust token has expired.";
  if (
    cause instanceof errors.JWTClaimValidationFailed &&
    cause.claim === "iat" &&
    cause.reason === "check_failed"
  )
    return "The trust token's iat is in the future beyond the clock tolerance.";
  return "The trust token is not valid.";
}

/**
 * The stored id of a used token: its trust and `jti` hashed, so that one trust's ids never collide with another's
 * and whatever a trust puts in `jti` makes a valid Cosmos DB id.
 */
export function usedTokenId(trustId: string, jti: string): string {
  return createHash("sha256").update(`${trustId}\n${jti}`, "utf8").digest("base64url");
}

/** The trust the token says it comes from, read before anything is verified, only to pick the keys. */
function unverifiedIssuer(token: string): string {
  try {
    const header = decodeProtectedHeader(token);
    if (header.alg !== "ES256") throw new InvalidTrustToken("Trust tokens are signed with ES256.");
    if (typeof header.typ === "string" && REFUSED_TYPES.has(header.typ.toLowerCase())) {
      throw new InvalidTrustToken("That is not a trust token.");
    }
    const { iss } = decodeJwt(token);
    if (typeof iss === "string" && TRUST_ID.test(iss)) return iss;
  } catch (cause) {
    if (cause instanceof InvalidTrustToken) throw cause;
    throw new InvalidTrustToken("The trust token is not a JWT.", { cause });
  }
  throw new InvalidTrustToken("The trust token names no trust as its issuer.");
}
