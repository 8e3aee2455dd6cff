// Signing keys in Azure: an EC P-256 Key Vault key that is not exportable, so its private half never leaves the
// vault; Key Vault signs each token. The newest usable version signs and the one before it stays in the JWKS, so
// tokens signed before a rotation still verify. Rotating = adding a version (`npm run keys -- rotate`).

import { createHash } from "node:crypto";
import { Agent } from "node:https";
import type { TokenCredential } from "@azure/identity";
import type { CryptographyClient, KeyClient, KeyClientOptions, KeyVaultKey } from "@azure/keyvault-keys";
import { base64url } from "jose";
import { isLoopbackUrl } from "../../config.js";
import { refreshingCache } from "./refreshingCache.js";
import {
  keyPairOf,
  kidOf,
  type LoadedKeyPair,
  type LoadedSigningKey,
  publishedJwk,
  SIGNING_ALGORITHM,
  type SigningKeys,
  SigningKeyUnavailable,
  signingKeysFrom,
} from "./signingKeys.js";

/** What the adapter reads from a Key Vault version listing (a subset of the SDK's KeyProperties). */
export type KeyVersionInfo = {
  readonly version?: string | undefined;
  readonly enabled?: boolean | undefined;
  readonly createdOn?: Date | undefined;
  readonly notBefore?: Date | undefined;
  readonly expiresOn?: Date | undefined;
};

export type KeyVaultSigningKeysOptions = {
  readonly vaultUrl: string;
  readonly keyName: string;
  readonly credential: TokenCredential;
  /** How long the version list and public keys are used before Key Vault is asked again. */
  readonly cacheMs?: number;
  readonly clock?: () => Date;
  /** How long a new version is published before it signs (the JWKS max-age); the cache interval is added. */
  readonly publishLeadMs?: number;
};

export const DEFAULT_KEY_CACHE_MS = 5 * 60_000;

/**
 * The SDK's client options for a vault. A vault on this machine is the local emulator: its certificate is
 * self-signed, and its bearer challenge names Key Vault's audience, not its own host, so the SDK's check that the
 * two match is left out for it alone.
 */
export function keyVaultClientOptions(vaultUrl: string): KeyClientOptions {
  if (!isLoopbackUrl(vaultUrl)) return {};
  return {
    agent: new Agent({ rejectUnauthorized: false, keepAlive: true }),
    disableChallengeResourceVerification: true,
  };
}

type Sdk = { readonly keys: KeyClient; readonly cryptography: (key: KeyVaultKey) => CryptographyClient };

export function keyVaultSigningKeys(options: KeyVaultSigningKeysOptions): SigningKeys {
  const clock = options.clock ?? (() => new Date());
  const cacheMs = options.cacheMs ?? DEFAULT_KEY_CACHE_MS;
  const leadMs = options.publishLeadMs ?? 0;
  const clientOptions = keyVaultClientOptions(options.vaultUrl);
  // The SDK is loaded with the first read, not when the app starts (cold start).
  let sdk: Promise<Sdk> | undefined;
  const load = () => {
    sdk ??= import("@azure/keyvault-keys").then(({ KeyClient, CryptographyClient }) => ({
      keys: new KeyClient(options.vaultUrl, options.credential, clientOptions),
      cryptography: (key) => new CryptographyClient(key, options.credential, clientOptions),
    }));
    return sdk;
  };
  // One client per key version, kept across reloads: a new client's first call costs Key Vault's bearer challenge.
  const signers = new Map<string, CryptographyClient>();
  const cache = refreshingCache(
    async () => {
      const { keys, cryptography } = await load();
      const pair = await loadFromVault(
        keys,
        options.keyName,
        clock(),
        leadMs === 0 ? 0 : leadMs + cacheMs,
        (key) => {
          const id = key.id ?? "";
          let signer = signers.get(id);
          if (signer === undefined) {
            signer = cryptography(key);
            signers.set(id, signer);
          }
          return signer;
        },
      );
      return pair;
    },
    { maxAgeMs: cacheMs, clock },
  );
  return signingKeysFrom(cache);
}

async function loadFromVault(
  client: KeyClient,
  keyName: string,
  now: Date,
  leadMs: number,
  signerFor: (key: KeyVaultKey) => Pick<CryptographyClient, "sign">,
): Promise<LoadedKeyPair> {
  const versions: KeyVersionInfo[] = [];
  for await (const version of client.listPropertiesOfKeyVersions(keyName)) versions.push(version);
  const chosen = chooseKeyVersions(versions, now);
  const created = versions.find((v) => v.version === chosen.current)?.createdOn;
  const read = async (version: string) => {
    const key = await client.getKey(keyName, { version });
    return vaultSigningKey(key, signerFor(key));
  };
  const [current, previous] = await Promise.all([
    read(chosen.current),
    chosen.previous === undefined ? undefined : read(chosen.previous),
  ]);
  return keyPairOf(current, previous, {
    now,
    ...(created === undefined || leadMs === 0
      ? {}
      : { newestSignsFrom: new Date(created.getTime() + leadMs) }),
  });
}

/**
 * A Key Vault key version made ready to sign through Key Vault. Only a non-exportable EC P-256 key that allows
 * signing is used: anything else is refused rather than signed with, since an exportable key could have been
 * copied out of the vault, and another curve or type would make tokens that are not ES256.
 */
export async function vaultSigningKey(
  key: KeyVaultKey,
  signer: Pick<CryptographyClient, "sign">,
): Promise<LoadedSigningKey> {
  const where = `version ${key.properties.version ?? "?"} of key ${key.name}`;
  const jwk = key.key;
  if (key.properties.exportable === true) {
    throw new SigningKeyUnavailable(
      `The signing key (${where}) is exportable: only a key that cannot leave the vault signs.`,
    );
  }
  if (
    (jwk?.kty !== "EC" && jwk?.kty !== "EC-HSM") ||
    jwk.crv !== "P-256" ||
    jwk.x === undefined ||
    jwk.y === undefined
  ) {
    throw new SigningKeyUnavailable(`The signing key (${where}) is not an EC P-256 key.`);
  }
  if (!(key.keyOperations ?? []).includes("sign")) {
    throw new SigningKeyUnavailable(`The signing key (${where}) does not allow signing.`);
  }
  // Published as a plain EC key: the JWKS says nothing of where the private half is kept.
  const publicPart = { kty: "EC", crv: "P-256", x: base64url.encode(jwk.x), y: base64url.encode(jwk.y) };
  const kid = await kidOf(publicPart);
  return {
    kid,
    publicJwk: publishedJwk(publicPart, kid),
    async sign(input) {
      // Key Vault's ES256 signs a SHA-256 digest and answers r||s, the form JWS uses (signJwt checks the length).
      const digest = createHash("sha256").update(input).digest();
      try {
        return (await signer.sign(SIGNING_ALGORITHM, digest)).result;
      } catch (cause) {
        throw new SigningKeyUnavailable(`Key Vault did not sign with ${where}.`, { cause });
      }
    },
  };
}

/**
 * Picks the versions to use: of those enabled and inside their Key Vault validity window, the newest (by
 * creation time) is current and the next newest is previous. Disabling a version takes it out of use, which is
 * how a leaked key is withdrawn.
 */
export function chooseKeyVersions(
  versions: readonly KeyVersionInfo[],
  now: Date,
): { current: string; previous?: string } {
  const usable = versions
    .filter((v) => v.enabled !== false && v.version !== undefined && v.version !== "")
    .filter((v) => v.notBefore === undefined || v.notBefore.getTime() <= now.getTime())
    .filter((v) => v.expiresOn === undefined || v.expiresOn.getTime() > now.getTime())
    .sort(newestFirst);
  const [current, previous] = usable.map((v) => v.version ?? "");
  if (current === undefined) throw new SigningKeyUnavailable("No enabled, valid version of the signing key.");
  return previous === undefined ? { current } : { current, previous };
}

function newestFirst(a: KeyVersionInfo, b: KeyVersionInfo): number {
  const byCreation = (b.createdOn?.getTime() ?? 0) - (a.createdOn?.getTime() ?? 0);
  if (byCreation !== 0) return byCreation;
  // Same creation time (or none): order by version id so every instance picks the same key.
  const [x, y] = [a.version ?? "", b.version ?? ""];
  return x === y ? 0 : x < y ? 1 : -1;
}
