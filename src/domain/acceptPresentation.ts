// The acceptance rules for a `presentation_verified` callback (API.md section 2), for logins and for shares.
// Pure: the callback handler decides what to store; these functions only say yes (with what was accepted) or no.

import { ACCESS_KEY_STAFF_CLAIMS, ACCESS_KEY_TRUST_CLAIM, shareableCredentialType } from "./catalogue.js";
import { credentialTypeOf, type Presentation, type PresentedCredential } from "./presentation.js";
import type { SharedCredential } from "./shareEvent.js";
import type { StaffClaimName, StaffClaims } from "./staffClaims.js";
import type { Trust } from "./trust.js";

export type { StaffClaimName, StaffClaims } from "./staffClaims.js";

/**
 * Why a presentation was refused. Stable: stored with the failed request and shown to the portal.
 * - `missing_subject`: the callback named no wallet holder.
 * - `subject_mismatch`: a share presented from another wallet than the one that logged in.
 * - `unexpected_credentials`: a type that was not requested, one presented twice, or a credential whose type
 *   cannot be told (see credentialTypeOf).
 * - `missing_credentials`: a requested type is absent (checked only when nothing unexpected was presented).
 * - `issuer_not_accepted`: the issuer is not one accepted for that type.
 * - `credential_revoked`: revocationStatus is REVOKED.
 * - `credential_status_unknown`: any other revocationStatus than VALID; not knowing is not good enough.
 * - `credential_not_yet_valid`: issuanceDate is in the future (beyond the clock tolerance).
 * - `credential_expired`: expirationDate has passed.
 * - `credential_dates_invalid`: a validity date that is not an RFC 3339 date-time (nothing else is guessed at).
 * - `holder_mismatch`: a claim the catalogue ties to the holder differs from the access key's.
 * - `presentation_incomplete`: a presented credential lacks a field these rules need.
 * - `wrong_trust`: the access key was issued for another trust.
 */
export type PresentationRefusalCode =
  | "missing_subject"
  | "subject_mismatch"
  | "unexpected_credentials"
  | "missing_credentials"
  | "issuer_not_accepted"
  | "credential_revoked"
  | "credential_status_unknown"
  | "credential_not_yet_valid"
  | "credential_expired"
  | "credential_dates_invalid"
  | "holder_mismatch"
  | "presentation_incomplete"
  | "wrong_trust";

/** The refusal; `message` is for people and never contains a claim value. */
export type PresentationRefusal = { readonly code: PresentationRefusalCode; readonly message: string };

export type Refused = { readonly ok: false; readonly error: PresentationRefusal };

export type LoginAcceptance =
  | { readonly ok: true; readonly subject: string; readonly staff: StaffClaims }
  | Refused;

/** A presented credential once accepted, with its type resolved to the one requested: what the trust receives. */
export type AcceptedCredential = SharedCredential;

export type ShareAcceptance =
  | { readonly ok: true; readonly subject: string; readonly credentials: readonly AcceptedCredential[] }
  | Refused;

/** What the share request asked for, and the wallet holder and staff claims of the session that created it. */
export type ExpectedShare = {
  readonly types: readonly string[];
  readonly subject: string;
  readonly staff: StaffClaims;
};

/**
 * Issuers' and our clocks differ a little; a credential issued seconds ago must not be refused as "not yet
 * valid". Expiry gets no tolerance: the issuer chose that date.
 */
export const ISSUANCE_CLOCK_TOLERANCE_MS = 60_000;

const VALID = "VALID";
const REVOKED = "REVOKED";

/**
 * Accepts an access key presentation for `trust`. Checks, in order: a subject is named; exactly the trust's
 * access key, once, and nothing else; its issuer is one of the trust's; VALID and inside its dates; issued for
 * this trust. The trust claim is checked last because it only means something once the issuer is trusted.
 */
export function acceptLoginPresentation(
  trust: Trust,
  presentation: Presentation,
  now: Date,
): LoginAcceptance {
  if (presentation.subject === "")
    return refuse("missing_subject", "The presentation names no wallet holder.");

  const matched = matchRequestedTypes(presentation.credentials, [trust.accessKeyType]);
  if (!matched.ok) return matched;
  const [accessKey] = matched.credentials;
  if (accessKey === undefined) return refuse("missing_credentials", "The access key was not presented.");

  const refusal = checkCredential(accessKey, trust.issuerDids, now);
  if (refusal !== undefined) return refusal;

  if (accessKey.claims[ACCESS_KEY_TRUST_CLAIM] !== trust.id) {
    return refuse("wrong_trust", "The access key was issued for another trust.");
  }
  return { ok: true, subject: presentation.subject, staff: staffClaimsOf(accessKey) };
}

/**
 * Accepts a share presentation. Checks, in order: a subject is named and is the one that logged in (if the
 * credentials come from another wallet, nothing else about them matters); every requested type once and
 * nothing else; each issuer accepted by the catalogue for its type; VALID and inside its dates; and the claims
 * the catalogue ties to the holder equal to the access key's (checked once the issuer is trusted).
 * The accepted credentials come back in the order they were requested.
 */
export function acceptSharePresentation(
  expected: ExpectedShare,
  presentation: Presentation,
  now: Date,
): ShareAcceptance {
  if (presentation.subject === "")
    return refuse("missing_subject", "The presentation names no wallet holder.");
  if (presentation.subject !== expected.subject) {
    return refuse(
      "subject_mismatch",
      "The credentials were presented from a different wallet than the one logged in.",
    );
  }

  const matched = matchRequestedTypes(presentation.credentials, expected.types);
  if (!matched.ok) return matched;

  const accepted: AcceptedCredential[] = [];
  for (const credential of matched.credentials) {
    // An unknown type or the access key has no catalogue entry, hence no accepted issuer.
    const entry = shareableCredentialType(credential.type);
    const refusal = checkCredential(credential, entry?.acceptedIssuers ?? [], now);
    if (refusal !== undefined) return refusal;
    for (const claim of entry?.holderClaims ?? []) {
      if (credential.claims[claim] !== expected.staff[claim]) {
        return refuse(
          "holder_mismatch",
          `The ${credential.type} credential names someone other than the holder of the access key.`,
        );
      }
    }
    accepted.push(credential);
  }
  return { ok: true, subject: presentation.subject, credentials: accepted };
}

type Matched = { readonly ok: true; readonly credentials: readonly AcceptedCredential[] } | Refused;

/** Pairs each requested type with the one credential of that type, refusing extras, repeats and gaps. */
function matchRequestedTypes(
  presented: readonly PresentedCredential[],
  requested: readonly string[],
): Matched {
  const wanted = new Set(requested);
  const byType = new Map<string, AcceptedCredential>();
  for (const credential of presented) {
    const type = credentialTypeOf(credential);
    if (type === undefined) {
      return refuse("unexpected_credentials", "A credential was presented whose type cannot be determined.");
    }
    if (!wanted.has(type)) {
      return refuse(
        "unexpected_credentials",
        `A credential of type ${type} was presented but not requested.`,
      );
    }
    if (byType.has(type)) {
      return refuse("unexpected_credentials", `More than one credential of type ${type} was presented.`);
    }
    byType.set(type, toAccepted(type, credential));
  }
  const credentials: AcceptedCredential[] = [];
  for (const type of wanted) {
    const credential = byType.get(type);
    if (credential === undefined) {
      return refuse("missing_credentials", `The requested credential ${type} was not presented.`);
    }
    credentials.push(credential);
  }
  return { ok: true, credentials };
}

/** Issuer, revocation status and validity dates of one credential. */
function checkCredential(
  credential: AcceptedCredential,
  acceptedIssuers: readonly string[],
  now: Date,
): Refused | undefined {
  const { type } = credential;
  if (!acceptedIssuers.includes(credential.issuer)) {
    return refuse(
      "issuer_not_accepted",
      `The issuer of the ${type} credential is not one this service accepts.`,
    );
  }
  if (credential.revocationStatus === REVOKED) {
    return refuse("credential_revoked", `The ${type} credential has been revoked by its issuer.`);
  }
  if (credential.revocationStatus !== VALID) {
    return refuse(
      "credential_status_unknown",
      `The revocation status of the ${type} credential is not known.`,
    );
  }
  const issued = parseDate(credential.issuanceDate);
  const expires = parseDate(credential.expirationDate);
  if (Number.isNaN(issued) || Number.isNaN(expires)) {
    return refuse(
      "credential_dates_invalid",
      `The ${type} credential has a validity date that is not a date.`,
    );
  }
  if (issued !== undefined && issued > now.getTime() + ISSUANCE_CLOCK_TOLERANCE_MS) {
    return refuse("credential_not_yet_valid", `The ${type} credential is not valid yet.`);
  }
  if (expires !== undefined && expires <= now.getTime()) {
    return refuse("credential_expired", `The ${type} credential has expired.`);
  }
  return undefined;
}

/** RFC 3339 section 5.6 date-time; `T`, `Z` and the offset in either case, fractions of any length. */
const RFC3339_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$/;

/**
 * Milliseconds since the epoch, undefined when absent, NaN when not an RFC 3339 date-time. Date.parse alone
 * would take "12/31/2099" in server-local time, or roll 30 February over into March.
 */
export function parseDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const match = RFC3339_DATE_TIME.exec(value);
  if (!match) return Number.NaN;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as number[];
  const [offsetHours, offsetMinutes] = [Number(match[9] ?? 0), Number(match[10] ?? 0)];
  const calendar = new Date(Date.UTC(year ?? 0, (month ?? 0) - 1, day ?? 0));
  if (
    calendar.getUTCDate() !== day ||
    calendar.getUTCMonth() !== (month ?? 0) - 1 ||
    (hour ?? 0) > 23 ||
    (minute ?? 0) > 59 ||
    (second ?? 0) > 60 ||
    offsetHours > 23 ||
    offsetMinutes > 59
  ) {
    return Number.NaN;
  }
  return Date.parse(value.toUpperCase());
}

function toAccepted(type: string, credential: PresentedCredential): AcceptedCredential {
  return { ...credential, type };
}

function staffClaimsOf(accessKey: AcceptedCredential): StaffClaims {
  const staff: { [name in StaffClaimName]?: string } = {};
  for (const name of ACCESS_KEY_STAFF_CLAIMS) {
    const value = accessKey.claims[name];
    if (typeof value === "string") staff[name] = value;
  }
  return staff;
}

function refuse(code: PresentationRefusalCode, message: string): Refused {
  return { ok: false, error: { code, message } };
}
