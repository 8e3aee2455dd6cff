// The createIssuanceRequest body the service sends, against Microsoft's documented shape field by field, and the
// Admin API's search hash, against the example Microsoft gives the formula for.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { contractIdOfManifest, indexClaimHash } from "../../src/adapters/verifiedId/admin.js";
import { buildIssuanceRequestBody } from "../../src/adapters/verifiedId/issuanceBody.js";

const input = () => {
  const expirationDate = new Date(Date.now() + 365 * 24 * 60 * 60 * 1000);
  return {
    authority: "did:web:rth.staffpassport.nhs.uk",
    clientName: "Oxford University Hospitals NHS Foundation Trust",
    type: "StaffPassportAccessKey",
    manifest:
      "https://verifiedid.did.msidentity.com/v1.0/tenants/t/verifiableCredentials/contracts/c1/manifest",
    state: "AAAAAAAAAAAAAAAAAAAAAA",
    pin: "048213",
    claims: { trustId: "RTH", staffId: "RTH-1", accessKeyId: "k" },
    expirationDate,
  };
};

describe("the issuance request body", () => {
  it("has exactly Microsoft's fields for the ID token hint flow, named as Microsoft names them", () => {
    const given = input();
    const body = buildIssuanceRequestBody(
      { callbackUrl: "https://api.example/api/verifiedid/callback/", apiKey: "key" },
      given,
    );
    // toStrictEqual fails on a missing, extra or misnamed field at any depth.
    expect(JSON.parse(JSON.stringify(body))).toStrictEqual({
      authority: given.authority,
      includeQRCode: true,
      registration: { clientName: given.clientName },
      callback: {
        url: `https://api.example/api/verifiedid/callback/${given.state}`,
        state: given.state,
        headers: { "api-key": "key" },
      },
      type: "StaffPassportAccessKey",
      manifest: given.manifest,
      pin: { value: "048213", length: 6 },
      claims: { trustId: "RTH", staffId: "RTH-1", accessKeyId: "k" },
      expirationDate: given.expirationDate.toISOString(),
    });
  });

  it("refuses a PIN outside Microsoft's 4 to 16 digits before anything is sent", () => {
    const settings = { callbackUrl: "https://api.example/cb", apiKey: "key" };
    expect(() => buildIssuanceRequestBody(settings, { ...input(), pin: "123" })).toThrow(TypeError);
    expect(() => buildIssuanceRequestBody(settings, { ...input(), pin: "12345678901234567" })).toThrow(
      TypeError,
    );
    expect(() => buildIssuanceRequestBody(settings, { ...input(), pin: "12a456" })).toThrow(TypeError);
  });
});

describe("the Admin API's search", () => {
  it("hashes the contract id followed by the claim value, Base64 (not base64url) of SHA-256", () => {
    const expected = createHash("sha256")
      .update("c1" + "key-1")
      .digest("base64");
    expect(indexClaimHash("c1", "key-1")).toBe(expected);
    // Not the value alone, nor the other order.
    expect(indexClaimHash("c1", "key-1")).not.toBe(createHash("sha256").update("key-1").digest("base64"));
    expect(indexClaimHash("c1", "key-1")).not.toBe(createHash("sha256").update("key-1c1").digest("base64"));
  });

  it("reads the contract id from a manifest URL and refuses one of another shape", () => {
    expect(contractIdOfManifest(input().manifest)).toBe("c1");
    expect(() => contractIdOfManifest("https://example.nhs.uk/manifest.json")).toThrow(TypeError);
  });
});
