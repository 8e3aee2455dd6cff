// Specification of the Key Vault key store's own logic: which secret versions sign and verify, and caching.
// Key Vault has no local emulator and SecretClient speaks only HTTPS to a vault host, so a reader holding plain
// data stands in for its two calls (listPropertiesOfSecretVersions, getSecret); README's Tests section says so.

import { createHash } from "node:crypto";
import { exportJWK, generateKeyPair } from "jose";
import { describe, expect, it } from "vitest";
import {
  chooseKeyVersions,
  type SecretsReader,
  type SecretVersionInfo,
  secretSigningKeys,
} from "../../src/adapters/keys/keyVaultSigningKeys.js";
import { issueSessionToken, verifySessionToken } from "../../src/adapters/keys/sessionTokens.js";
import { loadSigningKey, parseSigningJwk } from "../../src/adapters/keys/signingKeys.js";

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
    const versions: SecretVersionInfo[] = [
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
    const versions: SecretVersionInfo[] = [
      { version: "v1", enabled: true, createdOn: day(1) },
      { version: "v2", enabled: false, createdOn: day(2) },
      { version: "v3", enabled: true, createdOn: day(3) },
    ];
    expect(chooseKeyVersions(versions, now)).toEqual({ current: "v3", previous: "v1" });
  });

  it("skips versions not valid yet or already expired in Key Vault", () => {
    const versions: SecretVersionInfo[] = [
      { version: "v1", enabled: true, createdOn: day(1) },
      { version: "v2", enabled: true, createdOn: day(2), expiresOn: day(20) },
      { version: "v3", enabled: true, createdOn: day(3), notBefore: new Date(now.getTime() + DAY_MS / 2) },
    ];
    expect(chooseKeyVersions(versions, now)).toEqual({ current: "v1" });
  });

  it("orders versions created at the same moment by version id, so every instance agrees", () => {
    const versions: SecretVersionInfo[] = [
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

describe("secretSigningKeys", () => {
  it("signs with the newest version and publishes it with the previous one", async () => {
    const vault = await vaultWith(["v1", "v2"]);
    const keys = secretSigningKeys(vault.reader, "session-signing-key", { clock: () => now });
    const [v1, v2] = [await vault.kidOf("v1"), await vault.kidOf("v2")];
    expect((await keys.current()).kid).toBe(v2);
    expect((await keys.jwks()).keys.map((key) => key.kid)).toEqual([v2, v1]);
  });

  it("asks Key Vault once per cache period, not per request", async () => {
    let clock = now;
    const vault = await vaultWith(["v1"]);
    const keys = secretSigningKeys(vault.reader, "session-signing-key", {
      cacheMs: 300_000,
      clock: () => clock,
    });
    await Promise.all([keys.current(), keys.jwks(), keys.current()]);
    await keys.jwks();
    expect(vault.calls()).toBe(1);
    await vault.addVersion("v2");
    clock = new Date(now.getTime() + 300_001);
    expect((await keys.current()).kid).toBe(await vault.kidOf("v2"));
    expect(vault.calls()).toBe(2);
  });

  it("verifies a session signed by another instance's newer key, reading Key Vault again at most every 30 s", async () => {
    let clock = now;
    const vault = await vaultWith(["v1"]);
    const options = { cacheMs: 300_000, clock: () => clock };
    const verifying = secretSigningKeys(vault.reader, "session-signing-key", options);
    await verifying.jwks();
    await vault.addVersion("v2");
    // Another instance loads after the new version appeared and signs with it.
    const signing = secretSigningKeys(vault.reader, "session-signing-key", options);
    const token = await issueSessionToken(signing, sessionInput(clock));
    const callsBefore = vault.calls();
    await expect(verifySessionToken(verifying, token, { issuer: ISSUER, now: clock })).resolves.toMatchObject(
      {
        subject: "did:jwk:holder",
      },
    );
    expect(vault.calls()).toBe(callsBefore + 1);

    // A made-up key id does not make every request reach Key Vault.
    await vault.addVersion("v3");
    const third = secretSigningKeys(vault.reader, "session-signing-key", options);
    const forged = await issueSessionToken(third, sessionInput(clock));
    await expect(verifySessionToken(verifying, forged, { issuer: ISSUER, now: clock })).rejects.toMatchObject(
      {
        code: "invalid_session",
      },
    );
    clock = new Date(now.getTime() + 31_000);
    await expect(
      verifySessionToken(verifying, forged, { issuer: ISSUER, now: clock }),
    ).resolves.toBeDefined();
  });

  it("keeps serving the last keys when Key Vault fails after the first load", async () => {
    let clock = now;
    const vault = await vaultWith(["v1"]);
    const keys = secretSigningKeys(vault.reader, "session-signing-key", {
      cacheMs: 1_000,
      clock: () => clock,
    });
    const before = await keys.current();
    vault.fail(true);
    clock = new Date(now.getTime() + 2_000);
    expect((await keys.current()).kid).toBe(before.kid);
  });

  it("fails as signing_key_unavailable, keeping the cause, when Key Vault fails on the first load", async () => {
    const vault = await vaultWith(["v1"]);
    vault.fail(true);
    const keys = secretSigningKeys(vault.reader, "session-signing-key", { clock: () => now });
    const failure = await keys.current().catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: "signing_key_unavailable" });
    expect(String((failure as Error).cause)).toContain("vault unreachable");
  });

  it("refuses a secret value that is not a JWK, without quoting it", async () => {
    const vault = await vaultWith([]);
    vault.setRaw("v1", "SECRET-MATERIAL{");
    const keys = secretSigningKeys(vault.reader, "session-signing-key", { clock: () => now });
    const failure = keys.current();
    await expect(failure).rejects.toMatchObject({ code: "signing_key_unavailable" });
    await expect(failure).rejects.not.toThrow(/SECRET/);
  });
});

async function newPrivateJwk() {
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  return exportJWK(privateKey);
}

/** Versions of one secret as plain data, created a day apart in the order given. */
async function vaultWith(initial: string[]) {
  const values = new Map<string, string>();
  const created = new Map<string, Date>();
  let listCalls = 0;
  let failing = false;
  const addVersion = async (version: string) => {
    values.set(version, JSON.stringify(await newPrivateJwk()));
    created.set(version, day(created.size + 1));
  };
  for (const version of initial) await addVersion(version);

  const reader: SecretsReader = {
    async *listPropertiesOfSecretVersions() {
      listCalls += 1;
      if (failing) throw new Error("vault unreachable");
      for (const [version, createdOn] of created) yield { version, enabled: true, createdOn };
    },
    async getSecret(_name, { version }) {
      if (failing) throw new Error("vault unreachable");
      return { value: values.get(version) };
    },
  };
  return {
    reader,
    addVersion,
    calls: () => listCalls,
    fail: (value: boolean) => {
      failing = value;
    },
    setRaw: (version: string, value: string) => {
      values.set(version, value);
      created.set(version, day(created.size + 1));
    },
    kidOf: async (version: string) =>
      (await loadSigningKey(parseSigningJwk(JSON.parse(values.get(version) ?? "")))).kid,
  };
}
