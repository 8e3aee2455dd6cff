// The callback body schema accepts what the Request Service documents, ignores what it adds, and refuses the rest.
import { describe, expect, it } from "vitest";
import { callbackReportOf, verifiedIdCallbackSchema } from "../../src/adapters/verifiedId/index.js";

const verified = {
  requestId: "e4ef27ca-eb8c-4b63-823b-3b95140eac11",
  requestStatus: "presentation_verified",
  state: "state-1",
  subject: "did:jwk:abc",
  verifiedCredentialsData: [
    {
      issuer: "did:web:esr.staffpassport.nhs.uk",
      type: ["VerifiableCredential", "StaffPassportDbsCheck"],
      claims: { outcome: "No information disclosed" },
      credentialState: { revocationStatus: "VALID" },
      domainValidation: { url: "https://esr.staffpassport.nhs.uk/" },
      issuanceDate: "2025-07-04T09:00:00Z",
      expirationDate: "2028-07-03T23:59:59Z",
      faceCheck: { matchConfidenceScore: 86.3, sourcePhotoQuality: "HIGH" },
    },
  ],
  receipt: { id_token: "a.b.c", vp_token: ["d.e.f"], state: "state-1" },
};

describe("verifiedIdCallbackSchema", () => {
  it("accepts a documented presentation_verified body and strips fields it does not know", () => {
    const parsed = verifiedIdCallbackSchema.parse({ ...verified, photo: "base64..." });
    expect(parsed).not.toHaveProperty("photo");
    expect(parsed.receipt).toEqual({ id_token: "a.b.c", vp_token: ["d.e.f"] });
    expect(callbackReportOf(parsed)).toEqual({
      requestId: verified.requestId,
      state: "state-1",
      status: "verified",
      presentation: {
        ok: true,
        subject: "did:jwk:abc",
        credentials: [
          {
            issuer: "did:web:esr.staffpassport.nhs.uk",
            type: ["VerifiableCredential", "StaffPassportDbsCheck"],
            claims: { outcome: "No information disclosed" },
            revocationStatus: "VALID",
            format: "jwt_vc_json",
            issuanceDate: "2025-07-04T09:00:00Z",
            expirationDate: "2028-07-03T23:59:59Z",
          },
        ],
      },
    });
  });

  it("reports a presentation whose credential lacks a field the rules need as incomplete, not malformed", () => {
    for (const field of ["issuer", "type", "claims", "credentialState"]) {
      const credential: Record<string, unknown> = { ...verified.verifiedCredentialsData[0] };
      delete credential[field];
      const parsed = verifiedIdCallbackSchema.parse({ ...verified, verifiedCredentialsData: [credential] });
      expect(callbackReportOf(parsed), field).toMatchObject({
        status: "verified",
        presentation: { ok: false },
      });
    }
  });

  it("accepts request_retrieved and presentation_error bodies", () => {
    expect(
      verifiedIdCallbackSchema.safeParse({ requestId: "r", requestStatus: "request_retrieved", state: "s" })
        .success,
    ).toBe(true);
    const error = {
      requestId: "r",
      requestStatus: "presentation_error",
      state: "s",
      error: { code: "c", message: "m" },
    };
    expect(verifiedIdCallbackSchema.parse(error).error).toEqual({ code: "c", message: "m" });
  });

  it("refuses an unknown status or a body without state", () => {
    expect(
      verifiedIdCallbackSchema.safeParse({ requestId: "r", requestStatus: "issuance_pending", state: "s" })
        .success,
    ).toBe(false);
    expect(
      verifiedIdCallbackSchema.safeParse({ requestId: "r", requestStatus: "request_retrieved" }).success,
    ).toBe(false);
  });

  it("reads an issuance request's callbacks: issuance_successful as issued, issuance_error with its error", () => {
    const base = { requestId: "r", state: "s" };
    const issued = verifiedIdCallbackSchema.parse({ ...base, requestStatus: "issuance_successful" });
    expect(callbackReportOf(issued)).toEqual({ ...base, status: "issued" });
    const failed = verifiedIdCallbackSchema.parse({
      ...base,
      requestStatus: "issuance_error",
      error: { code: "issuance_service_error", message: "The PIN was entered wrongly too many times." },
    });
    expect(callbackReportOf(failed)).toEqual({
      ...base,
      status: "issuanceFailed",
      error: { code: "issuance_service_error", message: "The PIN was entered wrongly too many times." },
    });
  });
});
