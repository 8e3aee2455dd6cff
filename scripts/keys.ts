// `npm run keys -- rotate`: creates a new ES256 signing key as a new version of the Key Vault secret the service
// signs with, using the operator's own Azure credential (az login / azd auth login). The app picks it up within its
// key cache time; the version before it stays in the JWKS so tokens already issued still verify.
import { pathToFileURL } from "node:url";
import { DefaultAzureCredential } from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";
import { generateSigningJwk, loadSigningKey } from "../src/adapters/keys/signingKeys.js";

export const USAGE = `usage: npm run keys -- rotate [--vault <url>] [--secret <name>]
  --vault   the Key Vault URL (default: KEY_VAULT_URL)
  --secret  the secret holding the signing key (default: SIGNING_KEY_SECRET_NAME, else session-signing-key)`;

export type KeysCommand = {
  readonly command: "rotate";
  readonly vaultUrl: string;
  readonly secretName: string;
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
    if (flag !== "--vault" && flag !== "--secret") throw new UsageError(`unknown option "${flag}"`);
    if (value === undefined || value.startsWith("--")) throw new UsageError(`${flag} needs a value`);
    options[flag] = value;
  }
  const vaultUrl = options["--vault"] ?? env.KEY_VAULT_URL ?? "";
  const secretName = options["--secret"] ?? (env.SIGNING_KEY_SECRET_NAME || "session-signing-key");
  if (vaultUrl === "") throw new UsageError("no vault: pass --vault or set KEY_VAULT_URL");
  if (!URL.canParse(vaultUrl) || new URL(vaultUrl).protocol !== "https:") {
    throw new UsageError(`the vault must be an https URL, not "${vaultUrl}"`);
  }
  if (!/^[0-9A-Za-z-]{1,127}$/.test(secretName)) {
    throw new UsageError(`"${secretName}" is not a Key Vault secret name (letters, digits and -)`);
  }
  return { command, vaultUrl, secretName };
}

/** A fresh key as the secret value the Key Vault adapter reads (a P-256 private JWK as JSON), with its kid. */
export async function newSigningKeySecret(): Promise<{ value: string; kid: string }> {
  const jwk = await generateSigningJwk();
  const { kid } = await loadSigningKey(jwk);
  return { value: JSON.stringify(jwk), kid };
}

async function rotate({ vaultUrl, secretName }: KeysCommand): Promise<void> {
  const client = new SecretClient(vaultUrl, new DefaultAzureCredential());
  const { value, kid } = await newSigningKeySecret();
  // The kid is public (it names the public half in the JWKS); the tag lets operators match versions to tokens.
  const secret = await client.setSecret(secretName, value, {
    contentType: "application/jwk+json",
    tags: { kid },
  });
  console.log(`created version ${secret.properties.version} of ${secretName} in ${vaultUrl} (kid ${kid})`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  try {
    await rotate(parseKeysCommand(process.argv.slice(2), process.env));
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  }
}
