// Share events as Security Event Tokens (RFC 8417, API.md sections 3, 7 and 8): ES256 with a kid from the JWKS,
// header typ secevent+jwt, signed afresh for every attempt (new iat, same jti), no exp and no sub (section 4.1),
// the holder in the top-level sub_id (SSF 1.0 section 3.1); then, for a trust that registered an encryption key,
// encrypted to it as a nested JWT (RFC 7519 section 5.2), so that the claims leave the service only as ciphertext.
import { CompactEncrypt, calculateJwkThumbprint, importJWK, type JWK } from "jose";
import type { SetContent, SetSigner } from "../../app/ports.js";
import { EncryptionKeyUnavailable } from "../../app/setEncryption.js";
import { CREDENTIALS_SHARED_EVENT, type EventBody, transactionOf } from "../../domain/shareEvent.js";
import { isEncryptionKey, SET_CONTENT_ENCRYPTION, SET_KEY_MANAGEMENT } from "../../domain/trust.js";
import { type SigningKeys, signJwt } from "../keys/signingKeys.js";

export const SET_TYPE = "secevent+jwt";

/** Every key a trust registered (API.md section 7), or undefined for none; throws when they cannot be read. */
export type TrustKeysReader = (trustId: string) => Promise<{ readonly keys: readonly JWK[] } | undefined>;

/**
 * The SET's subject identifier (RFC 9493): Authenticator's holder by their DID (`did` format), a standard wallet's
 * by the JWK thumbprint URI of its access key's holder key (`uri` format, API.md section 9).
 */
type SubjectId =
  | { readonly format: "did"; readonly url: string }
  | { readonly format: "uri"; readonly uri: string };

function subjectIdOf(subject: string): SubjectId {
  return subject.startsWith("did:") ? { format: "did", url: subject } : { format: "uri", uri: subject };
}

/** The holder's `sub_id` and the event's own members, as they go into the SET. */
function subjectAndEvent(body: EventBody): { subId?: SubjectId; event: object } {
  if (body.type === CREDENTIALS_SHARED_EVENT) {
    // `subject` stays in the event for one release beside sub_id, for receivers built on it; the release after
    // drops it here (the payload keeps it: it is where sub_id comes from). SSF 1.0 section 3.1.2 forbids it in
    // new event types, so no other event has it.
    return { subId: subjectIdOf(body.data.subject), event: body.data };
  }
  const { subject, ...event } = body.data;
  return subject === undefined ? { event } : { subId: subjectIdOf(subject), event };
}

/** The SET's claims: no `exp` (RFC 8417 section 4.1) and no `sub` (SSF 1.0 section 4.1.2). */
export function setClaims(content: SetContent, issuer: string, now: Date): Record<string, unknown> {
  const { subId, event } = subjectAndEvent(content);
  return {
    iss: issuer,
    aud: content.trustId,
    iat: Math.floor(now.getTime() / 1000),
    jti: content.eventId,
    txn: transactionOf(content),
    ...(subId === undefined ? {} : { sub_id: subId }),
    events: { [content.type]: event },
  };
}

/**
 * Signs each SET with the service's current key and, when `trustKeys` says the trust has an encryption key,
 * encrypts the signed SET to it. A trust whose keys cannot be read gets no SET rather than one in the clear.
 */
export function securityEventTokenSigner(
  keys: SigningKeys,
  issuer: string,
  trustKeys?: TrustKeysReader,
): SetSigner {
  const seal = setSealer(trustKeys);
  return async (content: SetContent, now: Date) => {
    const key = await keys.current();
    const signed = await signJwt(key, { typ: SET_TYPE }, setClaims(content, issuer, now));
    return { token: await seal(signed, content.trustId, key.kid), kid: key.kid };
  };
}

/**
 * What every SET to a trust goes through once signed, SSF's own events included: encrypted to the trust's
 * encryption key when it registered one, as it is; throws EncryptionKeyUnavailable when its keys cannot be read.
 */
export function setSealer(
  trustKeys?: TrustKeysReader,
): (signed: string, trustId: string, kid: string) => Promise<string> {
  return async (signed, trustId, kid) => {
    if (trustKeys === undefined) return signed;
    let registered: { readonly keys: readonly JWK[] } | undefined;
    try {
      registered = await trustKeys(trustId);
    } catch (cause) {
      throw new EncryptionKeyUnavailable(trustId, kid, { cause });
    }
    const to = registered?.keys.find((candidate) => isEncryptionKey(candidate) && candidate.crv === "P-256");
    if (to === undefined) return signed;
    try {
      return await encryptSet(signed, to);
    } catch (cause) {
      // A registered key that cannot be imported (not a point on P-256): the trust must fix its keys first.
      throw new EncryptionKeyUnavailable(trustId, kid, { cause });
    }
  };
}

/**
 * A signed SET encrypted to the trust's key: JWE ECDH-ES+A256KW with A256GCM, `cty: "JWT"` for a nested JWT (RFC
 * 7519 section 5.2), and the trust's `kid` (its RFC 7638 thumbprint when it gave none) so that it knows which of
 * its keys to decrypt with. The outer `typ` repeats secevent+jwt (RFC 8725 section 3.11 allows it on the outer
 * JWT): a receiver, or a service it is misdirected to, can tell a SET before it decrypts, and our own trust token
 * check refuses that type outright.
 */
export async function encryptSet(signedSet: string, trustKey: JWK): Promise<string> {
  const { kty, crv, x, y } = trustKey;
  if (kty !== "EC" || crv !== "P-256" || x === undefined || y === undefined)
    throw new TypeError("A SET is encrypted to a P-256 public key only.");
  // Only the public coordinates: whatever else the JWK carries (alg, use, key_ops) does not decide how it is used.
  const publicJwk = { kty, crv, x, y };
  const publicKey = await importJWK(publicJwk, SET_KEY_MANAGEMENT);
  const kid = trustKey.kid ?? (await calculateJwkThumbprint(publicJwk));
  return new CompactEncrypt(new TextEncoder().encode(signedSet))
    .setProtectedHeader({
      alg: SET_KEY_MANAGEMENT,
      enc: SET_CONTENT_ENCRYPTION,
      cty: "JWT",
      typ: SET_TYPE,
      kid,
    })
    .encrypt(publicKey);
}
