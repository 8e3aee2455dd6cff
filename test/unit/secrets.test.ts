// Specification of identifiers, bearer secrets and their stored hashes.

import { describe, expect, it } from "vitest";
import { hashSecret, mintId, mintSecret, secretMatchesHash } from "../../src/domain/secrets.js";

const base64url = /^[A-Za-z0-9_-]+$/;

describe("mintId", () => {
  it("gives 128 random bits as URL-safe base64 without padding", () => {
    const id = mintId();
    expect(id).toMatch(base64url);
    expect(Buffer.from(id, "base64url")).toHaveLength(16);
  });

  it("never repeats", () => {
    const ids = new Set(Array.from({ length: 1000 }, () => mintId()));
    expect(ids.size).toBe(1000);
  });
});

describe("mintSecret", () => {
  it("gives 256 random bits as URL-safe base64 without padding", () => {
    const secret = mintSecret();
    expect(secret).toMatch(base64url);
    expect(Buffer.from(secret, "base64url")).toHaveLength(32);
    expect(mintSecret()).not.toBe(secret);
  });
});

describe("hashSecret", () => {
  it("is the SHA-256 of the secret in base64url", () => {
    // SHA-256("abc") from FIPS 180-2, appendix B.1.
    const expected = Buffer.from("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "hex");
    expect(hashSecret("abc")).toBe(expected.toString("base64url"));
  });

  it("does not contain the secret", () => {
    const secret = mintSecret();
    expect(hashSecret(secret)).not.toContain(secret);
  });
});

describe("secretMatchesHash", () => {
  it("matches the secret whose hash was stored", () => {
    const secret = mintSecret();
    expect(secretMatchesHash(secret, hashSecret(secret))).toBe(true);
  });

  it("does not match another secret", () => {
    expect(secretMatchesHash(mintSecret(), hashSecret(mintSecret()))).toBe(false);
  });

  it("does not match an empty or overlong candidate", () => {
    const stored = hashSecret(mintSecret());
    expect(secretMatchesHash("", stored)).toBe(false);
    expect(secretMatchesHash("x".repeat(10_000), stored)).toBe(false);
  });

  it("does not match when the stored hash is malformed", () => {
    const secret = mintSecret();
    expect(secretMatchesHash(secret, "")).toBe(false);
    expect(secretMatchesHash(secret, hashSecret(secret).slice(0, 20))).toBe(false);
  });

  it("does not accept the stored hash itself as the secret", () => {
    const stored = hashSecret(mintSecret());
    expect(secretMatchesHash(stored, stored)).toBe(false);
  });
});
