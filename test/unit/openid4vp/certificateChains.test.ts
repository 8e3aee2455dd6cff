// The x5c chain check an issuer's credential and status list go through (HAIP 1.0 section 6.1.1), the leaf's names
// against `iss` (SD-JWT VC section 3.5), and the x509_hash client id, on certificates of the local authority.
import "../../../local/openid4vp/reflectMetadata.js";
import { createHash, webcrypto, X509Certificate } from "node:crypto";
import {
  BasicConstraintsExtension,
  SubjectAlternativeNameExtension,
  X509CertificateGenerator,
} from "@peculiar/x509";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalCertificates } from "../../../local/openid4vp/ca.js";
import {
  cachedChainCheck,
  certificatesOfPem,
  checkChain,
  leafNamesIssuer,
  x509HashClientId,
} from "../../../src/adapters/openid4vp/certificateChains.js";
import { freshAuthority, removeFolders } from "./support.js";

const ISSUER_URL = "https://esr.staffpassport.nhs.uk";
const DAY_MS = 24 * 60 * 60 * 1000;

let authority: LocalCertificates;
let other: LocalCertificates;
let roots: X509Certificate[];
let x5c: readonly string[];

beforeAll(async () => {
  [authority, other] = await Promise.all([freshAuthority(), freshAuthority()]);
  roots = certificatesOfPem(authority.issuers.rootPem, "issuer root");
  x5c = (await authority.issuers.certify(ISSUER_URL)).x5c;
});
afterAll(removeFolders);

const derOf = (pem: string) => new X509Certificate(pem).raw.toString("base64");

/** A self-signed certificate with these alternative names, for the name checks (its chain does not matter). */
async function certificateNaming(names: { type: "dns" | "url"; value: string }[]): Promise<X509Certificate> {
  const keys = await webcrypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
    "verify",
  ]);
  const now = Date.now();
  const made = await X509CertificateGenerator.createSelfSigned(
    {
      name: [{ CN: ["issuer under test"] }],
      keys,
      signingAlgorithm: { name: "ECDSA", hash: "SHA-256" },
      notBefore: new Date(now - DAY_MS),
      notAfter: new Date(now + DAY_MS),
      extensions: [new BasicConstraintsExtension(false), new SubjectAlternativeNameExtension(names)],
    },
    webcrypto,
  );
  return new X509Certificate(made.toString("pem"));
}

describe("cachedChainCheck", () => {
  it("accepts a chain it remembers only inside its certificates' validity, and never remembers a refusal", () => {
    const check = cachedChainCheck(roots);
    expect(check(x5c, new Date()).ok).toBe(true);
    // The same chain, remembered, is still held to its dates: ten years on it has expired.
    expect(check(x5c, new Date(Date.now() + 10 * 365 * DAY_MS))).toMatchObject({ ok: false });
    expect(check(x5c, new Date()).ok).toBe(true);
    // A chain to another root is refused each time, however often it is tried.
    const otherChecker = cachedChainCheck(certificatesOfPem(other.issuers.rootPem, "other root"));
    expect(otherChecker(x5c, new Date()).ok).toBe(false);
    expect(otherChecker(x5c, new Date()).ok).toBe(false);
    expect(check([...x5c].reverse(), new Date()).ok).toBe(false);
  });
});

describe("checkChain", () => {
  it("accepts an issuer leaf and its intermediate that chain to the configured root, and returns the leaf", () => {
    const checked = checkChain(x5c, roots, new Date());
    expect(checked.ok).toBe(true);
    if (!checked.ok) return;
    expect(checked.leaf.raw.toString("base64")).toBe(x5c[0]);
  });

  it("refuses a chain that leads to another authority's root", async () => {
    const foreign = (await other.issuers.certify(ISSUER_URL)).x5c;
    expect(checkChain(foreign, roots, new Date())).toEqual({
      ok: false,
      reason: "x5c does not chain to a trusted root",
    });
  });

  it("refuses a chain that carries the root itself", () => {
    const withRoot = [...x5c, derOf(authority.issuers.rootPem)];
    expect(checkChain(withRoot, roots, new Date())).toMatchObject({ ok: false });
  });

  it("refuses a self-signed leaf, even one that is also a configured root", async () => {
    const selfSigned = await certificateNaming([{ type: "dns", value: "esr.staffpassport.nhs.uk" }]);
    expect(checkChain([selfSigned.raw.toString("base64")], [...roots, selfSigned], new Date())).toEqual({
      ok: false,
      reason: "x5c holds a self-signed certificate",
    });
  });

  it("refuses a chain whose certificates expired, and one not yet valid", async () => {
    const now = Date.now();
    // An authority that made its certificates six years ago: five years' validity have run out by now.
    const old = await freshAuthority(() => new Date(now - 6 * 365 * DAY_MS));
    const expired = (await old.issuers.certify(ISSUER_URL)).x5c;
    const oldRoots = certificatesOfPem(old.issuers.rootPem, "old root");
    const outside = { ok: false, reason: "a certificate in x5c is outside its validity period" };
    expect(checkChain(expired, oldRoots, new Date(now))).toEqual(outside);
    // The same chain inside its validity period passes, so the refusal above is about the dates alone.
    expect(checkChain(expired, oldRoots, new Date(now - 6 * 365 * DAY_MS)).ok).toBe(true);
    // The fresh chain's certificates start a day before they were made.
    expect(checkChain(x5c, roots, new Date(now - 2 * DAY_MS))).toEqual(outside);
  });

  it("refuses the intermediate before the leaf, and a leaf the intermediate after it did not sign", async () => {
    expect(checkChain([x5c[1], x5c[0]], roots, new Date())).toMatchObject({ ok: false });
    // Another authority's leaf before this authority's intermediate: the top is anchored, the link below is not.
    const [foreignLeaf] = (await other.issuers.certify(ISSUER_URL)).x5c;
    expect(checkChain([foreignLeaf, x5c[1]], roots, new Date())).toEqual({
      ok: false,
      reason: "the certificates in x5c do not form a chain",
    });
  });

  it("refuses an x5c that is not a non-empty array of certificates", () => {
    for (const value of [undefined, "not an array", x5c[0], {}, [], [42], ["bm90IGEgY2VydA=="]]) {
      expect(checkChain(value, roots, new Date()).ok, JSON.stringify(value)).toBe(false);
    }
  });

  it("refuses a CA certificate as the leaf", () => {
    expect(checkChain([x5c[1]], roots, new Date())).toEqual({
      ok: false,
      reason: "the x5c leaf is a CA certificate",
    });
  });
});

describe("leafNamesIssuer", () => {
  it("accepts the https issuer whose host the leaf names as a DNS name", async () => {
    const leaf = await certificateNaming([{ type: "dns", value: "esr.staffpassport.nhs.uk" }]);
    expect(leafNamesIssuer(leaf, ISSUER_URL)).toBe(true);
  });

  it("accepts the https issuer URL the leaf names as a URI, path included", async () => {
    const leaf = await certificateNaming([{ type: "url", value: "https://issuers.example/esr" }]);
    expect(leafNamesIssuer(leaf, "https://issuers.example/esr")).toBe(true);
    expect(leafNamesIssuer(leaf, "https://issuers.example/registration")).toBe(false);
  });

  it("refuses another host, and the named host over http", async () => {
    const leaf = await certificateNaming([
      { type: "dns", value: "esr.staffpassport.nhs.uk" },
      { type: "url", value: "http://esr.staffpassport.nhs.uk" },
    ]);
    expect(leafNamesIssuer(leaf, "https://registration.staffpassport.nhs.uk")).toBe(false);
    expect(leafNamesIssuer(leaf, "http://esr.staffpassport.nhs.uk")).toBe(false);
    expect(leafNamesIssuer(leaf, "not a url")).toBe(false);
  });

  it("accepts the local authority's issuer leaf for its own URL only", () => {
    const [leaf] = certificatesOfPem(
      `-----BEGIN CERTIFICATE-----\n${x5c[0]}\n-----END CERTIFICATE-----`,
      "issuer leaf",
    );
    if (leaf === undefined) throw new Error("no leaf");
    expect(leafNamesIssuer(leaf, ISSUER_URL)).toBe(true);
    expect(leafNamesIssuer(leaf, "https://staffpassport.nhs.uk")).toBe(false);
  });
});

describe("x509HashClientId", () => {
  it("is x509_hash: and the unpadded base64url SHA-256 of the verifier leaf's DER", () => {
    const [leaf] = certificatesOfPem(authority.verifier.chainPem, "verifier chain");
    if (leaf === undefined) throw new Error("no leaf");
    const der = Buffer.from(
      (authority.verifier.chainPem.split("-----END CERTIFICATE-----")[0] ?? "")
        .replace("-----BEGIN CERTIFICATE-----", "")
        .replace(/\s/g, ""),
      "base64",
    );
    const expected = `x509_hash:${createHash("sha256").update(der).digest("base64url")}`;
    expect(x509HashClientId(leaf)).toBe(expected);
    expect(expected).toMatch(/^x509_hash:[A-Za-z0-9_-]{43}$/);
  });
});
