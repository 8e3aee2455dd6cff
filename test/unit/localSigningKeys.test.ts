// Specification of the local key store: a key made once, kept private on disk, shared by processes, rotated.

import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  LOCAL_KEYS_FILE,
  localSigningKeys,
  rotateLocalSigningKeys,
} from "../../src/adapters/keys/localSigningKeys.js";

let parent: string;
let dir: string;

beforeEach(async () => {
  parent = await mkdtemp(join(tmpdir(), "local-keys-"));
  dir = join(parent, ".local", "keys");
});

afterEach(async () => {
  await rm(parent, { recursive: true, force: true });
});

describe("localSigningKeys", () => {
  it("makes a P-256 key on first use, creating the folder", async () => {
    const keys = localSigningKeys(dir);
    const { kid } = await keys.current();
    const [published] = (await keys.jwks()).keys;
    expect(published).toMatchObject({ kty: "EC", crv: "P-256", kid });
    expect(kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await readdir(dir)).toEqual([LOCAL_KEYS_FILE]);
  });

  it("publishes only the public half, with kid, alg ES256 and use sig", async () => {
    const keys = localSigningKeys(dir);
    const { kid } = await keys.current();
    const { keys: published } = await keys.jwks();
    expect(published).toEqual([
      {
        kty: "EC",
        crv: "P-256",
        x: expect.any(String),
        y: expect.any(String),
        kid,
        alg: "ES256",
        use: "sig",
      },
    ]);
    expect(published[0]).not.toHaveProperty("d");
  });

  it("reuses the stored key the next time", async () => {
    const first = await localSigningKeys(dir).current();
    const second = await localSigningKeys(dir).current();
    expect(second.kid).toBe(first.kid);
  });

  it.skipIf(process.platform === "win32")("keeps the key file readable by its owner only", async () => {
    await localSigningKeys(dir).current();
    expect((await stat(join(dir, LOCAL_KEYS_FILE))).mode & 0o777).toBe(0o600);
  });

  it("agrees on one key when several start together, leaving no temporary files", async () => {
    const kids = await Promise.all(Array.from({ length: 8 }, () => localSigningKeys(dir).current()));
    expect(new Set(kids.map((key) => key.kid)).size).toBe(1);
    expect(await readdir(dir)).toEqual([LOCAL_KEYS_FILE]);
  });

  it("refuses a key file that is not JSON, without quoting it", async () => {
    await rotateLocalSigningKeys(dir);
    await writeFile(join(dir, LOCAL_KEYS_FILE), "SECRET-MATERIAL{");
    const failure = localSigningKeys(dir).current();
    await expect(failure).rejects.toMatchObject({ code: "signing_key_unavailable" });
    await expect(failure).rejects.not.toThrow(/SECRET/);
  });

  it("refuses a key file holding something other than a P-256 private key", async () => {
    await rotateLocalSigningKeys(dir);
    await writeFile(join(dir, LOCAL_KEYS_FILE), JSON.stringify({ current: { kty: "oct", k: "c2VjcmV0" } }));
    await expect(localSigningKeys(dir).current()).rejects.toMatchObject({ code: "signing_key_unavailable" });
  });

  it("serves keys from memory until the reload interval passes", async () => {
    let now = new Date("2026-03-01T12:00:00Z");
    const keys = localSigningKeys(dir, { reloadMs: 5_000, clock: () => now });
    const before = await keys.current();
    const rotated = await rotateLocalSigningKeys(dir);
    expect((await keys.current()).kid).toBe(before.kid);
    now = new Date("2026-03-01T12:00:06Z");
    expect((await keys.current()).kid).toBe(rotated.current);
  });
});

describe("rotateLocalSigningKeys", () => {
  it("makes a new current key and keeps the old one as previous in the JWKS", async () => {
    const before = await localSigningKeys(dir).current();
    const rotated = await rotateLocalSigningKeys(dir);
    expect(rotated.previous).toBe(before.kid);
    expect(rotated.current).not.toBe(before.kid);
    const keys = localSigningKeys(dir);
    expect((await keys.current()).kid).toBe(rotated.current);
    expect((await keys.jwks()).keys.map((key) => key.kid)).toEqual([rotated.current, before.kid]);
  });

  it("drops the key from two rotations ago", async () => {
    const first = await rotateLocalSigningKeys(dir);
    const second = await rotateLocalSigningKeys(dir);
    const kids = (await localSigningKeys(dir).jwks()).keys.map((key) => key.kid);
    expect(kids).toEqual([second.current, first.current]);
    expect(kids).not.toContain(first.previous);
  });

  it("creates the store if there is none yet", async () => {
    const rotated = await rotateLocalSigningKeys(dir);
    expect((await localSigningKeys(dir).current()).kid).toBe(rotated.current);
    const stored = JSON.parse(await readFile(join(dir, LOCAL_KEYS_FILE), "utf8"));
    expect(Object.keys(stored).sort()).toEqual(["current", "previous"]);
  });
});
