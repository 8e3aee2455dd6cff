// SETs encrypted to the trust (API.md sections 3, 5 and 8) through the running system: a trust that registers a
// P-256 key with use enc gets each SET as a JWE that only its private key opens, holding a SET signed with the
// service's JWKS, by push and by poll; a trust without one gets the signed SET as before; and a trust whose keys
// cannot be read gets nothing in the clear. The test plays the trust's system with keys of its own, and checks
// the seeded encrypting trust through the demo trust.
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  CompactEncrypt,
  type CryptoKey,
  compactDecrypt,
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  jwtVerify,
} from "jose";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import type { LocalSystem } from "../../local/system.js";
import { trustAudience } from "../../src/adapters/keys/trustTokens.js";
import { services } from "../../src/composition.js";
import type { Trust } from "../../src/domain/trust.js";
import {
  CLAIM_VALUE,
  FAST_RETRIES,
  payloadOf,
  publish,
  received,
  shareEvent,
  storedEvent,
} from "../support/shareEvents.js";
import { call, startTestSystem } from "../support/system.js";
import { type TrustKey, trustKey, trustToken } from "../support/trustTokens.js";
import { until } from "../support/until.js";

/** The trust whose document each test points at its own receiver and keys, restored after it. */
const TRUST = "RJ1";

let system: LocalSystem;

beforeAll(async () => {
  system = await startTestSystem({ settings: FAST_RETRIES });
});
afterAll(() => system?.close());

/** A P-256 key pair for ECDH-ES+A256KW, with the public half as the trust registers it. */
async function encryptionKey(kid = `enc-${randomUUID()}`): Promise<{ privateKey: CryptoKey; jwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair("ECDH-ES+A256KW", { crv: "P-256" });
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: "ECDH-ES+A256KW", use: "enc" } };
}

/** Replaces the trust's document for this test, and puts the seeded one back when the test ends. */
async function registerTrust(change: Partial<Trust>, without: readonly (keyof Trust)[] = []): Promise<void> {
  const seeded = await services().trusts.get(TRUST);
  if (seeded === undefined) throw new Error(`the seed has no ${TRUST}`);
  onTestFinished(() => services().trusts.upsertAll([seeded]));
  const kept = Object.fromEntries(
    Object.entries(seeded).filter(([field]) => !without.includes(field as never)),
  );
  await services().trusts.upsertAll([{ ...(kept as Trust), ...change }]);
}

/** An RFC 8935 receiver of the test's own: answers 202 and keeps each body with its content type. */
async function receiver(): Promise<{ url: string; bodies: { contentType: string; token: string }[] }> {
  const bodies: { contentType: string; token: string }[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      bodies.push({
        contentType: request.headers["content-type"] ?? "",
        token: Buffer.concat(chunks).toString("utf8"),
      });
      response.writeHead(202).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`, bodies };
}

async function serviceJwks(): Promise<{ keys: JWK[] }> {
  return (await call<{ keys: JWK[] }>(`${system.urls.host}/api/.well-known/jwks.json`)).body;
}

/** The signed SET inside a JWE, opened with the private key given. */
async function decrypt(jwe: string, key: CryptoKey): Promise<string> {
  const { plaintext } = await compactDecrypt(jwe, key, {
    keyManagementAlgorithms: ["ECDH-ES+A256KW"],
    contentEncryptionAlgorithms: ["A256GCM"],
  });
  return new TextDecoder().decode(plaintext);
}

/**
 * The SET's claims, verified as a trust verifies them: against the service's JWKS, typed, for this trust, from the
 * issuer its SSF metadata names.
 */
async function verifiedClaims(jws: string, audience: string) {
  const metadata = await call<{ issuer: string }>(`${system.urls.host}/.well-known/ssf-configuration`);
  const { payload } = await jwtVerify(jws, createLocalJWKSet(await serviceJwks()), {
    algorithms: ["ES256"],
    typ: "secevent+jwt",
    issuer: metadata.body.issuer,
    audience,
  });
  return payload;
}

const JWE_HEADER = (kid: string) => ({
  alg: "ECDH-ES+A256KW",
  enc: "A256GCM",
  cty: "JWT",
  typ: "secevent+jwt",
  kid,
  epk: expect.objectContaining({ kty: "EC", crv: "P-256" }),
});

/** What section 3 says a share's SET holds: sub_id at the top, subject still in the event, no sub, no exp. */
function expectSectionThreeClaims(
  claims: Record<string, unknown>,
  event: ReturnType<typeof shareEvent>,
): void {
  const payload = payloadOf(event);
  if (payload.type !== "urn:nhs:staff-passport:event:credentials-shared")
    throw new Error("a share's payload");
  expect(claims).toMatchObject({
    aud: event.trustId,
    jti: event.eventId,
    txn: event.data.shareId,
    sub_id: { format: "did", url: payload.data.subject },
    events: { [event.type]: payload.data },
  });
  // For one release the event keeps naming the holder as its subject too.
  expect((claims.events as Record<string, { subject?: unknown }>)[event.type]?.subject).toBe(
    payload.data.subject,
  );
  expect(JSON.stringify(claims)).toContain(CLAIM_VALUE);
  expect(claims).not.toHaveProperty("sub");
  expect(claims).not.toHaveProperty("exp");
}

describe("a trust that registered an encryption key", () => {
  it("is pushed a JWE that only its private key opens, holding a SET that verifies against the service's JWKS", async () => {
    const signing = await trustKey();
    const enc = await encryptionKey();
    const other = await encryptionKey(enc.jwk.kid);
    const got = await receiver();
    await registerTrust(
      {
        delivery: { mode: "push", endpoint: got.url },
        jwks: { keys: [signing.jwk as never, enc.jwk as never] },
      },
      ["jwksUri"],
    );
    const event = shareEvent(TRUST);
    await publish(system, event);
    const [pushed] = await until(() => (got.bodies.length > 0 ? got.bodies : undefined), 20_000, "the push");
    const token = pushed?.token ?? "";
    expect(pushed?.contentType).toBe("application/secevent+jwt");
    expect(token.split(".")).toHaveLength(5);
    expect(token).not.toContain(CLAIM_VALUE);
    expect(decodeProtectedHeader(token)).toEqual(JWE_HEADER(enc.jwk.kid ?? ""));
    // Another P-256 key, even one given the same kid, opens nothing.
    await expect(decrypt(token, other.privateKey)).rejects.toThrow();
    const inner = await decrypt(token, enc.privateKey);
    expect(inner.split(".")).toHaveLength(3);
    expectSectionThreeClaims(await verifiedClaims(inner, TRUST), event);
    const stored = await until(async () => {
      const doc = await storedEvent(event);
      return doc?.delivery.status === "delivered" ? doc : undefined;
    });
    expect(stored.delivery.attempts).toEqual([
      expect.objectContaining({ outcome: "delivered", status: 202 }),
    ]);
  });

  it("polls a JWE for each waiting event, opened by its private key, holding a SET that verifies", async () => {
    const signing = await trustKey();
    const enc = await encryptionKey();
    await registerTrust(
      { delivery: { mode: "poll" }, jwks: { keys: [signing.jwk as never, enc.jwk as never] } },
      ["jwksUri"],
    );
    const event = shareEvent(TRUST);
    await publish(system, event);
    await until(async () => (await storedEvent(event))?.delivery.status === "available", 20_000, "available");
    const poll = async (key: TrustKey, body: Record<string, unknown>) =>
      call<{ sets: Record<string, string> }>(`${system.urls.host}/api/trust/events`, {
        body,
        headers: {
          authorization: `Bearer ${await trustToken(key, TRUST, trustAudience(system.settings.SESSION_ISSUER ?? ""))}`,
        },
      });
    const answer = await poll(signing, { returnImmediately: true });
    expect(answer.status).toBe(200);
    const token = answer.body.sets[event.eventId] ?? "";
    expect(token.split(".")).toHaveLength(5);
    expect(decodeProtectedHeader(token)).toEqual(JWE_HEADER(enc.jwk.kid ?? ""));
    await expect(decrypt(token, (await encryptionKey()).privateKey)).rejects.toThrow();
    expectSectionThreeClaims(await verifiedClaims(await decrypt(token, enc.privateKey), TRUST), event);
    expect((await poll(signing, { ack: [event.eventId], maxEvents: 0 })).status).toBe(200);
    expect((await storedEvent(event))?.delivery.status).toBe("delivered");
  });

  it("gets nothing, in the clear or otherwise, while its keys cannot be read: each attempt is retried", async () => {
    const got = await receiver();
    // A JWKS endpoint that fails: the trust's keys, and so whether it encrypts, cannot be known.
    const jwks = createServer((_request, response) => response.writeHead(503).end());
    await new Promise<void>((resolve) => jwks.listen(0, "127.0.0.1", resolve));
    onTestFinished(() => new Promise<void>((resolve) => jwks.close(() => resolve())));
    const jwksUri = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
    await registerTrust({ delivery: { mode: "push", endpoint: got.url }, jwksUri });
    const event = shareEvent(TRUST);
    await publish(system, event);
    const stored = await until(
      async () => {
        const doc = await storedEvent(event);
        return (doc?.delivery.attempts.length ?? 0) >= 2 ? doc : undefined;
      },
      20_000,
      "two attempts",
    );
    expect(stored.delivery.attempts.slice(0, 2)).toEqual([
      expect.objectContaining({ outcome: "retry", reason: "encryption_key_unavailable" }),
      expect.objectContaining({ outcome: "retry", reason: "encryption_key_unavailable" }),
    ]);
    expect(got.bodies).toEqual([]);
  });
});

describe("a trust without an encryption key", () => {
  it("is pushed the signed SET itself, even when it registered signing keys", async () => {
    const signing = await trustKey();
    const got = await receiver();
    await registerTrust(
      { delivery: { mode: "push", endpoint: got.url }, jwks: { keys: [signing.jwk as never] } },
      ["jwksUri"],
    );
    const event = shareEvent(TRUST);
    await publish(system, event);
    // This event's push: a retry of an earlier test's event to the same trust may reach the new endpoint first.
    const pushed = await until(
      () =>
        got.bodies.find(
          (body) => body.token.split(".").length === 3 && decodeJwt(body.token).jti === event.eventId,
        ),
      20_000,
      "the push",
    );
    const token = pushed.token;
    expect(token.split(".")).toHaveLength(3);
    expect(decodeProtectedHeader(token)).toEqual({
      alg: "ES256",
      typ: "secevent+jwt",
      kid: expect.any(String),
    });
    expectSectionThreeClaims(await verifiedClaims(token, TRUST), event);
  });
});

describe("the demo trust (API.md section 5)", () => {
  it("publishes an encryption key for the seeded RRK, decrypts its SETs and lists them with encrypted true, others false", async () => {
    const rrkKeys = (await call<{ keys: JWK[] }>(`${system.urls.demoTrust}/trusts/RRK/jwks.json`)).body.keys;
    const encKid = rrkKeys.find((key) => key.use === "enc")?.kid;
    expect(encKid).toBeDefined();
    const toRrk = shareEvent("RRK");
    const toRth = shareEvent("RTH");
    await publish(system, toRrk);
    await publish(system, toRth);
    const listed = await until(
      async () => {
        const events = await received(system);
        const rrk = events.find((e) => e.jti === toRrk.eventId);
        const rth = events.find((e) => e.jti === toRth.eventId);
        return rrk && rth ? { rrk, rth } : undefined;
      },
      20_000,
      "both listed",
    );
    const { rrk, rth } = listed;
    expect(rrk).toMatchObject({ verified: true, encrypted: true, aud: "RRK" });
    expect(rrk.token.split(".")).toHaveLength(5);
    expect(decodeProtectedHeader(rrk.token).kid).toBe(encKid);
    expectSectionThreeClaims(rrk.claims ?? {}, toRrk);
    expect(rth).toMatchObject({ verified: true, encrypted: false, aud: "RTH" });
    expect(rth.token.split(".")).toHaveLength(3);
  });

  it("refuses with 400 invalid_key a SET encrypted to a key it does not hold, and lists it as refused", async () => {
    const stranger = await encryptionKey();
    const jwe = await new CompactEncrypt(new TextEncoder().encode("a.signed.set"))
      .setProtectedHeader({ alg: "ECDH-ES+A256KW", enc: "A256GCM", cty: "JWT", kid: stranger.jwk.kid ?? "" })
      .encrypt(await importJWK(stranger.jwk, "ECDH-ES+A256KW"));
    const response = await fetch(`${system.urls.demoTrust}/events`, {
      method: "POST",
      headers: { "content-type": "application/secevent+jwt" },
      body: jwe,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ err: "invalid_key" });
    const listed = (await received(system)).find((e) => e.token === jwe);
    expect(listed).toMatchObject({ verified: false, encrypted: true, jti: null });
  });

  it("decrypts RRK's SETs received by poll too, lists them with encrypted true, and acknowledges them", async () => {
    const setDelivery = (method: "push" | "poll") =>
      call(`${system.urls.demoTrust}/control/delivery`, { body: { trustId: "RRK", method } });
    onTestFinished(async () => {
      await setDelivery("push");
    });
    expect((await setDelivery("poll")).status).toBe(200);
    const event = shareEvent("RRK");
    await publish(system, event);
    const listed = await until(
      async () => (await received(system)).find((e) => e.jti === event.eventId),
      20_000,
      "the polled SET listed",
    );
    expect(listed).toMatchObject({ verified: true, encrypted: true, via: "poll", aud: "RRK" });
    expect(listed.token.split(".")).toHaveLength(5);
    expectSectionThreeClaims(listed.claims ?? {}, event);
    await until(
      async () => (await storedEvent(event))?.delivery.status === "delivered",
      20_000,
      "the polled event acknowledged",
    );
  });
});
