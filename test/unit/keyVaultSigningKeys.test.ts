// Specification of the Key Vault key store: which key versions sign and verify, that only a non-exportable EC
// P-256 key signs, that Key Vault's signature makes tokens jose verifies, and caching. The real @azure/keyvault-keys
// SDK talks HTTPS to the project's own Key Vault emulator (local/keyvault); only the clock is ours.

import { createHash } from "node:crypto";
import { KeyClient } from "@azure/keyvault-keys";
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  jwtVerify,
} from "jose";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type KeyVaultEmulator, startKeyVaultEmulator } from "../../local/keyvault/index.js";
import { rotateSigningKey } from "../../scripts/keys.js";
import { SET_TYPE, securityEventTokenSigner } from "../../src/adapters/events/securityEventTokens.js";
import {
  chooseKeyVersions,
  type KeyVersionInfo,
  keyVaultClientOptions,
  keyVaultSigningKeys,
} from "../../src/adapters/keys/keyVaultSigningKeys.js";
import {
  issueSessionToken,
  SESSION_AUDIENCE,
  verifySessionToken,
} from "../../src/adapters/keys/sessionTokens.js";
import { loadSigningKey, parseSigningJwk, type SigningKeys } from "../../src/adapters/keys/signingKeys.js";
import { StaticTokenCredential } from "../../src/adapters/verifiedId/index.js";
import { CREDENTIAL_REQUEST_DECLINED_EVENT } from "../../src/domain/shareEvent.js";

const DAY_MS = 24 * 60 * 60 * 1000;
const now = new Date();
/** Day n of the month before now: versions created in order, all of them in the past. */
const day = (n: number) => new Date(now.getTime() - (30 - n) * DAY_MS);
const ISSUER = "https://staff-passport.example/api";
const sessionInput = (at: Date) => ({
  issuer: ISSUER,
  subject: "did:jwk:holder",
  trustId: "RTH",
  staff: {},
  now: at,
  ttlSeconds: 900,
});

describe("chooseKeyVersions", () => {
  it("takes the newest enabled version as current and the one before as previous", () => {
    const versions: KeyVersionInfo[] = [
      { version: "v1", enabled: true, createdOn: day(1) },
      { version: "v3", enabled: true, createdOn: day(3) },
      { version: "v2", enabled: true, createdOn: day(2) },
    ];
    expect(chooseKeyVersions(versions, now)).toEqual({ current: "v3", previous: "v2" });
  });

  it("has no previous when there is a single version", () => {
    expect(chooseKeyVersions([{ version: "v1", enabled: true, createdOn: day(1) }], now)).toEqual({
      current: "v1",
    });
  });

  it("skips disabled versions, so disabling a leaked key withdraws it", () => {
    const versions: KeyVersionInfo[] = [
      { version: "v1", enabled: true, createdOn: day(1) },
      { version: "v2", enabled: false, createdOn: day(2) },
      { version: "v3", enabled: true, createdOn: day(3) },
    ];
    expect(chooseKeyVersions(versions, now)).toEqual({ current: "v3", previous: "v1" });
  });

  it("skips versions not valid yet or already expired in Key Vault", () => {
    const versions: KeyVersionInfo[] = [
      { version: "v1", enabled: true, createdOn: day(1) },
      { version: "v2", enabled: true, createdOn: day(2), expiresOn: day(20) },
      { version: "v3", enabled: true, createdOn: day(3), notBefore: new Date(now.getTime() + DAY_MS / 2) },
    ];
    expect(chooseKeyVersions(versions, now)).toEqual({ current: "v1" });
  });

  it("orders versions created at the same moment by version id, so every instance agrees", () => {
    const versions: KeyVersionInfo[] = [
      { version: "aaa", enabled: true, createdOn: day(1) },
      { version: "bbb", enabled: true, createdOn: day(1) },
    ];
    expect(chooseKeyVersions(versions, now)).toEqual({ current: "bbb", previous: "aaa" });
    expect(chooseKeyVersions([...versions].reverse(), now)).toEqual({ current: "bbb", previous: "aaa" });
  });

  it("fails when no version is usable", () => {
    expect(() => chooseKeyVersions([{ version: "v1", enabled: false }], now)).toThrow(
      expect.objectContaining({ code: "signing_key_unavailable" }),
    );
    expect(() => chooseKeyVersions([], now)).toThrow(
      expect.objectContaining({ code: "signing_key_unavailable" }),
    );
  });
});

describe("stored JWK to signing key", () => {
  it("derives the kid from the RFC 7638 thumbprint of the public half", async () => {
    const jwk = parseSigningJwk(await newPrivateJwk());
    const loaded = await loadSigningKey(jwk);
    // RFC 7638 section 3.2: SHA-256 over the required EC members in lexicographic order, no whitespace.
    const canonical = `{"crv":"P-256","kty":"EC","x":"${jwk.x}","y":"${jwk.y}"}`;
    expect(loaded.kid).toBe(createHash("sha256").update(canonical).digest("base64url"));
    expect(loaded.publicJwk).toEqual({
      kty: "EC",
      crv: "P-256",
      x: jwk.x,
      y: jwk.y,
      kid: loaded.kid,
      alg: "ES256",
      use: "sig",
    });
  });

  it("ignores members other than the key itself, such as a stored kid", async () => {
    const jwk = await newPrivateJwk();
    const plain = await loadSigningKey(parseSigningJwk(jwk));
    const labelled = await loadSigningKey(parseSigningJwk({ ...jwk, kid: "chosen-by-hand", alg: "HS256" }));
    expect(labelled.kid).toBe(plain.kid);
    expect(labelled.publicJwk.alg).toBe("ES256");
  });

  it("refuses a public key, another curve or a symmetric key", async () => {
    const { d: _d, ...publicOnly } = await newPrivateJwk();
    for (const value of [
      publicOnly,
      { ...publicOnly, d: "x", crv: "P-384" },
      { kty: "oct", k: "c2VjcmV0" },
    ]) {
      expect(() => parseSigningJwk(value)).toThrow(
        expect.objectContaining({ code: "signing_key_unavailable" }),
      );
    }
  });
});

const KEY = "share-signing-key";
const credential = new StaticTokenCredential("test-token");

describe("keyVaultSigningKeys, against the local Key Vault emulator", () => {
  let vault: KeyVaultEmulator;
  let clock: Date;
  let admin: KeyClient;

  beforeEach(async () => {
    clock = new Date();
    vault = await startKeyVaultEmulator({ clock: () => clock });
    admin = new KeyClient(vault.url, credential, keyVaultClientOptions(vault.url));
  });

  afterEach(async () => {
    await vault?.close();
  });

  /** A new version made as `npm run keys -- rotate` makes it, one second after the last (Key Vault keeps seconds). */
  const rotate = async () => {
    clock = new Date(clock.getTime() + 1_000);
    return rotateSigningKey({ command: "rotate", vaultUrl: vault.url, keyName: KEY }, credential);
  };
  const storeFor = (options: { cacheMs?: number; publishLeadMs?: number } = {}) =>
    keyVaultSigningKeys({ vaultUrl: vault.url, keyName: KEY, credential, clock: () => clock, ...options });
  const verified = async (keys: SigningKeys, token: string, typ: string) =>
    jwtVerify(token, createLocalJWKSet(await keys.jwks()), {
      algorithms: ["ES256"],
      typ,
      currentDate: clock,
    });

  it("signs session tokens and share events in the vault, and jose verifies them with the published JWKS", async () => {
    const { kid } = await rotate();
    const keys = storeFor();
    const session = await issueSessionToken(keys, sessionInput(clock));
    const set = await securityEventTokenSigner(keys, ISSUER)(
      {
        eventId: "evt-1",
        trustId: "RTH",
        type: CREDENTIAL_REQUEST_DECLINED_EVENT,
        data: { requestId: "req-1", staffId: "S-1", reason: "not now", declinedAt: clock.toISOString() },
      },
      clock,
    );
    expect(vault.calls("sign")).toBe(2);
    expect(decodeProtectedHeader(session)).toEqual({ alg: "ES256", kid, typ: "session+jwt" });
    expect((await verified(keys, session, "session+jwt")).payload).toMatchObject({
      sub: "did:jwk:holder",
      aud: SESSION_AUDIENCE,
    });
    expect(set.kid).toBe(kid);
    expect((await verified(keys, set.token, SET_TYPE)).payload).toMatchObject({ jti: "evt-1", aud: "RTH" });
    await expect(verifySessionToken(keys, session, { issuer: ISSUER, now: clock })).resolves.toMatchObject({
      subject: "did:jwk:holder",
    });
  });

  it("publishes the key's public half only, under the RFC 7638 thumbprint of that version's public key", async () => {
    const { version, kid } = await rotate();
    const published = (await storeFor().jwks()).keys;
    const { key } = await admin.getKey(KEY, { version });
    const x = Buffer.from(key?.x ?? []).toString("base64url");
    const y = Buffer.from(key?.y ?? []).toString("base64url");
    expect(published).toEqual([{ kty: "EC", crv: "P-256", x, y, kid, alg: "ES256", use: "sig" }]);
    expect(kid).toBe(await calculateJwkThumbprint({ kty: "EC", crv: "P-256", x, y }));
  });

  it("after a rotation signs with the new version and keeps the previous one in the JWKS, so earlier tokens verify", async () => {
    const first = await rotate();
    const before = await issueSessionToken(storeFor(), sessionInput(clock));
    const second = await rotate();
    const keys = storeFor();
    expect((await keys.current()).kid).toBe(second.kid);
    expect((await keys.jwks()).keys.map((key) => key.kid)).toEqual([second.kid, first.kid]);
    await expect(verified(keys, before, "session+jwt")).resolves.toBeDefined();
    // A third version drops the first; each version keeps its kid in every instance.
    const third = await rotate();
    expect((await storeFor().jwks()).keys.map((key) => key.kid)).toEqual([third.kid, second.kid]);
  });

  it("publishes a new version at once but signs with it only after the publish lead and the cache time", async () => {
    const first = await rotate();
    const second = await rotate();
    const keys = storeFor({ cacheMs: 1_000, publishLeadMs: 60_000 });
    expect((await keys.current()).kid).toBe(first.kid);
    expect((await keys.jwks()).keys.map((key) => key.kid)).toEqual([second.kid, first.kid]);
    clock = new Date(clock.getTime() + 61_001);
    expect((await keys.current()).kid).toBe(second.kid);
  });

  it("asks Key Vault for the versions once per cache period, and Key Vault signs every token", async () => {
    await rotate();
    const keys = storeFor({ cacheMs: 300_000 });
    await Promise.all([keys.current(), keys.jwks(), keys.current()]);
    for (let i = 0; i < 3; i++) await issueSessionToken(keys, sessionInput(clock));
    expect(vault.calls("list")).toBe(1);
    expect(vault.calls("sign")).toBe(3);
    const next = await rotate();
    clock = new Date(clock.getTime() + 300_001);
    expect((await keys.current()).kid).toBe(next.kid);
    expect(vault.calls("list")).toBe(2);
  });

  it("stops using a version once it is disabled, which is how a key is withdrawn", async () => {
    const first = await rotate();
    const second = await rotate();
    await admin.updateKeyProperties(KEY, second.version, { enabled: false });
    const keys = storeFor();
    expect((await keys.current()).kid).toBe(first.kid);
    expect((await keys.jwks()).keys.map((key) => key.kid)).toEqual([first.kid]);
  });

  it("refuses an exportable key: neither publishes it nor signs with it", async () => {
    await admin.createEcKey(KEY, {
      curve: "P-256",
      exportable: true,
      keyOps: ["sign", "verify"],
      releasePolicy: { encodedPolicy: new TextEncoder().encode("{}") },
    });
    const failure = issueSessionToken(storeFor(), sessionInput(clock));
    await expect(failure).rejects.toMatchObject({ code: "signing_key_unavailable" });
    await expect(failure).rejects.toThrow(/exportable/);
    await expect(storeFor().jwks()).rejects.toMatchObject({ code: "signing_key_unavailable" });
    expect(vault.calls("sign")).toBe(0);
  });

  it.each([
    ["a P-384 key", () => admin.createEcKey(KEY, { curve: "P-384", keyOps: ["sign", "verify"] })],
    ["an RSA key", () => admin.createRsaKey(KEY, { keyOps: ["sign", "verify"] })],
    ["a key that may only verify", () => admin.createEcKey(KEY, { curve: "P-256", keyOps: ["verify"] })],
  ])("refuses %s: neither publishes it nor signs with it", async (_kind, create) => {
    await create();
    await expect(storeFor().jwks()).rejects.toMatchObject({ code: "signing_key_unavailable" });
    await expect(issueSessionToken(storeFor(), sessionInput(clock))).rejects.toMatchObject({
      code: "signing_key_unavailable",
    });
    expect(vault.calls("sign")).toBe(0);
  });

  it("refuses a signature that is not r||s (DER), rather than issuing a token that cannot verify", async () => {
    await vault.close();
    vault = await startKeyVaultEmulator({ clock: () => clock, derSignatures: true });
    await rotate();
    const failure = issueSessionToken(storeFor(), sessionInput(clock));
    await expect(failure).rejects.toMatchObject({ code: "signing_key_unavailable" });
    await expect(failure).rejects.toThrow(/byte signature where ES256 has 64/);
    expect(vault.calls("sign")).toBe(1);
  });

  it("fails as signing_key_unavailable (503), keeping the cause, when Key Vault refuses to sign", async () => {
    const { version } = await rotate();
    const keys = storeFor({ cacheMs: 300_000 });
    await keys.current();
    // Disabled after this instance loaded it: Key Vault itself refuses the sign operation.
    await admin.updateKeyProperties(KEY, version, { enabled: false });
    const failure = await issueSessionToken(keys, sessionInput(clock)).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: "signing_key_unavailable" });
    expect(String((failure as Error).cause)).toContain("disabled");
  });

  it("fails as signing_key_unavailable, keeping the cause, when the key does not exist", async () => {
    const failure = await storeFor()
      .current()
      .catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: "signing_key_unavailable" });
    expect(String((failure as Error).cause)).toContain("404");
  });

  it("keeps serving the last keys when a later read of Key Vault fails", async () => {
    const { version, kid } = await rotate();
    const keys = storeFor({ cacheMs: 1_000 });
    expect((await keys.current()).kid).toBe(kid);
    await admin.updateKeyProperties(KEY, version, { enabled: false });
    clock = new Date(clock.getTime() + 2_000);
    expect((await keys.current()).kid).toBe(kid);
    expect(vault.calls("list")).toBe(2);
  });

  it("verifies a session signed by another instance's newer key, reading Key Vault again at most every 30 s", async () => {
    await rotate();
    const options = { cacheMs: 300_000 };
    const verifying = storeFor(options);
    await verifying.jwks();
    await rotate();
    // Another instance loads after the new version appeared and signs with it.
    const token = await issueSessionToken(storeFor(options), sessionInput(clock));
    await expect(verifySessionToken(verifying, token, { issuer: ISSUER, now: clock })).resolves.toMatchObject(
      {
        subject: "did:jwk:holder",
      },
    );
    // A key id this instance does not know does not make every request reach Key Vault.
    await rotate();
    const newer = await issueSessionToken(storeFor(options), sessionInput(clock));
    await expect(verifySessionToken(verifying, newer, { issuer: ISSUER, now: clock })).rejects.toMatchObject({
      code: "invalid_session",
    });
    clock = new Date(clock.getTime() + 31_000);
    await expect(verifySessionToken(verifying, newer, { issuer: ISSUER, now: clock })).resolves.toBeDefined();
  });
});

async function newPrivateJwk() {
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  return exportJWK(privateKey);
}
