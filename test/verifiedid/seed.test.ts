// The local seed: trusts that match the Trust type and the catalogue, and the wallets the demo and tests rely on.
import { describe, expect, it } from "vitest";
import { loadSeedTrusts, loadSeedWallets } from "../../local/seed/index.js";
import {
  ACCESS_KEY_STAFF_CLAIMS,
  ACCESS_KEY_TRUST_CLAIM,
  ACCESS_KEY_TYPE,
  SHAREABLE_CREDENTIAL_TYPES,
} from "../../src/domain/catalogue.js";

const trusts = await loadSeedTrusts();
const wallets = await loadSeedWallets();
const walletById = (id: string) => {
  const found = wallets.find((wallet) => wallet.id === id);
  if (found === undefined) throw new Error(`No seeded wallet ${id}`);
  return found;
};

describe("seeded trusts", () => {
  it("has at least three active trusts and one inactive trust", () => {
    expect(trusts.filter((trust) => trust.active).length).toBeGreaterThanOrEqual(3);
    expect(trusts.some((trust) => !trust.active)).toBe(true);
  });

  it("gives every trust the access key type and an issuer DID of its own", () => {
    const issuers = trusts.flatMap((trust) => trust.issuerDids);
    expect(new Set(issuers).size).toBe(issuers.length);
    for (const trust of trusts) {
      expect(trust.accessKeyType).toBe(ACCESS_KEY_TYPE);
      expect(trust.id).toMatch(/^[A-Z0-9]{3}$/);
      if (trust.delivery?.mode === "push")
        expect(trust.delivery.endpoint).toBe("http://127.0.0.1:7073/events");
    }
  });
});

it("has one trust that polls for its events and pushes to the demo trust for the others", () => {
  expect(trusts.filter((trust) => trust.delivery?.mode === "poll").map((t) => t.id)).toEqual(["R0A"]);
});

describe("seeded wallets", () => {
  it("gives the demo wallet an access key for every seeded trust, issued by that trust, with the staff claims", () => {
    const demo = walletById("demo");
    for (const trust of trusts) {
      const key = demo.credentials.find(
        (credential) =>
          credential.type === ACCESS_KEY_TYPE && credential.claims[ACCESS_KEY_TRUST_CLAIM] === trust.id,
      );
      expect(key?.issuer, trust.id).toBe(trust.issuerDids[0]);
      for (const claim of ACCESS_KEY_STAFF_CLAIMS) expect(typeof key?.claims[claim]).toBe("string");
    }
  });

  it("gives the demo wallet one credential of every shareable type, from an issuer the catalogue accepts", () => {
    const demo = walletById("demo");
    for (const shareable of SHAREABLE_CREDENTIAL_TYPES) {
      const held = demo.credentials.filter((credential) => credential.type === shareable.type);
      expect(held, shareable.type).toHaveLength(1);
      expect(shareable.acceptedIssuers).toContain(held[0]?.issuer);
    }
  });

  it("has a wallet missing some shareable credentials and a wallet holding a revoked one", () => {
    const partialTypes = new Set(walletById("partial").credentials.map((credential) => credential.type));
    expect(SHAREABLE_CREDENTIAL_TYPES.some((shareable) => !partialTypes.has(shareable.type))).toBe(true);
    expect(walletById("revoked").credentials.some((credential) => credential.revoked === true)).toBe(true);
  });

  it("holds only credentials that are valid today, apart from the deliberately revoked one", () => {
    const now = Date.now();
    for (const wallet of wallets) {
      for (const credential of wallet.credentials) {
        if (credential.expirationDate !== undefined) {
          expect(Date.parse(credential.expirationDate), `${wallet.id} ${credential.type}`).toBeGreaterThan(
            now,
          );
        }
      }
    }
  });
});
