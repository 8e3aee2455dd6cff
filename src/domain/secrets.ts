// Unguessable identifiers and bearer secrets (poll tokens, callback api-keys), and how their hashes are checked.
// Only hashes are stored, so a leaked database copy does not let anyone poll a login or forge a callback.

import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

const ID_BYTES = 16; // 128 bits, the floor API.md sets for identifiers
const SECRET_BYTES = 32;
const HASH_BYTES = 32; // SHA-256

/** The shape of every identifier mintId makes; anything else cannot name one of our requests. */
export const MINTED_ID = /^[A-Za-z0-9_-]{22}$/;

/** A new identifier: 128 random bits, base64url without padding (22 characters). */
export function mintId(): string {
  return randomBytes(ID_BYTES).toString("base64url");
}

/** A new bearer secret: 256 random bits, base64url without padding (43 characters). */
export function mintSecret(): string {
  return randomBytes(SECRET_BYTES).toString("base64url");
}

/**
 * SHA-256 of the secret, base64url. A fast unsalted hash is enough because every secret is 256 random bits
 * minted here: there is nothing to guess from a dictionary.
 */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("base64url");
}

/**
 * Whether `secret` hashes to `storedHash`. The candidate is hashed first, so both sides of the comparison are
 * always 32 bytes and neither the time taken nor an early length check says anything about the secret.
 */
export function secretMatchesHash(secret: string, storedHash: string): boolean {
  const candidate = createHash("sha256").update(secret, "utf8").digest();
  const stored = Buffer.from(storedHash, "base64url");
  if (stored.length !== HASH_BYTES) {
    // A malformed stored hash is our own data error, not something a caller controls.
    return false;
  }
  return timingSafeEqual(candidate, stored);
}
