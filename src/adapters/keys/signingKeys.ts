// The port that signs session tokens and share events, and what every key store shares: the P-256 private JWK
// format keys are kept in, turning one into a signing key, and publishing the public halves as a JWKS.

import {
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
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

/** A stored key made ready: the private key for signing and the public JWK to publish. */
export type LoadedSigningKey = SigningKey & { readonly publicJwk: JWK };

/** A fresh P-256 key pair as a private JWK, ready to be stored. */
export async function generateSigningJwk(): Promise<StoredSigningJwk> {
  const { privateKey } = await generateKeyPair(SIGNING_ALGORITHM, { extractable: true });
  return parseSigningJwk(await exportJWK(privateKey));
}

/**
 * Reads a stored key from JSON text. Errors never quote the text: it is private key material, and JSON.parse
 * messages include a snippet of their input.
 */
export function parseSigningJwkText(text: string, where: string): StoredSigningJwk {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new SigningKeyUnavailable(`The signing key in ${where} is not JSON.`);
  }
  try {
    return parseSigningJwk(value);
  } catch {
    throw new SigningKeyUnavailable(`The signing key in ${where} is not a P-256 private JWK.`);
  }
}

export function parseSigningJwk(value: unknown): StoredSigningJwk {
  const parsed = storedSigningJwkSchema.safeParse(value);
  if (!parsed.success) throw new SigningKeyUnavailable("The signing key is not a P-256 private JWK.");
  return parsed.data;
}

/** Imports a stored key. The kid is its RFC 7638 thumbprint, so it is stable and the same in every store. */
export async function loadSigningKey(stored: StoredSigningJwk): Promise<LoadedSigningKey> {
  const publicPart = { kty: stored.kty, crv: stored.crv, x: stored.x, y: stored.y };
  const kid = await calculateJwkThumbprint(publicPart);
  let privateKey: CryptoKey | Uint8Array;
  try {
    // Not extractable: once loaded, the private key cannot be exported from this process by accident.
    privateKey = await importJWK({ ...stored }, SIGNING_ALGORITHM, { extractable: false });
  } catch (cause) {
    throw new SigningKeyUnavailable("The signing key could not be imported.", { cause });
  }
  if (privateKey instanceof Uint8Array) throw new SigningKeyUnavailable("The signing key is not an EC key.");
  return { kid, privateKey, publicJwk: { ...publicPart, kid, alg: SIGNING_ALGORITHM, use: "sig" } };
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
  const published = publicJwkSet(loadedCurrent, loadedPrevious);
  const notYet =
    timing?.newestSignsFrom !== undefined && timing.now.getTime() < timing.newestSignsFrom.getTime();
  if (notYet && loadedPrevious !== undefined) return { current: loadedPrevious, jwks: published };
  return { current: loadedCurrent, jwks: published };
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
      return { kid: current.kid, privateKey: current.privateKey };
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
