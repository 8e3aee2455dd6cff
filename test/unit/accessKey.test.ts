// The access key's rules: an offer nobody took reads as expired once it ends, the moves each issuance callback
// makes, and the directory's accessKeyManifest, which must name a contract.
import { describe, expect, it } from "vitest";
import { type AccessKey, accessKeyStatus, issuanceChange } from "../../src/domain/accessKey.js";
import { trustSchema } from "../../src/domain/trust.js";

const MINUTE = 60_000;

function key(status: AccessKey["status"], now: Date): AccessKey {
  return {
    id: "k",
    trustId: "RTH",
    staffId: "RTH-1",
    status,
    requestId: "r",
    authority: "did:web:rth.staffpassport.nhs.uk",
    manifest: "https://example.nhs.uk/v1.0/tenants/t/verifiableCredentials/contracts/c/manifest",
    createdAt: now.toISOString(),
    offerExpiresAt: new Date(now.getTime() + 5 * MINUTE).toISOString(),
    validUntil: new Date(now.getTime() + 365 * 24 * 60 * MINUTE).toISOString(),
  };
}

describe("an access key's status", () => {
  it("is expired once an offer nobody accepted has ended, and offered until then", () => {
    const now = new Date();
    const offered = key("offered", now);
    expect(accessKeyStatus(offered, new Date(now.getTime() + 5 * MINUTE - 1))).toBe("offered");
    expect(accessKeyStatus(offered, new Date(now.getTime() + 5 * MINUTE))).toBe("expired");
  });

  it("stays issued, failed or revoked after the offer's end", () => {
    const now = new Date();
    const later = new Date(now.getTime() + 60 * MINUTE);
    for (const status of ["issued", "failed", "revoked"] as const) {
      expect(accessKeyStatus(key(status, now), later)).toBe(status);
    }
  });
});

describe("an issuance callback's move", () => {
  it("moves only an offered key: retrieved notes it once, issued and failed set the status", () => {
    const now = new Date();
    expect(issuanceChange({ status: "retrieved" }, now)).toEqual({
      from: "offered",
      set: { retrieved: now.toISOString() },
      unlessRetrieved: true,
    });
    expect(issuanceChange({ status: "issued" }, now)).toEqual({
      from: "offered",
      set: { status: "issued", issuedAt: now.toISOString() },
    });
    const error = { code: "issuance_service_error", message: "m" };
    expect(issuanceChange({ status: "issuanceFailed", error }, now)).toEqual({
      from: "offered",
      set: { status: "failed", failedAt: now.toISOString(), error },
    });
  });
});

describe("a trust's accessKeyManifest", () => {
  const trust = {
    id: "RTH",
    name: "Oxford",
    active: true,
    accessKeyType: "StaffPassportAccessKey",
    issuerDids: ["did:web:rth.staffpassport.nhs.uk"],
  };

  it("takes an https manifest URL that names its contract", () => {
    const manifest =
      "https://verifiedid.did.msidentity.com/v1.0/tenants/t/verifiableCredentials/contracts/c/manifest";
    expect(trustSchema.parse({ ...trust, accessKeyManifest: manifest }).accessKeyManifest).toBe(manifest);
  });

  it("refuses plain http to another host, and a URL that names no contract", () => {
    for (const accessKeyManifest of [
      "http://verifiedid.example/v1.0/verifiableCredentials/contracts/c/manifest",
      "https://verifiedid.example/manifest.json",
      "not a url",
    ]) {
      const parsed = trustSchema.safeParse({ ...trust, accessKeyManifest });
      expect(parsed.success, accessKeyManifest).toBe(false);
      expect(parsed.error?.issues[0]?.path).toEqual(["accessKeyManifest"]);
    }
  });
});
