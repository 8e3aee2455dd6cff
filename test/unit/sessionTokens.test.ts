// Specification of session tokens: what is issued, and every kind of token that must be refused.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  base64url,
  calculateJwkThumbprint,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  importJWK,
  SignJWT,
} from "jose";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { localSigningKeys, rotateLocalSigningKeys } from "../../src/adapters/keys/localSigningKeys.js";
import {
  InvalidSession,
  issueSessionToken,
  SESSION_AUDIENCE,
  type SessionTokenInput,
  verifySessionToken,
} from "../../src/adapters/keys/sessionTokens.js";
import { type SigningKeys, signJwt } from "../../src/adapters/keys/signingKeys.js";

const issuer = "https://passport.example.nhs.uk";
const now = new Date("2026-03-01T12:00:00Z");
const iat = now.getTime() / 1000;
const staff = { staffId: "S-1", givenName: "Ada", familyName: "Lovelace" };

let dir: string;
let keys: SigningKeys;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "session-tokens-"));
  keys = localSigningKeys(dir, { reloadMs: 0 });
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function input(overrides: Partial<SessionTokenInput> = {}): SessionTokenInput {
  return { issuer, subject: "did:ion:holder", trustId: "RBH", staff, now, ttlSeconds: 900, ...overrides };
}

async function refusal(token: string, at: Date = now, expected: { issuer?: string; audience?: string } = {}) {
  try {
    await verifySessionToken(keys, token, { issuer, now: at, ...expected });
  } catch (error) {
    return error;
  }
  throw new Error("the token was accepted");
}

/** The jose error code behind a refusal, to show it was refused for the reason the test names. */
function causeCode(error: unknown): unknown {
  if (!(error instanceof InvalidSession)) return undefined;
  const { cause } = error;
  if (typeof cause !== "object" || cause === null) return undefined;
  const claim = "claim" in cause ? `:${String(cause.claim)}` : "";
  return "code" in cause ? `${String(cause.code)}${claim}` : undefined;
}

/** A token with our claims but signed however the test likes. */
function forged(claims: Record<string, unknown> = {}) {
  return new SignJWT({ trust: "RBH", staff, ...claims })
    .setIssuer(issuer)
    .setAudience(SESSION_AUDIENCE)
    .setSubject("did:ion:holder")
    .setIssuedAt(iat)
    .setExpirationTime(iat + 900)
    .setJti("forged-jti");
}

/** The claims `forged` starts from. */
const forgedClaims = () => ({
  trust: "RBH",
  staff,
  iss: issuer,
  aud: SESSION_AUDIENCE,
  sub: "did:ion:holder",
  iat,
  exp: iat + 900,
  jti: "forged-jti",
});

/** A token signed with our own current key, as the service signs: with its kid and alg ES256. */
async function ownKeySigned(typ: string, claims: Record<string, unknown>) {
  return signJwt(await keys.current(), { typ }, claims);
}

describe("issueSessionToken", () => {
  it("signs an ES256 JWT whose header names a key in the JWKS", async () => {
    const token = await issueSessionToken(keys, input());
    const header = decodeProtectedHeader(token);
    expect(header).toEqual({ alg: "ES256", kid: (await keys.current()).kid, typ: "session+jwt" });
    expect((await keys.jwks()).keys.map((key) => key.kid)).toContain(header.kid);
  });

  it("carries iss, aud, sub, trust, staff, iat, exp and a fresh jti", async () => {
    const claims = decodeJwt(await issueSessionToken(keys, input({ ttlSeconds: 600 })));
    expect(claims).toEqual({
      iss: issuer,
      aud: "staff-passport-portal",
      sub: "did:ion:holder",
      trust: "RBH",
      staff,
      iat,
      exp: iat + 600,
      jti: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
    });
    expect(decodeJwt(await issueSessionToken(keys, input())).jti).not.toBe(claims.jti);
  });

  it("refuses a lifetime over 15 minutes, zero, negative or fractional", async () => {
    for (const ttlSeconds of [901, 0, -1, 1.5]) {
      await expect(issueSessionToken(keys, input({ ttlSeconds }))).rejects.toThrow(RangeError);
    }
  });
});

describe("verifySessionToken", () => {
  it("returns the session a token carries", async () => {
    const token = await issueSessionToken(keys, input());
    const session = await verifySessionToken(keys, token, { issuer, now });
    expect(session).toEqual({
      subject: "did:ion:holder",
      trustId: "RBH",
      staff,
      expiresAt: new Date("2026-03-01T12:15:00Z"),
      jti: decodeJwt(token).jti,
    });
  });

  it("accepts a token up to 60 seconds past its expiry, for clock skew", async () => {
    const token = await issueSessionToken(keys, input({ ttlSeconds: 60 }));
    const withinSkew = new Date(now.getTime() + 119_000);
    await expect(verifySessionToken(keys, token, { issuer, now: withinSkew })).resolves.toBeDefined();
  });

  it("refuses a token expired for more than 60 seconds", async () => {
    const token = await issueSessionToken(keys, input({ ttlSeconds: 60 }));
    const error = await refusal(token, new Date(now.getTime() + 121_000));
    expect(error).toBeInstanceOf(InvalidSession);
    expect(error).toMatchObject({ code: "invalid_session", message: "The session has expired." });
    expect(causeCode(error)).toBe("ERR_JWT_EXPIRED:exp");
  });

  it("refuses a token issued more than 60 seconds in the future", async () => {
    const token = await issueSessionToken(keys, input({ now: new Date(now.getTime() + 120_000) }));
    expect(causeCode(await refusal(token))).toBe("ERR_JWT_CLAIM_VALIDATION_FAILED:iat");
  });

  it("refuses a token with alg none", async () => {
    const { kid } = await keys.current();
    const part = (value: object) => base64url.encode(JSON.stringify(value));
    const claims = decodeJwt(await issueSessionToken(keys, input()));
    const token = `${part({ alg: "none", kid, typ: "session+jwt" })}.${part(claims)}.`;
    const error = await refusal(token);
    expect(error).toMatchObject({ code: "invalid_session" });
    expect(causeCode(error)).toBe("ERR_JOSE_ALG_NOT_ALLOWED");
  });

  it("refuses an HS256 token keyed with our public key (algorithm confusion)", async () => {
    const { kid } = await keys.current();
    const [publicJwk] = (await keys.jwks()).keys;
    if (publicJwk === undefined) throw new Error("no public key");
    const publicKey = await importJWK(publicJwk, "ES256");
    if (publicKey instanceof Uint8Array) throw new Error("not an EC key");
    for (const secret of [await exportSPKI(publicKey), JSON.stringify(publicJwk)]) {
      const token = await forged()
        .setProtectedHeader({ alg: "HS256", kid, typ: "session+jwt" })
        .sign(new TextEncoder().encode(secret));
      const error = await refusal(token);
      expect(error).toMatchObject({ code: "invalid_session" });
      expect(causeCode(error)).toBe("ERR_JOSE_ALG_NOT_ALLOWED");
    }
  });

  it("refuses a token signed by another ES256 key, even one claiming our kid", async () => {
    const { kid } = await keys.current();
    const other = await generateKeyPair("ES256");
    const token = await forged()
      .setProtectedHeader({ alg: "ES256", kid, typ: "session+jwt" })
      .sign(other.privateKey);
    const error = await refusal(token);
    expect(error).toMatchObject({ code: "invalid_session" });
    expect(causeCode(error)).toBe("ERR_JWS_SIGNATURE_VERIFICATION_FAILED");
  });

  it("refuses a token whose kid is not in our JWKS", async () => {
    const other = await generateKeyPair("ES256");
    const otherKid = await calculateJwkThumbprint(await exportJWK(other.publicKey));
    const token = await forged()
      .setProtectedHeader({ alg: "ES256", kid: otherKid, typ: "session+jwt" })
      .sign(other.privateKey);
    const error = await refusal(token);
    expect(error).toMatchObject({ code: "invalid_session" });
    expect(causeCode(error)).toBe("ERR_JWKS_NO_MATCHING_KEY");
  });

  it("refuses a token for another audience", async () => {
    const token = await issueSessionToken(keys, input({ audience: "another-portal" }));
    expect(causeCode(await refusal(token))).toBe("ERR_JWT_CLAIM_VALIDATION_FAILED:aud");
  });

  it("refuses a token from another issuer", async () => {
    const token = await issueSessionToken(keys, input({ issuer: "https://elsewhere.example" }));
    expect(causeCode(await refusal(token))).toBe("ERR_JWT_CLAIM_VALIDATION_FAILED:iss");
  });

  it("refuses a token signed with our key but of another type, such as a share event", async () => {
    const token = await ownKeySigned("secevent+jwt", forgedClaims());
    expect(causeCode(await refusal(token))).toBe("ERR_JWT_CLAIM_VALIDATION_FAILED:typ");
  });

  it("refuses a token signed with our key that lacks a required claim", async () => {
    const { trust: _trust, ...withoutTrust } = forgedClaims();
    expect(await refusal(await ownKeySigned("session+jwt", withoutTrust))).toMatchObject({
      code: "invalid_session",
    });
    const { exp: _exp, ...withoutExp } = forgedClaims();
    expect(await refusal(await ownKeySigned("session+jwt", withoutExp))).toMatchObject({
      code: "invalid_session",
    });
  });

  it("refuses a token signed with our key that lives longer than 15 minutes", async () => {
    const token = await ownKeySigned("session+jwt", { ...forgedClaims(), exp: iat + 3600 });
    expect(await refusal(token)).toMatchObject({ code: "invalid_session" });
  });

  it("refuses a token signed with our key whose staff claim holds something we never issue", async () => {
    for (const badStaff of [{ role: "admin" }, { staffId: 7 }, ["S-1"], "S-1"]) {
      const token = await ownKeySigned("session+jwt", { ...forgedClaims(), staff: badStaff });
      expect(await refusal(token)).toMatchObject({ code: "invalid_session" });
    }
  });

  it("refuses something that is not a JWT at all", async () => {
    for (const token of ["", "abc", "a.b.c"]) {
      expect(await refusal(token)).toMatchObject({ code: "invalid_session" });
    }
  });

  it("still accepts a token signed with the previous key after a rotation, and signs new ones with the new key", async () => {
    const before = await issueSessionToken(keys, input());
    const rotated = await rotateLocalSigningKeys(dir);
    await expect(verifySessionToken(keys, before, { issuer, now })).resolves.toMatchObject({
      trustId: "RBH",
    });
    const after = await issueSessionToken(keys, input());
    expect(decodeProtectedHeader(after).kid).toBe(rotated.current);
    expect(decodeProtectedHeader(before).kid).toBe(rotated.previous);
  });

  it("refuses a token signed with a key rotated out twice", async () => {
    const old = await issueSessionToken(keys, input());
    await rotateLocalSigningKeys(dir);
    await rotateLocalSigningKeys(dir);
    expect(await refusal(old)).toMatchObject({ code: "invalid_session" });
  });

  it("lets a key store failure through instead of calling the session invalid", async () => {
    const broken: SigningKeys = {
      current: () => Promise.reject(new Error("store down")),
      jwks: () => Promise.reject(new Error("store down")),
      reload: () => Promise.reject(new Error("store down")),
    };
    const token = await issueSessionToken(keys, input());
    await expect(verifySessionToken(broken, token, { issuer, now })).rejects.toThrow("store down");
  });
});
