// The session verifier the share endpoints use: the Authorization header in, a session or a 401 out.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import functionsLibrary from "@azure/functions";
import { exportSPKI, generateKeyPair, importJWK, SignJWT, UnsecuredJWT } from "jose";
import { describe, expect, it } from "vitest";
import { localSigningKeys } from "../../src/adapters/keys/localSigningKeys.js";
import { issueSessionToken } from "../../src/adapters/keys/sessionTokens.js";
import { requireSession } from "../../src/http/session.js";

const { HttpRequest } = functionsLibrary;
const issuer = "http://127.0.0.1:7071/api";
const now = new Date("2026-11-26T10:00:00Z");
const keys = localSigningKeys(mkdtempSync(join(tmpdir(), "session-keys-")));
const deps = { keys, clock: () => now, session: { issuer } };
const claims = { trust: "RTH", staff: { staffId: "S-1" } };

const requestWith = (authorization?: string) =>
  new HttpRequest({
    method: "GET",
    url: "http://localhost/api/shares",
    headers: authorization === undefined ? {} : { authorization },
  });

const issue = (at: Date = now) =>
  issueSessionToken(keys, {
    issuer,
    subject: "did:jwk:abc",
    trustId: "RTH",
    staff: { staffId: "S-1" },
    now: at,
    ttlSeconds: 900,
  });

/** A token with every claim a session has, signed however the attacker likes, claiming our key's id. */
function forge(alg: string, kid: string, key: Parameters<SignJWT["sign"]>[0]): Promise<string> {
  const iat = Math.floor(now.getTime() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg, kid, typ: "session+jwt" })
    .setIssuer(issuer)
    .setAudience("staff-passport-portal")
    .setSubject("did:jwk:abc")
    .setIssuedAt(iat)
    .setExpirationTime(iat + 600)
    .setJti("j")
    .sign(key);
}

async function refusal(authorization?: string): Promise<string> {
  try {
    await requireSession(deps, requestWith(authorization));
  } catch (error) {
    return (error as { code: string }).code;
  }
  return "accepted";
}

describe("requireSession", () => {
  it("accepts a bearer token we issued and returns its session", async () => {
    const session = await requireSession(deps, requestWith(`Bearer ${await issue()}`));
    expect(session).toMatchObject({ subject: "did:jwk:abc", trustId: "RTH", staff: { staffId: "S-1" } });
  });

  it("refuses a missing header and a header that is not a bearer token", async () => {
    expect(await refusal()).toBe("invalid_session");
    expect(await refusal(`Basic ${Buffer.from("a:b").toString("base64")}`)).toBe("invalid_session");
  });

  it("refuses an unsigned token (alg none)", async () => {
    const token = new UnsecuredJWT(claims)
      .setIssuer(issuer)
      .setAudience("staff-passport-portal")
      .setSubject("x")
      .setIssuedAt()
      .setExpirationTime("5m")
      .encode();
    expect(await refusal(`Bearer ${token}`)).toBe("invalid_session");
  });

  it("refuses an HS256 token keyed with our public key", async () => {
    const [{ kid, ...jwk }] = (await keys.jwks()).keys as [{ kid: string }];
    const publicKey = await importJWK({ ...jwk, kid }, "ES256", { extractable: true });
    if (publicKey instanceof Uint8Array) throw new Error("expected an EC public key");
    const secret = new TextEncoder().encode(await exportSPKI(publicKey));
    expect(await refusal(`Bearer ${await forge("HS256", kid, secret)}`)).toBe("invalid_session");
  });

  it("refuses an ES256 token signed by another key", async () => {
    const { privateKey } = await generateKeyPair("ES256");
    const [{ kid }] = (await keys.jwks()).keys as [{ kid: string }];
    expect(await refusal(`Bearer ${await forge("ES256", kid, privateKey)}`)).toBe("invalid_session");
  });

  it("refuses a token that expired more than 60 seconds ago", async () => {
    const old = await issue(new Date(now.getTime() - (900 + 61) * 1000));
    expect(await refusal(`Bearer ${old}`)).toBe("invalid_session");
  });
});
