// The port that signs session tokens and share events, and what every key store shares: assembling a compact JWS
// around a signature made wherever the key lives, the local P-256 private JWK format, and publishing the JWKS.

import {
  base64url,
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  type JWTPayload,
} from "jose";
import * as z from "zod";
import type { SigningKey, SigningKeys } from "../../app/ports.js";
import { ServiceError } from "../../errors.js";
import type { RefreshingCache } from "./refreshingCache.js";

export const SIGNING_ALGORITHM = "ES256";

export type { SigningKey, SigningKeys };

/** A key store holds something that is not a usable P-256 private key, or holds no key at all. */
export class SigningKeyUnavailable extends ServiceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("signing_key_unavailable", message, options);
  }
}

/** How a signing key is stored: a P-256 private JWK. Any other member (kid, alg, ...) is ignored. */
export type StoredSigningJwk = z.infer<typeof storedSigningJwkSchema>;

const storedSigningJwkSchema = z.object({
  kty: z.literal("EC"),
  crv: z.literal("P-256"),
  x: z.string().min(1),
  y: z.string().min(1),
  d: z.string().min(1),
});

/** An ES256 signature is r and s side by side, 32 bytes each (RFC 7518 section 3.4). */
export const ES256_SIGNATURE_BYTES = 64;

/** A key made ready: something that signs, and the public JWK to publish. */
export type LoadedSigningKey = SigningKey & { readonly publicJwk: JWK };

/** A fresh P-256 key pair as a private JWK, ready to be stored. */
export async function generateSigningJwk(): Promise<StoredSigningJwk> {
  const { privateKey } = await generateKeyPair(SIGNING_ALGORITHM, { extractable: true });
  return parseSigningJwk(await exportJWK(privateKey));
}

export function parseSigningJwk(value: unknown): StoredSigningJwk {
  const parsed = storedSigningJwkSchema.safeParse(value);
  if (!parsed.success) throw new SigningKeyUnavailable("The signing key is not a P-256 private JWK.");
  return parsed.data;
}

/** The kid of a public key: its RFC 7638 thumbprint, so it is stable and the same in every store. */
export function kidOf(publicJwk: { kty: string; crv: string; x: string; y: string }): Promise<string> {
  return calculateJwkThumbprint({ kty: publicJwk.kty, crv: publicJwk.crv, x: publicJwk.x, y: publicJwk.y });
}

/** The JWK a key is published as, beside its kid. */
export function publishedJwk(
  publicPart: { kty: string; crv: string; x: string; y: string },
  kid: string,
): JWK {
  const { kty, crv, x, y } = publicPart;
  return { kty, crv, x, y, kid, alg: SIGNING_ALGORITHM, use: "sig" };
}

/** Imports a stored key to sign in this process. */
export async function loadSigningKey(stored: StoredSigningJwk): Promise<LoadedSigningKey> {
  const kid = await kidOf(stored);
  let privateKey: CryptoKey | Uint8Array;
  try {
    // Not extractable: once loaded, the private key cannot be exported from this process by accident.
    privateKey = await importJWK({ ...stored }, SIGNING_ALGORITHM, { extractable: false });
  } catch (cause) {
    throw new SigningKeyUnavailable("The signing key could not be imported.", { cause });
  }
  if (privateKey instanceof Uint8Array) throw new SigningKeyUnavailable("The signing key is not an EC key.");
  const key = privateKey;
  return {
    kid,
    // WebCrypto's ECDSA signature is already r||s, the form JWS uses.
    sign: async (input) =>
      new Uint8Array(
        await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, key, new Uint8Array(input)),
      ),
    publicJwk: publishedJwk(stored, kid),
  };
}

/**
 * Signs a JWT with an ES256 key that may be out of reach (jose signs only with key material it holds): the header
 * and claims are encoded as JWS compact serialization requires, the key signs the ASCII signing input, and a
 * signature of any other shape than r||s is refused rather than published.
 */
export async function signJwt(
  key: SigningKey,
  header: { readonly typ: string } & Readonly<Record<string, unknown>>,
  claims: JWTPayload,
): Promise<string> {
  const protectedHeader = { ...header, alg: SIGNING_ALGORITHM, kid: key.kid };
  const signingInput = `${base64url.encode(JSON.stringify(protectedHeader))}.${base64url.encode(JSON.stringify(claims))}`;
  const signature = await key.sign(new TextEncoder().encode(signingInput));
  if (signature.length !== ES256_SIGNATURE_BYTES) {
    throw new SigningKeyUnavailable(
      `The signing key returned a ${signature.length}-byte signature where ES256 has ${ES256_SIGNATURE_BYTES}.`,
    );
  }
  return `${signingInput}.${base64url.encode(signature)}`;
}

/** The JWKS for the current key and an optional previous one, without duplicates, frozen against edits. */
export function publicJwkSet(current: LoadedSigningKey, previous?: LoadedSigningKey): { keys: JWK[] } {
  const keys = [current.publicJwk];
  if (previous !== undefined && previous.kid !== current.kid) keys.push(previous.publicJwk);
  return Object.freeze({ keys: Object.freeze(keys.map((key) => Object.freeze({ ...key }))) as JWK[] });
}

/** Key stores load both keys together, so `current()` and `jwks()` always describe the same pair. */
export type LoadedKeyPair = { readonly current: LoadedSigningKey; readonly jwks: { keys: JWK[] } };

/**
 * Key rotation that never breaks a receiver: a new key is published in the JWKS at once but signs only from
 * `newestSignsFrom` (its creation plus a JWKS cache lifetime plus the store's reload interval), so that every
 * receiver's cached JWKS holds it by then; until that moment the previous key keeps signing.
 */
export type RotationTiming = { readonly newestSignsFrom?: Date; readonly now: Date };

export async function loadKeyPair(
  current: StoredSigningJwk,
  previous?: StoredSigningJwk,
  timing?: RotationTiming,
): Promise<LoadedKeyPair> {
  const loadedCurrent = await loadSigningKey(current);
  const loadedPrevious = previous === undefined ? undefined : await loadSigningKey(previous);
  return keyPairOf(loadedCurrent, loadedPrevious, timing);
}

/** The pair to use from two keys made ready, whichever store they come from. */
export function keyPairOf(
  current: LoadedSigningKey,
  previous?: LoadedSigningKey,
  timing?: RotationTiming,
): LoadedKeyPair {
  const published = publicJwkSet(current, previous);
  const notYet =
    timing?.newestSignsFrom !== undefined && timing.now.getTime() < timing.newestSignsFrom.getTime();
  if (notYet && previous !== undefined) return { current: previous, jwks: published };
  return { current, jwks: published };
}

/** The port over a loader; both stores call this with their own caching loader. */
export function signingKeysFrom(load: RefreshingCache<LoadedKeyPair>): SigningKeys {
  // A store that cannot be reached (network, permissions) is a dependency failure, answered 503, never a 500.
  const loaded = async () => {
    try {
      return await load();
    } catch (error) {
      if (error instanceof SigningKeyUnavailable) throw error;
      throw new SigningKeyUnavailable("The signing key store could not be read.", { cause: error });
    }
  };
  return {
    async current() {
      const { current } = await loaded();
      return { kid: current.kid, sign: current.sign };
    },
    async jwks() {
      return (await loaded()).jwks;
    },
    async reload() {
      try {
        return await load.reload();
      } catch (error) {
        throw new SigningKeyUnavailable("The signing key store could not be read.", { cause: error });
      }
    },
  };
}
