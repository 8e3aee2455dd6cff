// Share receipts as JWTs (API.md section 11): ES256 with the kid of the service's current key, header typ
// share-receipt+jwt, so that a receipt is never taken for a session token or a SET signed with the same keys.
import type { JWTPayload } from "jose";
import type { ReceiptSigner, ShareReceipt } from "../../app/receipts.js";
import { mintId } from "../../domain/secrets.js";
import { type SigningKeys, signJwt } from "./signingKeys.js";

/** Explicit type (RFC 8725 section 3.11), as session tokens and SETs have theirs. */
export const RECEIPT_TYPE = "share-receipt+jwt";

/**
 * The receipt's claims: no `exp`, since what it attests stays true; no `aud`, since anyone the staff member shows
 * it to may check it. A fresh `jti` each time: every receipt is a statement of its own, made at its `iat`.
 */
export function receiptClaims(receipt: ShareReceipt, issuer: string, now: Date): JWTPayload {
  return {
    iss: issuer,
    sub: receipt.subject,
    iat: Math.floor(now.getTime() / 1000),
    jti: mintId(),
    share_id: receipt.shareId,
    trust_id: receipt.trustId,
    credential_types: [...receipt.credentialTypes],
    shared_at: receipt.sharedAt,
    event_id: receipt.eventId,
    delivery: { ...receipt.delivery },
  };
}

/** Signs each receipt with the service's current key; `issuer` is the SSF issuer that every SET names too. */
export function shareReceiptSigner(keys: SigningKeys, issuer: string): ReceiptSigner {
  return async (receipt, now) =>
    signJwt(await keys.current(), { typ: RECEIPT_TYPE }, receiptClaims(receipt, issuer, now));
}
