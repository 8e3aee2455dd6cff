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

const now = new Date();
/** An RFC 3339 date-time this many days from now. */
const daysFromNow = (days: number) => new Date(now.getTime() + days * 86_400_000).toISOString();
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
    issuanceDate: daysFromNow(-60),
    expirationDate: daysFromNow(300),
    ...overrides,
  };
}

function identity(overrides: Partial<PresentedCredential> = {}): PresentedCredential {
  return {
    issuer: NHS_ENGLAND_ISSUER,
    type: ["VerifiableCredential", "StaffPassportIdentity"],
    claims: { givenName: "Ada", familyName: "Lovelace" },
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
    for (const expirationDate of [daysFromNow(-1), now.toISOString()]) {
      const key = accessKey({ expirationDate });
      expect(refusalCode(acceptLoginPresentation(trust, presented(key), now))).toBe("credential_expired");
    }
  });

  it("refuses an access key issued in the future beyond a minute of clock skew", () => {
    const key = accessKey({ issuanceDate: new Date(now.getTime() + 61_000).toISOString() });
    expect(refusalCode(acceptLoginPresentation(trust, presented(key), now))).toBe("credential_not_yet_valid");
  });

  it("accepts an access key issued less than a minute ahead of our clock", () => {
    const key = accessKey({ issuanceDate: new Date(now.getTime() + 59_000).toISOString() });
    expect(acceptLoginPresentation(trust, presented(key), now).ok).toBe(true);
  });

  it("accepts an access key issued exactly a minute ahead of our clock, and refuses one a millisecond later", () => {
    const atTolerance = accessKey({ issuanceDate: new Date(now.getTime() + 60_000).toISOString() });
    expect(acceptLoginPresentation(trust, presented(atTolerance), now).ok).toBe(true);
    const past = accessKey({ issuanceDate: new Date(now.getTime() + 60_001).toISOString() });
    expect(refusalCode(acceptLoginPresentation(trust, presented(past), now))).toBe(
      "credential_not_yet_valid",
    );
  });

  it("accepts an access key expiring a millisecond from now", () => {
    const key = accessKey({ expirationDate: new Date(now.getTime() + 1).toISOString() });
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
  const staff = { staffId: "S-1", givenName: "Ada", familyName: "Lovelace" };
  const expected = { types: ["StaffPassportIdentity", "StaffPassportDbsCheck"], subject: wallet, staff };

  it("accepts every requested credential and returns them in the requested order with their types", () => {
    const result = acceptSharePresentation(expected, presented(dbs(), identity()), now);
    expect(result).toEqual({
      ok: true,
      subject: wallet,
      credentials: [
        {
          type: "StaffPassportIdentity",
          issuer: NHS_ENGLAND_ISSUER,
          claims: { givenName: "Ada", familyName: "Lovelace" },
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
    const [issuanceDate, expirationDate] = [daysFromNow(-60), daysFromNow(1000)];
    const dated = identity({ issuanceDate, expirationDate });
    const result = acceptSharePresentation(
      { types: ["StaffPassportIdentity"], subject: wallet, staff },
      presented(dated),
      now,
    );
    expect(result.ok && result.credentials[0]).toMatchObject({ issuanceDate, expirationDate });
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
      { types: ["StaffPassportAccessKey"], subject: wallet, staff },
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
      presented(identity(), dbs({ expirationDate: daysFromNow(-1) })),
      now,
    );
    expect(refusalCode(result)).toBe("credential_expired");
  });

  it("refuses a credential that is not valid yet", () => {
    const result = acceptSharePresentation(
      expected,
      presented(identity({ issuanceDate: daysFromNow(30) }), dbs()),
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

  it("refuses an identity that names someone other than the holder of the access key", () => {
    const someoneElse = identity({ claims: { givenName: "Grace", familyName: "Hopper" } });
    expect(refusalCode(acceptSharePresentation(expected, presented(someoneElse, dbs()), now))).toBe(
      "holder_mismatch",
    );
  });

  it("refuses an identity that carries no name claims at all, or only some of them", () => {
    for (const claims of [{}, { givenName: "Ada" }, { familyName: "Lovelace" }]) {
      const nameless = identity({ claims });
      expect(
        refusalCode(acceptSharePresentation(expected, presented(nameless, dbs()), now)),
        JSON.stringify(claims),
      ).toBe("holder_mismatch");
    }
  });

  it("refuses validity dates that are not RFC 3339 date-times instead of guessing", () => {
    for (const date of [
      "12/31/2099",
      "2099-12-31",
      "2099-02-30T00:00:00Z",
      "2099-12-31T25:00:00Z",
      "tomorrow",
    ]) {
      const result = acceptSharePresentation(
        expected,
        presented(identity(), dbs({ expirationDate: date })),
        now,
      );
      expect(refusalCode(result), date).toBe("credential_dates_invalid");
    }
  });

  it("takes RFC 3339 date-times with an offset, fractions and lower-case separators", () => {
    const future = daysFromNow(30);
    for (const date of [future, future.replace("Z", "+00:00"), future.replace("T", "t").replace("Z", "z")]) {
      const result = acceptSharePresentation(
        expected,
        presented(identity(), dbs({ expirationDate: date })),
        now,
      );
      expect(result.ok, date).toBe(true);
    }
  });
});
