// Specification of the acceptance rules for login and share presentations (API.md section 2).

import { describe, expect, it } from "vitest";
import {
  acceptLoginPresentation,
  acceptSharePresentation,
  type PresentationRefusalCode,
} from "../../src/domain/acceptPresentation.js";
import { ESR_ISSUER, NHS_ENGLAND_ISSUER } from "../../src/domain/catalogue.js";
import type { Presentation, PresentedCredential } from "../../src/domain/presentation.js";
import type { Trust } from "../../src/domain/trust.js";

const now = new Date("2026-03-01T12:00:00Z");
const wallet = "did:ion:holder-one";
const trustIssuer = "did:web:keys.rbh.example";

const trust: Trust = {
  id: "RBH",
  name: "Royal Example Hospital",
  active: true,
  accessKeyType: "StaffPassportAccessKey",
  issuerDids: [trustIssuer],
};

function accessKey(overrides: Partial<PresentedCredential> = {}): PresentedCredential {
  return {
    issuer: trustIssuer,
    type: ["VerifiableCredential", "StaffPassportAccessKey"],
    claims: { trustId: "RBH", staffId: "S-1", givenName: "Ada", familyName: "Lovelace", jobTitle: "Nurse" },
    revocationStatus: "VALID",
    issuanceDate: "2026-01-01T00:00:00Z",
    expirationDate: "2027-01-01T00:00:00Z",
    ...overrides,
  };
}

function identity(overrides: Partial<PresentedCredential> = {}): PresentedCredential {
  return {
    issuer: NHS_ENGLAND_ISSUER,
    type: ["VerifiableCredential", "StaffPassportIdentity"],
    claims: { givenName: "Ada" },
    revocationStatus: "VALID",
    ...overrides,
  };
}

function dbs(overrides: Partial<PresentedCredential> = {}): PresentedCredential {
  return {
    issuer: ESR_ISSUER,
    type: ["VerifiableCredential", "StaffPassportDbsCheck"],
    claims: { level: "enhanced" },
    revocationStatus: "VALID",
    ...overrides,
  };
}

function presented(...credentials: PresentedCredential[]): Presentation {
  return { subject: wallet, credentials };
}

function refusalCode(result: { ok: boolean; error?: { code: PresentationRefusalCode } }) {
  return result.ok ? "accepted" : result.error?.code;
}

describe("acceptLoginPresentation", () => {
  it("accepts the trust's access key and returns the holder and only the staff claims", () => {
    const key = accessKey({ claims: { trustId: "RBH", staffId: "S-1", givenName: "Ada", secret: "x" } });
    expect(acceptLoginPresentation(trust, presented(key), now)).toEqual({
      ok: true,
      subject: wallet,
      staff: { staffId: "S-1", givenName: "Ada" },
    });
  });

  it("leaves out staff claims that are not strings", () => {
    const key = accessKey({ claims: { trustId: "RBH", staffId: 42, jobTitle: { nested: true } } });
    expect(acceptLoginPresentation(trust, presented(key), now)).toEqual({
      ok: true,
      subject: wallet,
      staff: {},
    });
  });

  it("refuses a presentation with no access key", () => {
    expect(refusalCode(acceptLoginPresentation(trust, presented(), now))).toBe("missing_credentials");
  });

  it("refuses the access key presented twice", () => {
    const result = acceptLoginPresentation(trust, presented(accessKey(), accessKey()), now);
    expect(refusalCode(result)).toBe("unexpected_credentials");
  });

  it("refuses an access key presented together with another credential", () => {
    const result = acceptLoginPresentation(trust, presented(accessKey(), identity()), now);
    expect(refusalCode(result)).toBe("unexpected_credentials");
  });

  it("refuses another trust's access key type", () => {
    const key = accessKey({ type: ["VerifiableCredential", "OtherTrustAccessKey"] });
    expect(refusalCode(acceptLoginPresentation(trust, presented(key), now))).toBe("unexpected_credentials");
  });

  it("refuses a credential whose type is ambiguous", () => {
    const key = accessKey({
      type: ["VerifiableCredential", "StaffPassportAccessKey", "StaffPassportIdentity"],
    });
    expect(refusalCode(acceptLoginPresentation(trust, presented(key), now))).toBe("unexpected_credentials");
  });

  it("refuses a credential that lists only the base type", () => {
    const key = accessKey({ type: ["VerifiableCredential"] });
    expect(refusalCode(acceptLoginPresentation(trust, presented(key), now))).toBe("unexpected_credentials");
  });

  it("finds the access key type wherever it sits in the type list", () => {
    const key = accessKey({ type: ["StaffPassportAccessKey", "VerifiableCredential"] });
    expect(acceptLoginPresentation(trust, presented(key), now).ok).toBe(true);
  });

  it("refuses an access key from an issuer the trust does not use", () => {
    const key = accessKey({ issuer: "did:web:keys.other.example" });
    expect(refusalCode(acceptLoginPresentation(trust, presented(key), now))).toBe("issuer_not_accepted");
  });

  it("refuses a revoked access key", () => {
    const key = accessKey({ revocationStatus: "REVOKED" });
    expect(refusalCode(acceptLoginPresentation(trust, presented(key), now))).toBe("credential_revoked");
  });

  it("refuses an access key whose revocation status is anything but VALID", () => {
    for (const revocationStatus of ["UNKNOWN", "SUSPENDED", "valid", ""]) {
      const key = accessKey({ revocationStatus });
      expect(refusalCode(acceptLoginPresentation(trust, presented(key), now))).toBe(
        "credential_status_unknown",
      );
    }
  });

  it("refuses an access key that expired, including one expiring this very moment", () => {
    for (const expirationDate of ["2026-02-28T00:00:00Z", now.toISOString()]) {
      const key = accessKey({ expirationDate });
      expect(refusalCode(acceptLoginPresentation(trust, presented(key), now))).toBe("credential_expired");
    }
  });

  it("refuses an access key issued in the future beyond a minute of clock skew", () => {
    const key = accessKey({ issuanceDate: "2026-03-01T12:01:01Z" });
    expect(refusalCode(acceptLoginPresentation(trust, presented(key), now))).toBe("credential_not_yet_valid");
  });

  it("accepts an access key issued less than a minute ahead of our clock", () => {
    const key = accessKey({ issuanceDate: "2026-03-01T12:00:59Z" });
    expect(acceptLoginPresentation(trust, presented(key), now).ok).toBe(true);
  });

  it("accepts an access key without validity dates", () => {
    const { issuanceDate: _issued, expirationDate: _expires, ...undated } = accessKey();
    expect(acceptLoginPresentation(trust, presented(undated), now).ok).toBe(true);
  });

  it("refuses an access key whose validity date is not a date", () => {
    const key = accessKey({ expirationDate: "next year" });
    expect(refusalCode(acceptLoginPresentation(trust, presented(key), now))).toBe("credential_dates_invalid");
  });

  it("refuses an access key issued for another trust", () => {
    const key = accessKey({ claims: { trustId: "RXX", staffId: "S-1" } });
    expect(refusalCode(acceptLoginPresentation(trust, presented(key), now))).toBe("wrong_trust");
  });

  it("refuses an access key that names no trust", () => {
    const key = accessKey({ claims: { staffId: "S-1" } });
    expect(refusalCode(acceptLoginPresentation(trust, presented(key), now))).toBe("wrong_trust");
  });

  it("refuses a presentation that names no wallet holder", () => {
    const result = acceptLoginPresentation(trust, { subject: "", credentials: [accessKey()] }, now);
    expect(refusalCode(result)).toBe("missing_subject");
  });

  it("never puts claim values in the refusal message", () => {
    const key = accessKey({ claims: { trustId: "SECRET-TRUST-VALUE", staffId: "SECRET-STAFF-VALUE" } });
    const result = acceptLoginPresentation(trust, presented(key), now);
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).not.toContain("SECRET");
  });
});

describe("acceptSharePresentation", () => {
  const expected = { types: ["StaffPassportIdentity", "StaffPassportDbsCheck"], subject: wallet };

  it("accepts every requested credential and returns them in the requested order with their types", () => {
    const result = acceptSharePresentation(expected, presented(dbs(), identity()), now);
    expect(result).toEqual({
      ok: true,
      subject: wallet,
      credentials: [
        {
          type: "StaffPassportIdentity",
          issuer: NHS_ENGLAND_ISSUER,
          claims: { givenName: "Ada" },
          revocationStatus: "VALID",
        },
        {
          type: "StaffPassportDbsCheck",
          issuer: ESR_ISSUER,
          claims: { level: "enhanced" },
          revocationStatus: "VALID",
        },
      ],
    });
  });

  it("keeps the validity dates of accepted credentials", () => {
    const dated = identity({ issuanceDate: "2026-01-01T00:00:00Z", expirationDate: "2030-01-01T00:00:00Z" });
    const result = acceptSharePresentation(
      { types: ["StaffPassportIdentity"], subject: wallet },
      presented(dated),
      now,
    );
    expect(result.ok && result.credentials[0]).toMatchObject({
      issuanceDate: "2026-01-01T00:00:00Z",
      expirationDate: "2030-01-01T00:00:00Z",
    });
  });

  it("refuses a share presented from another wallet", () => {
    const result = acceptSharePresentation(
      expected,
      { subject: "did:ion:someone-else", credentials: [identity(), dbs()] },
      now,
    );
    expect(refusalCode(result)).toBe("subject_mismatch");
  });

  it("refuses a share that names no wallet holder even if the session had none", () => {
    const result = acceptSharePresentation(
      { ...expected, subject: "" },
      { subject: "", credentials: [identity(), dbs()] },
      now,
    );
    expect(refusalCode(result)).toBe("missing_subject");
  });

  it("refuses a share missing one of the requested credentials", () => {
    expect(refusalCode(acceptSharePresentation(expected, presented(identity()), now))).toBe(
      "missing_credentials",
    );
  });

  it("refuses a share with a credential that was not requested", () => {
    const result = acceptSharePresentation(expected, presented(identity(), dbs(), accessKey()), now);
    expect(refusalCode(result)).toBe("unexpected_credentials");
  });

  it("refuses a share with a requested credential presented twice", () => {
    const result = acceptSharePresentation(expected, presented(identity(), dbs(), identity()), now);
    expect(refusalCode(result)).toBe("unexpected_credentials");
  });

  it("refuses a credential from an issuer the catalogue does not accept for its type", () => {
    // ESR issues DBS checks, not identities.
    const result = acceptSharePresentation(expected, presented(identity({ issuer: ESR_ISSUER }), dbs()), now);
    expect(refusalCode(result)).toBe("issuer_not_accepted");
  });

  it("refuses a requested type the catalogue does not know, since no issuer is accepted for it", () => {
    const result = acceptSharePresentation(
      { types: ["StaffPassportAccessKey"], subject: wallet },
      presented(accessKey()),
      now,
    );
    expect(refusalCode(result)).toBe("issuer_not_accepted");
  });

  it("refuses a revoked credential", () => {
    const result = acceptSharePresentation(
      expected,
      presented(identity(), dbs({ revocationStatus: "REVOKED" })),
      now,
    );
    expect(refusalCode(result)).toBe("credential_revoked");
  });

  it("refuses a credential whose revocation status is not known", () => {
    const result = acceptSharePresentation(
      expected,
      presented(identity({ revocationStatus: "UNKNOWN" }), dbs()),
      now,
    );
    expect(refusalCode(result)).toBe("credential_status_unknown");
  });

  it("refuses an expired credential", () => {
    const result = acceptSharePresentation(
      expected,
      presented(identity(), dbs({ expirationDate: "2026-01-01T00:00:00Z" })),
      now,
    );
    expect(refusalCode(result)).toBe("credential_expired");
  });

  it("refuses a credential that is not valid yet", () => {
    const result = acceptSharePresentation(
      expected,
      presented(identity({ issuanceDate: "2026-04-01T00:00:00Z" }), dbs()),
      now,
    );
    expect(refusalCode(result)).toBe("credential_not_yet_valid");
  });

  it("names the credential type but no claim value in the refusal message", () => {
    const result = acceptSharePresentation(
      expected,
      presented(identity(), dbs({ revocationStatus: "REVOKED", claims: { level: "SECRET-LEVEL" } })),
      now,
    );
    expect(result.ok ? "" : result.error.message).toContain("StaffPassportDbsCheck");
    expect(JSON.stringify(result)).not.toContain("SECRET");
  });
});
