// The credential catalogue: which credential types exist, who may issue them, and how the portal describes them.
// Issuer DIDs here are the ones the service accepts for shareable types; the access key's issuers are per trust
// (see Trust.issuerDids), so the catalogue names none for it.

/** The type of the per-trust login credential that every trust issues to its staff. */
export const ACCESS_KEY_TYPE = "StaffPassportAccessKey";

/** The access key claim that names the trust the key was issued for; it must equal the trust's id. */
export const ACCESS_KEY_TRUST_CLAIM = "trustId";

/** The access key claims copied into the session token's `staff` claim (nothing else is copied). */
export const ACCESS_KEY_STAFF_CLAIMS = ["staffId", "givenName", "familyName", "jobTitle"] as const;

/** Issuer of the national identity and right-to-work credentials (issued once, used at every trust). */
export const NHS_ENGLAND_ISSUER = "did:web:staffpassport.nhs.uk";
/** Issuer of the employment, training and occupational health records drawn from the national workforce system. */
export const ESR_ISSUER = "did:web:esr.staffpassport.nhs.uk";
/** Issuer of professional registration credentials (regulator checks relayed by the national service). */
export const REGISTRATION_ISSUER = "did:web:registration.staffpassport.nhs.uk";

export type ShareableCredentialType = {
  readonly type: string;
  readonly displayName: string;
  readonly description: string;
  /** Why the receiving trust asks for it; shown by the wallet. */
  readonly purpose: string;
  /** Never empty: an empty list would mean "any issuer" to the Request Service. */
  readonly acceptedIssuers: readonly [string, ...string[]];
  /**
   * Claims that name the holder and must equal the access key's claims of the same name, so that a credential
   * about someone else cannot be shared under this staff member's name.
   */
  readonly holderClaims?: readonly AccessKeyStaffClaim[];
};

export type AccessKeyStaffClaim = (typeof ACCESS_KEY_STAFF_CLAIMS)[number];

export const SHAREABLE_CREDENTIAL_TYPES: readonly ShareableCredentialType[] = [
  {
    type: "StaffPassportIdentity",
    displayName: "Identity",
    description:
      "Your verified identity: name, date of birth and photo, checked face to face or through a certified identity app.",
    purpose: "To confirm who you are",
    acceptedIssuers: [NHS_ENGLAND_ISSUER],
    holderClaims: ["givenName", "familyName"],
  },
  {
    type: "StaffPassportRightToWork",
    displayName: "Right to work",
    description: "Confirmation that you have the right to work in the UK, and until when.",
    purpose: "To meet the right to work check",
    acceptedIssuers: [NHS_ENGLAND_ISSUER],
    holderClaims: ["givenName", "familyName"],
  },
  {
    type: "StaffPassportDbsCheck",
    displayName: "DBS check",
    description: "The level and outcome of your Disclosure and Barring Service check.",
    purpose: "To meet the criminal record check",
    acceptedIssuers: [ESR_ISSUER],
  },
  {
    type: "StaffPassportProfessionalRegistration",
    displayName: "Professional registration",
    description: "Your registration with a professional regulator such as the GMC, NMC or HCPC.",
    purpose: "To meet the professional registration check",
    acceptedIssuers: [REGISTRATION_ISSUER],
  },
  {
    type: "StaffPassportEmploymentHistory",
    displayName: "Employment history",
    description: "Your NHS employment history: employers, roles and dates.",
    purpose: "To meet the employment history and reference check",
    acceptedIssuers: [ESR_ISSUER],
  },
  {
    type: "StaffPassportStatutoryMandatoryTraining",
    displayName: "Statutory and mandatory training",
    description:
      "Your core skills training aligned to the Core Skills Training Framework, with completion dates.",
    purpose: "To confirm your statutory and mandatory training",
    acceptedIssuers: [ESR_ISSUER],
  },
  {
    type: "StaffPassportOccupationalHealth",
    displayName: "Occupational health",
    description: "Your occupational health clearance and immunisation record.",
    purpose: "To meet the occupational health check",
    acceptedIssuers: [ESR_ISSUER],
  },
];

const byType = new Map(SHAREABLE_CREDENTIAL_TYPES.map((entry) => [entry.type, entry]));

/** The catalogue entry for a shareable type, or undefined for an unknown type or the access key. */
export function shareableCredentialType(type: string): ShareableCredentialType | undefined {
  return byType.get(type);
}
