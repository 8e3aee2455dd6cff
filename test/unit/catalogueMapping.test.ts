// The catalogue's names in the SD-JWT VC world: a `vct` per type and back, and an issuer's did:web and its https
// `iss` and back, so that one list of accepted issuers serves Verified ID and standard wallets alike.
import { describe, expect, it } from "vitest";
import {
  ACCESS_KEY_TYPE,
  didOfIssuerUrl,
  ESR_ISSUER,
  issuerUrlOfDid,
  NHS_ENGLAND_ISSUER,
  REGISTRATION_ISSUER,
  SHAREABLE_CREDENTIAL_TYPES,
  typeOfVct,
  vctOf,
} from "../../src/domain/catalogue.js";

describe("vctOf and typeOfVct", () => {
  it("name every catalogue type, the access key included, and read it back", () => {
    for (const type of [ACCESS_KEY_TYPE, ...SHAREABLE_CREDENTIAL_TYPES.map((entry) => entry.type)]) {
      expect(vctOf(type)).toBe(`urn:nhs:staff-passport:vct:${type}`);
      expect(typeOfVct(vctOf(type))).toBe(type);
    }
  });

  it("typeOfVct refuses a vct of another namespace or a type the catalogue does not have", () => {
    for (const vct of [
      "urn:nhs:staff-passport:vct:StaffPassportUnknown",
      "urn:nhs:staff-passport:vct:",
      "urn:eu.europa.ec.eudi:pid:1",
      "StaffPassportIdentity",
      "https://staffpassport.nhs.uk/vct/StaffPassportIdentity",
      "",
    ]) {
      expect(typeOfVct(vct), vct).toBeUndefined();
    }
  });
});

describe("issuerUrlOfDid and didOfIssuerUrl", () => {
  it("map the catalogue's issuers to their https origins and back", () => {
    for (const [did, url] of [
      [NHS_ENGLAND_ISSUER, "https://staffpassport.nhs.uk"],
      [ESR_ISSUER, "https://esr.staffpassport.nhs.uk"],
      [REGISTRATION_ISSUER, "https://registration.staffpassport.nhs.uk"],
    ] as const) {
      expect(issuerUrlOfDid(did)).toBe(url);
      expect(didOfIssuerUrl(url)).toBe(did);
    }
  });

  it("round-trip a did:web with a port (percent-encoded colon) and a path", () => {
    const did = "did:web:issuer.example%3A8443:trusts:rth";
    expect(issuerUrlOfDid(did)).toBe("https://issuer.example:8443/trusts/rth");
    expect(didOfIssuerUrl("https://issuer.example:8443/trusts/rth")).toBe(did);
    expect(issuerUrlOfDid(didOfIssuerUrl("https://issuer.example:8443/trusts/rth") ?? "")).toBe(
      "https://issuer.example:8443/trusts/rth",
    );
    // A trailing slash names the same issuer.
    expect(didOfIssuerUrl("https://issuer.example/")).toBe("did:web:issuer.example");
  });

  it("refuse what is not a did:web or not a plain https issuer URL", () => {
    for (const did of ["did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", "did:web:", "https://x"]) {
      expect(issuerUrlOfDid(did), did).toBeUndefined();
    }
    for (const url of [
      "http://esr.staffpassport.nhs.uk",
      "https://esr.staffpassport.nhs.uk/?tenant=1",
      "https://esr.staffpassport.nhs.uk/#x",
      "https://user@esr.staffpassport.nhs.uk",
      "did:web:esr.staffpassport.nhs.uk",
      "not a url",
    ]) {
      expect(didOfIssuerUrl(url), url).toBeUndefined();
    }
  });
});
