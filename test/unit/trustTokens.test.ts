// Specification of trust tokens (API.md section 7): a trust's system signs its own ES256 token, verified with that
// trust's registered keys only, given on the trust document or fetched from its jwksUri (cached, read again at most
// every 30 s for an unknown kid, with a timeout). Every other kind of token is refused, and a token that a call
// changing something has used is refused ever after: its id is kept in the Cosmos DB emulator's `tokenIds`.

import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Container } from "@azure/cosmos";
import { decodeJwt, type JWK } from "jose";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ensureDatabase } from "../../src/adapters/cosmos/client.js";
import { ensureContainers } from "../../src/adapters/cosmos/containers.js";
import { DependencyUnavailable } from "../../src/adapters/cosmos/errors.js";
import { usedTokenIdStore } from "../../src/adapters/cosmos/usedTokenIdStore.js";
import { CLOCK_TOLERANCE_SECONDS } from "../../src/adapters/keys/jwtVerification.js";
import { localSigningKeys } from "../../src/adapters/keys/localSigningKeys.js";
import { issueSessionToken } from "../../src/adapters/keys/sessionTokens.js";
import {
  InvalidTrustToken,
  TRUST_JWKS_REFRESH_MS,
  TrustKeysUnavailable,
  trustAudience,
  trustTokenVerifier,
  usedTokenId,
} from "../../src/adapters/keys/trustTokens.js";
import { type Trust, trustSchema } from "../../src/domain/trust.js";
import { useCosmosEmulator } from "../support/cosmosEmulator.js";
import { memoryTrusts } from "../support/memoryPorts.js";
import { hs256Token, type TrustKey, trustKey, trustToken, unsignedToken } from "../support/trustTokens.js";

const issuer = "https://passport.example.nhs.uk/api";
const audience = trustAudience(issuer);

const trust = (id: string, keys: Partial<Trust>): Trust => ({
  id,
  name: `Trust ${id}`,
  active: true,
  accessKeyType: "StaffPassportAccessKey",
  issuerDids: [`did:web:${id.toLowerCase()}.example`],
  ...keys,
});

let now: Date;
let keyA: TrustKey;
let keyB: TrustKey;
let server: Server | undefined;
/** What the JWKS endpoint serves, how many times it was read, and whether it answers at all. */
let served: { keys: JWK[] };
let fetches: number;
let answers: boolean;

const cosmos = useCosmosEmulator();
let tokenIds: Container;
beforeAll(async () => {
  const database = await ensureDatabase(cosmos.client(), "trust-tokens-test");
  await ensureContainers(database);
  tokenIds = database.container("tokenIds");
});

async function jwksServer(): Promise<string> {
  server = createServer((_request, response) => {
    fetches++;
    // An endpoint that does not answer keeps the request open until afterEach closes every connection.
    if (answers) response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(served));
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
}

beforeEach(async () => {
  now = new Date();
  keyA = await trustKey("a-1");
  keyB = await trustKey("b-1");
  served = { keys: [keyA.jwk] };
  fetches = 0;
  answers = true;
});
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

function verifier(trusts: Trust[], options: { jwksTimeoutMs?: number; tokenIds?: Container } = {}) {
  return trustTokenVerifier({
    trusts: memoryTrusts(trusts),
    usedTokenIds: usedTokenIdStore(async () => options.tokenIds ?? tokenIds),
    audience,
    clock: () => now,
    // The JWKS servers here listen on loopback, which only a service running on this machine may read.
    outbound: { local: true },
    ...(options.jwksTimeoutMs === undefined ? {} : { jwksTimeoutMs: options.jwksTimeoutMs }),
  });
}

const inline = () =>
  verifier([
    trust("RAA", { jwks: { keys: [keyA.jwk as never] } }),
    trust("RBB", { jwks: { keys: [keyB.jwk as never] } }),
  ]);

async function refusal(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail("the token was accepted"),
    (error: unknown) => error,
  );
}

describe("trust tokens with keys on the trust document", () => {
  it("accept a token the trust signed with its own key, naming the trust and the token id", async () => {
    const token = await trustToken(keyA, "RAA", audience, { now });
    expect(await inline().verify(token, "read")).toEqual({ trustId: "RAA", jti: decodeJwt(token).jti });
  });

  it.each([
    ["another trust's key, claiming to be the trust", () => trustToken(keyB, "RAA", audience, { now })],
    [
      "another trust's key claiming the trust's kid",
      () => trustToken(keyB, "RAA", audience, { now, header: { kid: "a-1" } }),
    ],
    ["another audience", () => trustToken(keyA, "RAA", "staff-passport-portal", { now })],
    ["the session issuer itself as audience", () => trustToken(keyA, "RAA", issuer, { now })],
    ["sub not the trust", () => trustToken(keyA, "RAA", audience, { now, claims: { sub: "RBB" } })],
    ["no jti", () => trustToken(keyA, "RAA", audience, { now, claims: { jti: undefined } })],
    ["no exp", () => trustToken(keyA, "RAA", audience, { now, claims: { exp: undefined } })],
    ["an expired token", () => trustToken(keyA, "RAA", audience, { now: new Date(now.getTime() - 600_000) })],
    [
      "a lifetime over 5 minutes",
      async () => {
        const iat = Math.floor(now.getTime() / 1000);
        return trustToken(keyA, "RAA", audience, { now, claims: { exp: iat + 301 } });
      },
    ],
    [
      "an iat in the future",
      () => trustToken(keyA, "RAA", audience, { now: new Date(now.getTime() + 600_000) }),
    ],
    [
      "a session token type",
      () => trustToken(keyA, "RAA", audience, { now, header: { typ: "session+jwt" } }),
    ],
    ["an issuer that is no trust", () => trustToken(keyA, "https://evil.example", audience, { now })],
    ["a trust that is not in the directory", () => trustToken(keyA, "RZZ", audience, { now })],
  ])("refuse %s", async (_name, make) => {
    const error = await refusal(inline().verify(await make(), "read"));
    expect(error).toBeInstanceOf(InvalidTrustToken);
  });

  it("refuse alg none and HS256 keyed with the trust's public key", async () => {
    const genuine = decodeJwt(await trustToken(keyA, "RAA", audience, { now }));
    for (const token of [unsignedToken(genuine), await hs256Token(genuine, JSON.stringify(keyA.jwk))]) {
      expect(await refusal(inline().verify(token, "read"))).toBeInstanceOf(InvalidTrustToken);
    }
  });

  it("refuse a session token signed by the service's own key", async () => {
    const dir = await mkdtemp(join(tmpdir(), "trust-tokens-"));
    try {
      const session = await issueSessionToken(localSigningKeys(dir), {
        issuer,
        subject: "did:jwk:holder",
        trustId: "RAA",
        staff: { staffId: "S-1" },
        now,
        ttlSeconds: 300,
      });
      expect(await refusal(inline().verify(session, "read"))).toBeInstanceOf(InvalidTrustToken);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("refuse a trust that is no longer active, and one with no keys registered", async () => {
    const check = verifier([
      trust("RAA", { active: false, jwks: { keys: [keyA.jwk as never] } }),
      trust("RBB", {}),
    ]);
    for (const token of [
      await trustToken(keyA, "RAA", audience, { now }),
      await trustToken(keyB, "RBB", audience, { now }),
    ]) {
      expect(await refusal(check.verify(token, "read"))).toBeInstanceOf(InvalidTrustToken);
    }
  });
});

describe("the clock tolerance for iat", () => {
  it("accept an iat up to the clock tolerance ahead of our clock, and refuse one beyond it, saying why", async () => {
    const at = (seconds: number) => new Date(now.getTime() + seconds * 1000);
    const ahead = await trustToken(keyA, "RAA", audience, { now: at(CLOCK_TOLERANCE_SECONDS) });
    expect(await inline().verify(ahead, "read")).toMatchObject({ trustId: "RAA" });
    const beyond = await trustToken(keyA, "RAA", audience, { now: at(CLOCK_TOLERANCE_SECONDS + 1) });
    const error = await refusal(inline().verify(beyond, "read"));
    expect(error).toBeInstanceOf(InvalidTrustToken);
    expect((error as Error).message).toMatch(/iat is in the future/);
  });
});

describe("trust tokens used by a call that changes something", () => {
  it("refuse the same token for a second change, saying it was already used", async () => {
    const check = inline();
    const token = await trustToken(keyA, "RAA", audience, { now });
    expect(await check.verify(token, "change")).toMatchObject({ trustId: "RAA" });
    const error = await refusal(check.verify(token, "change"));
    expect(error).toBeInstanceOf(InvalidTrustToken);
    expect((error as Error).message).toMatch(/already used/);
  });

  it("refuse it on another instance too: the used ids are in Cosmos DB, not in memory", async () => {
    const token = await trustToken(keyA, "RAA", audience, { now });
    expect(await inline().verify(token, "change")).toMatchObject({ trustId: "RAA" });
    expect(await refusal(inline().verify(token, "change"))).toBeInstanceOf(InvalidTrustToken);
  });

  it("let reads reuse a token, before and after a change used it", async () => {
    const check = inline();
    const token = await trustToken(keyA, "RAA", audience, { now });
    await check.verify(token, "read");
    await check.verify(token, "read");
    await check.verify(token, "change");
    expect(await check.verify(token, "read")).toMatchObject({ trustId: "RAA" });
  });

  it("keep one trust's token ids apart from another's", async () => {
    const check = inline();
    const jti = `shared-${now.getTime()}`;
    await check.verify(await trustToken(keyA, "RAA", audience, { now, claims: { jti } }), "change");
    const other = await trustToken(keyB, "RBB", audience, { now, claims: { jti } });
    expect(await check.verify(other, "change")).toMatchObject({ trustId: "RBB", jti });
  });

  it("keep a used id for the token's remaining lifetime plus the clock tolerance", async () => {
    const token = await trustToken(keyA, "RAA", audience, { now });
    await inline().verify(token, "change");
    const { jti, exp } = decodeJwt(token);
    const { resource } = await tokenIds
      .item(usedTokenId("RAA", String(jti)), usedTokenId("RAA", String(jti)))
      .read<{ ttl: number }>();
    expect(resource?.ttl).toBe((exp ?? 0) + CLOCK_TOLERANCE_SECONDS - Math.floor(now.getTime() / 1000));
  });

  it("answer unavailable (503), not 401, when the used ids cannot be written", async () => {
    const database = await ensureDatabase(cosmos.client(), "trust-tokens-test");
    const check = verifier([trust("RAA", { jwks: { keys: [keyA.jwk as never] } })], {
      tokenIds: database.container("no-such-container"),
    });
    const error = await refusal(check.verify(await trustToken(keyA, "RAA", audience, { now }), "change"));
    expect(error).toBeInstanceOf(DependencyUnavailable);
  });
});

describe("trust tokens with keys at the trust's jwksUri", () => {
  it("read the JWKS once and reuse it for later tokens", async () => {
    const check = verifier([trust("RAA", { jwksUri: await jwksServer() })]);
    await check.verify(await trustToken(keyA, "RAA", audience, { now }), "read");
    await check.verify(await trustToken(keyA, "RAA", audience, { now }), "read");
    expect(fetches).toBe(1);
  });

  it("read it again for an unknown kid, at most every 30 seconds", async () => {
    const check = verifier([trust("RAA", { jwksUri: await jwksServer() })]);
    await check.verify(await trustToken(keyA, "RAA", audience, { now }), "read");
    // The trust adds a key and signs with it: the first token naming it reads the JWKS again and passes.
    served = { keys: [keyA.jwk, keyB.jwk] };
    now = new Date(now.getTime() + 1_000);
    expect(await check.verify(await trustToken(keyB, "RAA", audience, { now }), "read")).toMatchObject({
      trustId: "RAA",
    });
    expect(fetches).toBe(2);
    // Made-up kids within 30 s of that read are refused without reaching the endpoint.
    const forged = async () =>
      trustToken(await trustKey(`made-up-${fetches}-${now.getTime()}`), "RAA", audience, { now });
    for (let i = 0; i < 5; i++)
      expect(await refusal(check.verify(await forged(), "read"))).toBeInstanceOf(InvalidTrustToken);
    expect(fetches).toBe(2);
    now = new Date(now.getTime() + TRUST_JWKS_REFRESH_MS - 2_000);
    expect(await refusal(check.verify(await forged(), "read"))).toBeInstanceOf(InvalidTrustToken);
    expect(fetches).toBe(2);
    // 30 s after the last read, an unknown kid may read it once more.
    now = new Date(now.getTime() + 2_000);
    expect(await refusal(check.verify(await forged(), "read"))).toBeInstanceOf(InvalidTrustToken);
    expect(fetches).toBe(3);
  });

  it("give up on an endpoint that does not answer in time: unavailable (503), not the token's fault", async () => {
    answers = false;
    const check = verifier([trust("RAA", { jwksUri: await jwksServer() })], { jwksTimeoutMs: 50 });
    const error = await refusal(check.verify(await trustToken(keyA, "RAA", audience, { now }), "read"));
    expect(error).toBeInstanceOf(TrustKeysUnavailable);
    expect(fetches).toBe(1);
  });

  it("read it only from a host the operator pinned the trust to, and follow a change of pins at once", async () => {
    const uri = await jwksServer();
    const trusts = [trust("RAA", { jwksUri: uri, allowedHosts: ["hr.raa.example"] })];
    const check = verifier(trusts);
    const error = await refusal(check.verify(await trustToken(keyA, "RAA", audience, { now }), "read"));
    expect(error).toBeInstanceOf(TrustKeysUnavailable);
    expect(fetches).toBe(0);
    trusts[0] = trust("RAA", { jwksUri: uri, allowedHosts: ["127.0.0.1"] });
    expect(await check.verify(await trustToken(keyA, "RAA", audience, { now }), "read")).toMatchObject({
      trustId: "RAA",
    });
    expect(fetches).toBe(1);
  });
});

describe("a trust's encryption key (use enc)", () => {
  /** keyA's public half registered as the key the trust's SETs are encrypted to. */
  const asEncryptionKey = () => ({ ...keyA.jwk, alg: "ECDH-ES+A256KW", use: "enc" });

  it("never verifies a trust token, even one signed with its private half, on the document or at the jwksUri", async () => {
    served = { keys: [asEncryptionKey(), keyB.jwk] };
    const check = verifier([
      trust("RAA", { jwks: { keys: [asEncryptionKey() as never, keyB.jwk as never] } }),
      trust("RCC", { jwksUri: await jwksServer() }),
    ]);
    for (const trustId of ["RAA", "RCC"]) {
      const error = await refusal(check.verify(await trustToken(keyA, trustId, audience, { now }), "read"));
      expect(error, trustId).toBeInstanceOf(InvalidTrustToken);
      // The trust's signing key beside it still verifies the trust's tokens.
      expect(await check.verify(await trustToken(keyB, trustId, audience, { now }), "read")).toMatchObject({
        trustId,
      });
    }
  });

  it("is among the keys the trust registered, as the SET signer reads them, from the document or the jwksUri", async () => {
    served = { keys: [keyB.jwk, asEncryptionKey()] };
    const check = verifier([
      trust("RAA", { jwks: { keys: [asEncryptionKey() as never] } }),
      trust("RCC", { jwksUri: await jwksServer() }),
      trust("RDD", {}),
    ]);
    expect(await check.registeredKeys("RAA")).toEqual({ keys: [asEncryptionKey()] });
    expect(await check.registeredKeys("RCC")).toEqual({ keys: [keyB.jwk, asEncryptionKey()] });
    expect(await check.registeredKeys("RDD")).toBeUndefined();
    expect(await check.registeredKeys("RZZ")).toBeUndefined();
  });

  it("cannot be read from a jwksUri that does not answer: unavailable, never no keys", async () => {
    answers = false;
    const check = verifier([trust("RCC", { jwksUri: await jwksServer() })], { jwksTimeoutMs: 50 });
    expect(await refusal(check.registeredKeys("RCC"))).toBeInstanceOf(TrustKeysUnavailable);
  });

  it("is registered with use enc, and an alg that contradicts the key's use is refused", () => {
    const base = trust("RAA", {});
    const accepts = (key: object) => trustSchema.safeParse({ ...base, jwks: { keys: [key] } }).success;
    const { alg: _alg, use: _use, ...bare } = keyA.jwk;
    expect(accepts(asEncryptionKey())).toBe(true);
    expect(accepts({ ...bare, use: "enc" })).toBe(true);
    expect(accepts({ ...bare, use: "enc", alg: "ES256" })).toBe(false);
    expect(accepts({ ...bare, use: "sig", alg: "ECDH-ES+A256KW" })).toBe(false);
    expect(accepts({ ...bare, alg: "ECDH-ES+A256KW" })).toBe(false);
    expect(accepts({ ...bare, use: "enc", alg: "ECDH-ES" })).toBe(false);
  });
});

describe("trust documents", () => {
  const base = trust("RAA", {});

  it("take jwksUri only over https, or http on a loopback address", () => {
    expect(trustSchema.safeParse({ ...base, jwksUri: "https://hr.example.nhs.uk/jwks.json" }).success).toBe(
      true,
    );
    expect(trustSchema.safeParse({ ...base, jwksUri: "http://127.0.0.1:7073/jwks.json" }).success).toBe(true);
    expect(trustSchema.safeParse({ ...base, jwksUri: "http://hr.example.nhs.uk/jwks.json" }).success).toBe(
      false,
    );
  });

  it("take only P-256 public keys, never a private one, and not both jwks and jwksUri", () => {
    const { jwk } = keyA;
    expect(trustSchema.safeParse({ ...base, jwks: { keys: [jwk] } }).success).toBe(true);
    expect(trustSchema.safeParse({ ...base, jwks: { keys: [{ ...jwk, d: jwk.x }] } }).success).toBe(false);
    expect(trustSchema.safeParse({ ...base, jwks: { keys: [{ ...jwk, crv: "P-384" }] } }).success).toBe(
      false,
    );
    expect(
      trustSchema.safeParse({
        ...base,
        jwks: { keys: [jwk] },
        jwksUri: "https://hr.example.nhs.uk/jwks.json",
      }).success,
    ).toBe(false);
  });
});
