// Signing keys in Azure: a P-256 private JWK kept as a Key Vault secret. The newest usable version signs; the
// one before it stays in the JWKS so tokens signed before a rotation still verify. Rotating = adding a version.

import type { TokenCredential } from "@azure/identity";
import type { SecretClient } from "@azure/keyvault-secrets";
import { refreshingCache } from "./refreshingCache.js";
import {
  type LoadedKeyPair,
  loadKeyPair,
  parseSigningJwkText,
  type SigningKeys,
  SigningKeyUnavailable,
  signingKeysFrom,
} from "./signingKeys.js";

/** What the adapter needs from a Key Vault version listing (a subset of the SDK's SecretProperties). */
export type SecretVersionInfo = {
  readonly version?: string | undefined;
  readonly enabled?: boolean | undefined;
  readonly createdOn?: Date | undefined;
  readonly notBefore?: Date | undefined;
  readonly expiresOn?: Date | undefined;
};

/** The two SecretClient calls the adapter makes. */
export type SecretsReader = {
  listPropertiesOfSecretVersions(secretName: string): AsyncIterable<SecretVersionInfo>;
  getSecret(
    secretName: string,
    options: { version: string },
  ): Promise<{ readonly value?: string | undefined }>;
};

export type KeyVaultSigningKeysOptions = {
  readonly vaultUrl: string;
  readonly secretName: string;
  readonly credential: TokenCredential;
  /** How long loaded keys are used before Key Vault is asked again. */
  readonly cacheMs?: number;
  readonly clock?: () => Date;
  /** How long a new version is published before it signs (the JWKS max-age); the cache interval is added. */
  readonly publishLeadMs?: number;
};

export const DEFAULT_KEY_CACHE_MS = 5 * 60_000;

export function keyVaultSigningKeys(options: KeyVaultSigningKeysOptions): SigningKeys {
  // The SDK is loaded with the first read, not when the app starts (cold start).
  let client: Promise<SecretClient> | undefined;
  const sdk = () => {
    client ??= import("@azure/keyvault-secrets").then(
      ({ SecretClient }) => new SecretClient(options.vaultUrl, options.credential),
    );
    return client;
  };
  const reader: SecretsReader = {
    async *listPropertiesOfSecretVersions(secretName) {
      yield* (await sdk()).listPropertiesOfSecretVersions(secretName);
    },
    getSecret: async (secretName, getOptions) => (await sdk()).getSecret(secretName, getOptions),
  };
  return secretSigningKeys(reader, options.secretName, options);
}

/** The adapter over any reader of secret versions; `keyVaultSigningKeys` passes the SDK client. */
export function secretSigningKeys(
  reader: SecretsReader,
  secretName: string,
  options: { readonly cacheMs?: number; readonly clock?: () => Date; readonly publishLeadMs?: number } = {},
): SigningKeys {
  const clock = options.clock ?? (() => new Date());
  const cacheMs = options.cacheMs ?? DEFAULT_KEY_CACHE_MS;
  const leadMs = options.publishLeadMs ?? 0;
  const load = refreshingCache(
    () => loadFromSecret(reader, secretName, clock(), leadMs === 0 ? 0 : leadMs + cacheMs),
    { maxAgeMs: cacheMs, clock },
  );
  return signingKeysFrom(load);
}

async function loadFromSecret(
  reader: SecretsReader,
  secretName: string,
  now: Date,
  leadMs: number,
): Promise<LoadedKeyPair> {
  const versions: SecretVersionInfo[] = [];
  for await (const version of reader.listPropertiesOfSecretVersions(secretName)) versions.push(version);
  const chosen = chooseKeyVersions(versions, now);
  const created = versions.find((v) => v.version === chosen.current)?.createdOn;
  const read = async (version: string) => {
    const secret = await reader.getSecret(secretName, { version });
    if (secret.value === undefined) {
      throw new SigningKeyUnavailable(`Version ${version} of secret ${secretName} has no value.`);
    }
    return parseSigningJwkText(secret.value, `version ${version} of secret ${secretName}`);
  };
  const [current, previous] = await Promise.all([
    read(chosen.current),
    chosen.previous === undefined ? undefined : read(chosen.previous),
  ]);
  return loadKeyPair(current, previous, {
    now,
    ...(created === undefined || leadMs === 0
      ? {}
      : { newestSignsFrom: new Date(created.getTime() + leadMs) }),
  });
}

/**
 * Picks the versions to use: of those enabled and inside their Key Vault validity window, the newest (by
 * creation time) is current and the next newest is previous. Disabling a version takes it out of use, which is
 * how a leaked key is withdrawn.
 */
export function chooseKeyVersions(
  versions: readonly SecretVersionInfo[],
  now: Date,
): { current: string; previous?: string } {
  const usable = versions
    .filter((v) => v.enabled !== false && v.version !== undefined && v.version !== "")
    .filter((v) => v.notBefore === undefined || v.notBefore.getTime() <= now.getTime())
    .filter((v) => v.expiresOn === undefined || v.expiresOn.getTime() > now.getTime())
    .sort(newestFirst);
  const [current, previous] = usable.map((v) => v.version ?? "");
  if (current === undefined)
    throw new SigningKeyUnavailable("No enabled, valid version of the signing key secret.");
  return previous === undefined ? { current } : { current, previous };
}

function newestFirst(a: SecretVersionInfo, b: SecretVersionInfo): number {
  const byCreation = (b.createdOn?.getTime() ?? 0) - (a.createdOn?.getTime() ?? 0);
  if (byCreation !== 0) return byCreation;
  // Same creation time (or none): order by version id so every instance picks the same key.
  const [x, y] = [a.version ?? "", b.version ?? ""];
  return x === y ? 0 : x < y ? 1 : -1;
}
