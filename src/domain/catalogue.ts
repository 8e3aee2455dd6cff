// The credential catalogue: which credential types exist, who may issue them, and how the portal describes them.
// Issuer DIDs here are the ones the service accepts for shareable types; the access key's issuers are per trust
// (see Trust.issuerDids), so the catalogue names none for it.

/** The type of the per-trust login credential that every trust issues to its staff. */
export const ACCESS_KEY_TYPE = "StaffPassportAccessKey";

/** The access key claim that names the trust the key was issued for; it must equal the trust's id. */
export const ACCESS_KEY_TRUST_CLAIM = "trustId";

/** The access key claims copied into the session token's `staff` claim (nothing else is copied). */
export const ACCESS_KEY_STAFF_CLAIMS = ["staffId", "givenName", "familyName", "jobTitle"] as const;

/**
 * The SD-JWT VC type (`vct`) of a catalogue type, access key included, as standard wallets hold it (API.md
 * section 9). One namespace with the share events' types.
 */
export function vctOf(type: string): string {
  return `${VCT_PREFIX}${type}`;
}

const VCT_PREFIX = "urn:nhs:staff-passport:vct:";

/** The catalogue type a `vct` names, or undefined when it is not one of ours. */
export function typeOfVct(vct: string): string | undefined {
  if (!vct.startsWith(VCT_PREFIX)) return undefined;
  const type = vct.slice(VCT_PREFIX.length);
  return type === ACCESS_KEY_TYPE || byType.has(type) ? type : undefined;
}

/**
 * The claims an access key discloses to a standard wallet's login: the trust it is for and the staff claims the
 * session carries. A share asks the access key for the trust claim only, to bind the share to the login's wallet.
 */
export const ACCESS_KEY_DISCLOSED_CLAIMS = [ACCESS_KEY_TRUST_CLAIM, ...ACCESS_KEY_STAFF_CLAIMS] as const;

/**
 * An issuer's SD-JWT VC `iss` from its DID: did:web names an https origin (and path) by definition, so an issuer
 * the catalogue accepts as `did:web:host` signs its SD-JWT VCs as `https://host`. Undefined for other DIDs.
 */
export function issuerUrlOfDid(did: string): string | undefined {
  const match = /^did:web:([^:]+)((?::[^:]+)*)$/.exec(did);
  if (!match?.[1]) return undefined;
  const host = decodeURIComponent(match[1]);
  const path = (match[2] ?? "").split(":").map(decodeURIComponent).join("/");
  return `https://${host}${path}`;
}

/** The did:web DID of an SD-JWT VC issuer's https `iss`, so that one list of accepted issuers serves both formats. */
export function didOfIssuerUrl(iss: string): string | undefined {
  let url: URL;
  try {
    url = new URL(iss);
  } catch {
    return undefined;
  }
  if (url.protocol !== "https:" || url.search !== "" || url.hash !== "" || url.username !== "")
    return undefined;
  const path = url.pathname === "/" ? "" : url.pathname.replace(/\/$/, "");
  const segments = path
    .split("/")
    .filter((segment) => segment !== "")
    .map(encodeURIComponent);
  return ["did:web", encodeURIComponent(url.host), ...segments].join(":");
}

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
  /**
   * The claims a trust needs from this credential: all a standard wallet is asked to disclose (API.md section 9).
   * Selective disclosure is data minimisation; a claim not listed stays in the wallet.
   */
  readonly disclosedClaims: readonly [string, ...string[]];
  /**
   * Claims that an SD-JWT VC carries under another name, because SD-JWT VC registers theirs (section 3.2.2: `status`
   * is the status list reference). The trust receives them under the catalogue's name in `claims` either way.
   */
  readonly sdJwtClaimNames?: Readonly<Record<string, string>>;
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
    disclosedClaims: ["givenName", "familyName", "dateOfBirth", "verificationMethod"],
    holderClaims: ["givenName", "familyName"],
  },
  {
    type: "StaffPassportRightToWork",
    displayName: "Right to work",
    description: "Confirmation that you have the right to work in the UK, and until when.",
    purpose: "To meet the right to work check",
    acceptedIssuers: [NHS_ENGLAND_ISSUER],
    disclosedClaims: ["givenName", "familyName", "status", "checkMethod", "checkedOn"],
    sdJwtClaimNames: { status: "rightToWorkStatus" },
    holderClaims: ["givenName", "familyName"],
  },
  {
    type: "StaffPassportDbsCheck",
    displayName: "DBS check",
    description: "The level and outcome of your Disclosure and Barring Service check.",
    purpose: "To meet the criminal record check",
    acceptedIssuers: [ESR_ISSUER],
    disclosedClaims: [
      "certificateNumber",
      "level",
      "workforce",
      "outcome",
      "issuedOn",
      "updateServiceSubscribed",
    ],
  },
  {
    type: "StaffPassportProfessionalRegistration",
    displayName: "Professional registration",
    description: "Your registration with a professional regulator such as the GMC, NMC or HCPC.",
    purpose: "To meet the professional registration check",
    acceptedIssuers: [REGISTRATION_ISSUER],
    disclosedClaims: ["regulator", "registrationNumber", "profession", "status", "renewalDate"],
    sdJwtClaimNames: { status: "registrationStatus" },
  },
  {
    type: "StaffPassportEmploymentHistory",
    displayName: "Employment history",
    description: "Your NHS employment history: employers, roles and dates.",
    purpose: "To meet the employment history and reference check",
    acceptedIssuers: [ESR_ISSUER],
    disclosedClaims: ["employments"],
  },
  {
    type: "StaffPassportStatutoryMandatoryTraining",
    displayName: "Statutory and mandatory training",
    description:
      "Your core skills training aligned to the Core Skills Training Framework, with completion dates.",
    purpose: "To confirm your statutory and mandatory training",
    acceptedIssuers: [ESR_ISSUER],
    disclosedClaims: ["framework", "courses"],
  },
  {
    type: "StaffPassportOccupationalHealth",
    displayName: "Occupational health",
    description: "Your occupational health clearance and immunisation record.",
    purpose: "To meet the occupational health check",
    acceptedIssuers: [ESR_ISSUER],
    disclosedClaims: ["clearance", "exposureProneProcedures"],
  },
];

const byType = new Map(SHAREABLE_CREDENTIAL_TYPES.map((entry) => [entry.type, entry]));

/** The name a catalogue claim of the type has in its SD-JWT VC form (API.md section 9). */
export function sdJwtClaimName(type: string, claim: string): string {
  return byType.get(type)?.sdJwtClaimNames?.[claim] ?? claim;
}

/** The catalogue's name of an SD-JWT VC claim of the type: sdJwtClaimName undone. */
export function catalogueClaimName(type: string, sdJwtName: string): string {
  const renamed = Object.entries(byType.get(type)?.sdJwtClaimNames ?? {}).find(
    ([, name]) => name === sdJwtName,
  );
  return renamed?.[0] ?? sdJwtName;
}

/** The catalogue entry for a shareable type, or undefined for an unknown type or the access key. */
export function shareableCredentialType(type: string): ShareableCredentialType | undefined {
  return byType.get(type);
}
