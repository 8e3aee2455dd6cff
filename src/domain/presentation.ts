// What a Verified ID presentation callback reports, as plain data the acceptance rules read.
// Callers map the validated callback body (or a standard wallet's verified response) into these types; nothing
// here knows the wire format.
import type { CredentialFormat } from "./shareEvent.js";

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
  readonly format?: CredentialFormat;
  /** An SD-JWT VC as presented, without its key binding JWT (see SharedCredential). */
  readonly presentation?: string;
};

/**
 * A verified presentation: the wallet holder and what it presented. From Verified ID the holder is the wallet's
 * DID; from a standard wallet (OpenID4VP) it is the JWK thumbprint URI of the access key's holder key.
 */
export type Presentation = {
  readonly subject: string;
  readonly credentials: readonly PresentedCredential[];
  /**
   * An OpenID4VP share's access key, presented beside the shared credentials to bind them to the login: it is
   * checked as a login checks it and never shared.
   */
  readonly accessKey?: PresentedCredential;
};

/** RFC 9278's URI prefix of an RFC 7638 SHA-256 thumbprint: how a standard wallet's holder is named. */
export const JWK_THUMBPRINT_URI = "urn:ietf:params:oauth:jwk-thumbprint:sha-256:";

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
  /** A standard wallet's response that failed a check before the acceptance rules (API.md section 9). */
  | { readonly status: "refused"; readonly error: { readonly code: string; readonly message: string } }
  | {
      readonly status: "verified";
      readonly presentation: ({ readonly ok: true } & Presentation) | { readonly ok: false };
    }
  /** An issuance request's outcomes (API.md section 10): the wallet holds the credential, or issuance failed. */
  | { readonly status: "issued" }
  | {
      readonly status: "issuanceFailed";
      readonly error: { readonly code: string; readonly message?: string };
    }
);
