// `npm run keys -- rotate`: creates a new version of the Key Vault key the service signs with (EC P-256, not
// exportable, so its private half never leaves the vault), using the operator's own Azure credential (az login /
// azd auth login). The app starts signing with it once it has been published for a JWKS lifetime; the version before
// it stays in the JWKS so tokens already issued still verify.
// `npm run keys -- csr`: prints a certificate request for the OpenID4VP request key, signed in Key Vault, which the
// operator sends to a certificate authority the wallets trust; the chain it issues is OPENID4VP_CERTIFICATE_CHAIN.
import { pathToFileURL } from "node:url";
import type { TokenCredential } from "@azure/identity";
import { KeyClient } from "@azure/keyvault-keys";
import {
  keyVaultClientOptions,
  keyVaultSigningKeys,
  vaultSigningKey,
} from "../src/adapters/keys/keyVaultSigningKeys.js";
import { vaultRequestKey } from "../src/adapters/openid4vp/index.js";
import { StaticTokenCredential } from "../src/adapters/verifiedId/index.js";
import { isLoopbackUrl } from "../src/config.js";
import { certificateRequestPem, checkSubject } from "./certificateRequest.js";

export const USAGE = `usage: npm run keys -- rotate [--vault <url>] [--key <name>]
       npm run keys -- csr --subject "CN=..." [--dns <name>]... [--vault <url>] [--key <name>]
  rotate    adds a version to the key the service signs tokens and share events with
  csr       prints a certificate request (PEM) for the OpenID4VP request key, signed in Key Vault
  --vault   the Key Vault URL (default: KEY_VAULT_URL)
  --key     rotate: the signing key (default: SIGNING_KEY_NAME, else share-signing-key);
            csr: the OpenID4VP request key (default: OPENID4VP_KEY_NAME, else openid4vp-request-key)
  --subject the certificate's subject, e.g. "CN=Staff Passport verifier, O=NHS England, C=GB"
  --dns     a DNS name for the certificate's subject alternative names (repeatable)`;

type VaultKey = {
  readonly vaultUrl: string;
  readonly keyName: string;
};

export type KeysCommand =
  | (VaultKey & { readonly command: "rotate" })
  | (VaultKey & {
      readonly command: "csr";
      readonly subject: string;
      readonly dnsNames: readonly string[];
    });

export class UsageError extends Error {
  constructor(message: string) {
    super(`${message}\n${USAGE}`);
    this.name = "UsageError";
  }
}

const OPTIONS = { rotate: ["--vault", "--key"], csr: ["--vault", "--key", "--subject", "--dns"] } as const;
const KEY_NAME = /^[0-9A-Za-z-]{1,127}$/;
const DNS_NAME =
  /^(?=.{1,253}$)[0-9A-Za-z]([0-9A-Za-z-]{0,61}[0-9A-Za-z])?(\.[0-9A-Za-z]([0-9A-Za-z-]{0,61}[0-9A-Za-z])?)*$/;

/** Reads the command line (after `--`) and the environment; throws UsageError, naming what is wrong. */
export function parseKeysCommand(
  argv: readonly string[],
  env: Record<string, string | undefined>,
): KeysCommand {
  const [command, ...rest] = argv;
  if (command !== "rotate" && command !== "csr") {
    throw new UsageError(command ? `unknown command "${command}"` : "no command");
  }
  const allowed: readonly string[] = OPTIONS[command];
  const options: Record<string, string> = {};
  const dnsNames: string[] = [];
  for (let i = 0; i < rest.length; i += 2) {
    const [flag, value] = [rest[i] ?? "", rest[i + 1]];
    if (!allowed.includes(flag)) throw new UsageError(`unknown option "${flag}"`);
    if (value === undefined || value.startsWith("--")) throw new UsageError(`${flag} needs a value`);
    if (flag === "--dns") dnsNames.push(value);
    else options[flag] = value;
  }
  const vaultUrl = options["--vault"] ?? env.KEY_VAULT_URL ?? "";
  if (vaultUrl === "") throw new UsageError("no vault: pass --vault or set KEY_VAULT_URL");
  if (!URL.canParse(vaultUrl) || new URL(vaultUrl).protocol !== "https:") {
    throw new UsageError(`the vault must be an https URL, not "${vaultUrl}"`);
  }
  const signingKeyName = env.SIGNING_KEY_NAME || "share-signing-key";
  const keyName =
    options["--key"] ??
    (command === "rotate" ? signingKeyName : env.OPENID4VP_KEY_NAME || "openid4vp-request-key");
  if (!KEY_NAME.test(keyName)) {
    throw new UsageError(`"${keyName}" is not a Key Vault key name (letters, digits and -)`);
  }
  if (command === "rotate") return { command, vaultUrl, keyName };
  // The signing key's versions change with every rotation, and a certificate for it would outlive none of them.
  if (keyName === signingKeyName) {
    throw new UsageError(
      `"${keyName}" is the signing key: the verifier certificate is for the OpenID4VP request key`,
    );
  }
  const subject = options["--subject"];
  if (subject === undefined) throw new UsageError('no subject: pass --subject "CN=..."');
  try {
    checkSubject(subject);
  } catch (error) {
    throw new UsageError(
      `"${subject}" is not a subject for the certificate: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const badDns = dnsNames.find((name) => !DNS_NAME.test(name));
  if (badDns !== undefined) throw new UsageError(`"${badDns}" is not a DNS name`);
  return { command, vaultUrl, keyName, subject, dnsNames };
}

/**
 * Creates the new version and reads it back as the service will (refusing anything but a non-exportable EC P-256
 * signing key); returns its version and the kid it is published under.
 */
export async function rotateSigningKey(
  { vaultUrl, keyName }: Extract<KeysCommand, { command: "rotate" }>,
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

/**
 * The certificate request for the request key, with the key's kid. The key is read as the service reads it (the
 * newest enabled version, refused unless non-exportable EC P-256 for signing), so the certificate is for the key
 * the service signs request objects with.
 */
export async function requestKeyCertificateRequest(
  command: Extract<KeysCommand, { command: "csr" }>,
  credential: TokenCredential,
): Promise<{ pem: string; kid: string }> {
  const key = await vaultRequestKey(
    keyVaultSigningKeys({
      vaultUrl: command.vaultUrl,
      keyName: command.keyName,
      credential,
      publishLeadMs: 0,
    }),
  );
  const pem = await certificateRequestPem(key, command);
  return { pem, kid: key.kid };
}

async function run(command: KeysCommand): Promise<void> {
  // A vault on this machine is the local emulator, which asks for a bearer token but checks no identity.
  const credential = isLoopbackUrl(command.vaultUrl)
    ? new StaticTokenCredential("local-key-vault-token")
    : new (await import("@azure/identity")).DefaultAzureCredential();
  if (command.command === "rotate") {
    const { version, kid } = await rotateSigningKey(command, credential);
    console.log(`created version ${version} of key ${command.keyName} in ${command.vaultUrl} (kid ${kid})`);
    return;
  }
  const { pem, kid } = await requestKeyCertificateRequest(command, credential);
  // The request alone on stdout, so that it can be redirected to a file; what it is for on stderr.
  console.error(`certificate request for key ${command.keyName} in ${command.vaultUrl} (kid ${kid})`);
  process.stdout.write(pem.endsWith("\n") ? pem : `${pem}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  try {
    await run(parseKeysCommand(process.argv.slice(2), process.env));
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  }
}
