// `npm run keys -- rotate`: creates a new version of the Key Vault key the service signs with (EC P-256, not
// exportable, so its private half never leaves the vault), using the operator's own Azure credential (az login /
// azd auth login). The app starts signing with it once it has been published for a JWKS lifetime; the version before
// it stays in the JWKS so tokens already issued still verify.
import { pathToFileURL } from "node:url";
import type { TokenCredential } from "@azure/identity";
import { KeyClient } from "@azure/keyvault-keys";
import { keyVaultClientOptions, vaultSigningKey } from "../src/adapters/keys/keyVaultSigningKeys.js";
import { StaticTokenCredential } from "../src/adapters/verifiedId/index.js";
import { isLoopbackUrl } from "../src/config.js";

export const USAGE = `usage: npm run keys -- rotate [--vault <url>] [--key <name>]
  --vault   the Key Vault URL (default: KEY_VAULT_URL)
  --key     the key the service signs with (default: SIGNING_KEY_NAME, else share-signing-key)`;

export type KeysCommand = {
  readonly command: "rotate";
  readonly vaultUrl: string;
  readonly keyName: string;
};

export class UsageError extends Error {
  constructor(message: string) {
    super(`${message}\n${USAGE}`);
    this.name = "UsageError";
  }
}

/** Reads the command line (after `--`) and the environment; throws UsageError, naming what is wrong. */
export function parseKeysCommand(
  argv: readonly string[],
  env: Record<string, string | undefined>,
): KeysCommand {
  const [command, ...rest] = argv;
  if (command !== "rotate") throw new UsageError(command ? `unknown command "${command}"` : "no command");
  const options: Record<string, string> = {};
  for (let i = 0; i < rest.length; i += 2) {
    const [flag, value] = [rest[i], rest[i + 1]];
    if (flag !== "--vault" && flag !== "--key") throw new UsageError(`unknown option "${flag}"`);
    if (value === undefined || value.startsWith("--")) throw new UsageError(`${flag} needs a value`);
    options[flag] = value;
  }
  const vaultUrl = options["--vault"] ?? env.KEY_VAULT_URL ?? "";
  const keyName = options["--key"] ?? (env.SIGNING_KEY_NAME || "share-signing-key");
  if (vaultUrl === "") throw new UsageError("no vault: pass --vault or set KEY_VAULT_URL");
  if (!URL.canParse(vaultUrl) || new URL(vaultUrl).protocol !== "https:") {
    throw new UsageError(`the vault must be an https URL, not "${vaultUrl}"`);
  }
  if (!/^[0-9A-Za-z-]{1,127}$/.test(keyName)) {
    throw new UsageError(`"${keyName}" is not a Key Vault key name (letters, digits and -)`);
  }
  return { command, vaultUrl, keyName };
}

/**
 * Creates the new version and reads it back as the service will (refusing anything but a non-exportable EC P-256
 * signing key); returns its version and the kid it is published under.
 */
export async function rotateSigningKey(
  { vaultUrl, keyName }: KeysCommand,
  credential: TokenCredential,
): Promise<{ version: string; kid: string }> {
  const client = new KeyClient(vaultUrl, credential, keyVaultClientOptions(vaultUrl));
  const created = await client.createEcKey(keyName, {
    curve: "P-256",
    exportable: false,
    keyOps: ["sign", "verify"],
  });
  const { kid } = await vaultSigningKey(created, {
    sign: () => Promise.reject(new Error("Only the service signs.")),
  });
  return { version: created.properties.version ?? "", kid };
}

async function rotate(command: KeysCommand): Promise<void> {
  // A vault on this machine is the local emulator, which asks for a bearer token but checks no identity.
  const credential = isLoopbackUrl(command.vaultUrl)
    ? new StaticTokenCredential("local-key-vault-token")
    : new (await import("@azure/identity")).DefaultAzureCredential();
  const { version, kid } = await rotateSigningKey(command, credential);
  console.log(`created version ${version} of key ${command.keyName} in ${command.vaultUrl} (kid ${kid})`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  try {
    await rotate(parseKeysCommand(process.argv.slice(2), process.env));
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  }
}
