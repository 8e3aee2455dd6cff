// An access key as the trust that issued it sees it (API.md section 10): offered through a Verified ID issuance
// request, then issued, failed or revoked. "expired" is never stored: an offer nobody took is read as expired.
import type { RequestBase } from "./requestBase.js";

/** What is stored; `expired` is derived (accessKeyStatus). `failed` adds Verified ID's `issuance_error` to the four. */
export type StoredAccessKeyStatus = "offered" | "issued" | "failed" | "revoked";
export type AccessKeyStatus = StoredAccessKeyStatus | "expired";

/** A PIN of this many digits: Microsoft's default, inside its bounds of 4 to 16. */
export const ACCESS_KEY_PIN_LENGTH = 6;

/** How long an issued access key is valid: a year, after which the trust issues another. */
export const ACCESS_KEY_VALIDITY_DAYS = 365;

export type AccessKey = {
  /** Our id, minted with mintId; also the credential's indexed claim, by which Verified ID revokes it. */
  readonly id: string;
  readonly trustId: string;
  readonly staffId: string;
  readonly status: StoredAccessKeyStatus;
  /** Our id of the issuance request in `requests`, which its callbacks name. */
  readonly requestId: string;
  /** The issuer DID the credential is issued by, and the contract's manifest: what revocation needs to find it. */
  readonly authority: string;
  readonly manifest: string;
  readonly createdAt: string;
  /** When the offer (the link, QR code and PIN) stops working. */
  readonly offerExpiresAt: string;
  /** The credential's own expiry, a year after the offer. */
  readonly validUntil: string;
  /** When the wallet opened the offer (request_retrieved). Lower-case, so that a patch condition can name it. */
  readonly retrieved?: string;
  readonly issuedAt?: string;
  readonly failedAt?: string;
  readonly error?: { readonly code: string; readonly message?: string };
  readonly revokedAt?: string;
};

/** The record an issuance request leaves in `requests`, so that its callbacks authenticate as a presentation's do. */
export type AccessKeyRequest = RequestBase & { readonly kind: "accessKey"; readonly accessKeyId: string };

/** An offer nobody took before it ended is expired; every other status is as stored. */
export function accessKeyStatus(key: AccessKey, now: Date): AccessKeyStatus {
  if (key.status === "offered" && now.getTime() >= Date.parse(key.offerExpiresAt)) return "expired";
  return key.status;
}

export type AccessKeyView = {
  readonly accessKeyId: string;
  readonly staffId: string;
  readonly status: AccessKeyStatus;
  readonly createdAt: string;
  readonly offerExpiresAt: string;
  readonly validUntil: string;
  readonly issuedAt?: string;
  readonly revokedAt?: string;
  readonly error?: { readonly code: string; readonly message?: string };
};

export function accessKeyView(key: AccessKey, now: Date): AccessKeyView {
  return {
    accessKeyId: key.id,
    staffId: key.staffId,
    status: accessKeyStatus(key, now),
    createdAt: key.createdAt,
    offerExpiresAt: key.offerExpiresAt,
    validUntil: key.validUntil,
    ...(key.issuedAt === undefined ? {} : { issuedAt: key.issuedAt }),
    ...(key.revokedAt === undefined ? {} : { revokedAt: key.revokedAt }),
    ...(key.error === undefined ? {} : { error: key.error }),
  };
}

/** What a callback does to the key: the fields it sets, from the stored statuses it may move from. */
export type AccessKeyChange = {
  readonly from: StoredAccessKeyStatus;
  readonly set: Partial<
    Pick<AccessKey, "status" | "retrieved" | "issuedAt" | "failedAt" | "error" | "revokedAt">
  >;
  /** Only while the key has not yet been retrieved: a repeated request_retrieved changes nothing. */
  readonly unlessRetrieved?: true;
};

/** An issuance callback's move. Issued after the offer's end still counts: the credential exists and is revocable. */
export function issuanceChange(
  report: { readonly status: "retrieved" } | { readonly status: "issued" } | IssuanceFailure,
  now: Date,
): AccessKeyChange {
  const at = now.toISOString();
  switch (report.status) {
    case "retrieved":
      return { from: "offered", set: { retrieved: at }, unlessRetrieved: true };
    case "issued":
      return { from: "offered", set: { status: "issued", issuedAt: at } };
    case "issuanceFailed":
      return { from: "offered", set: { status: "failed", failedAt: at, error: report.error } };
  }
}

export type IssuanceFailure = {
  readonly status: "issuanceFailed";
  readonly error: { readonly code: string; readonly message?: string };
};
