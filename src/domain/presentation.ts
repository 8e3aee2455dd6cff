// What a Verified ID presentation callback reports, as plain data the acceptance rules read.
// Callers map the validated callback body into these types; nothing here knows the wire format.

/** One credential from `verifiedCredentialsData`, as the Request Service reported it. */
export type PresentedCredential = {
  readonly issuer: string;
  /** As in the credential, e.g. ["VerifiableCredential", "StaffPassportAccessKey"]. */
  readonly type: readonly string[];
  readonly claims: Readonly<Record<string, unknown>>;
  /** `credentialState.revocationStatus`, e.g. "VALID" or "REVOKED". */
  readonly revocationStatus: string;
  /** RFC 3339, when the credential states it. */
  readonly issuanceDate?: string;
  /** RFC 3339, when the credential states it. */
  readonly expirationDate?: string;
};

/** A `presentation_verified` callback: the wallet holder's DID and what it presented. */
export type Presentation = {
  readonly subject: string;
  readonly credentials: readonly PresentedCredential[];
};

/** The base type every W3C credential lists; it never identifies what the credential is. */
export const BASE_CREDENTIAL_TYPE = "VerifiableCredential";

/**
 * The credential's own type: the single entry of `type` other than "VerifiableCredential".
 * Undefined when there is none or more than one, so an ambiguous credential never matches a requested
 * type by accident (Verified ID contracts give every credential exactly one such type).
 */
export function credentialTypeOf(credential: Pick<PresentedCredential, "type">): string | undefined {
  const specific = credential.type.filter((entry) => entry !== BASE_CREDENTIAL_TYPE);
  return specific.length === 1 ? specific[0] : undefined;
}

/**
 * A Verified ID callback as the use case reads it. A presentation is `ok: false` when a credential lacked a
 * field the acceptance rules need: the request then fails with `presentation_incomplete`.
 */
export type CallbackReport = { readonly requestId: string; readonly state: string } & (
  | { readonly status: "retrieved" }
  | { readonly status: "error" }
  | {
      readonly status: "verified";
      readonly presentation: ({ readonly ok: true } & Presentation) | { readonly ok: false };
    }
);
