// Loads and validates the local seed (trusts and wallets), for loading the trust directory into Cosmos DB and for
// the Verified ID simulator's ready-made wallets.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import * as z from "zod";
import type { Trust } from "../../src/domain/trust.js";
import { type SeedWallet, seedTrustSchema, seedWalletSchema } from "./schema.js";

export { type SeedWallet, type WalletCredential, walletCredentialSchema } from "./schema.js";

/**
 * The seeded trusts whose systems register an encryption key (API.md section 8) at the jwksUri the seed names: the
 * demo trust makes it and publishes it there, and their SETs arrive encrypted. RRK receives by push.
 */
export const ENCRYPTING_SEED_TRUSTS: readonly string[] = ["RRK"];

/** The folder holding this module and the seed files. */
export const SEED_DIR = fileURLToPath(new URL(".", import.meta.url));

async function readSeedFile<T>(dir: string, file: string, schema: z.ZodType<T>): Promise<T> {
  const path = `${dir.replace(/\/+$/, "")}/${file}`;
  const parsed = schema.safeParse(JSON.parse(await readFile(path, "utf8")));
  if (!parsed.success) throw new Error(`Seed file ${path} is invalid:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

export async function loadSeedTrusts(dir: string = SEED_DIR): Promise<Trust[]> {
  const trusts = await readSeedFile(dir, "trusts.json", z.array(seedTrustSchema));
  assertUnique(
    trusts.map((trust) => trust.id),
    "trust id",
  );
  return trusts;
}

export async function loadSeedWallets(dir: string = SEED_DIR): Promise<SeedWallet[]> {
  const wallets = await readSeedFile(dir, "wallets.json", z.array(seedWalletSchema));
  assertUnique(
    wallets.map((wallet) => wallet.id),
    "wallet id",
  );
  return wallets;
}

function assertUnique(values: readonly string[], what: string): void {
  const seen = new Set<string>();
  for (const value of values) {
    if (seen.has(value)) throw new Error(`Duplicate ${what} in the seed: ${value}`);
    seen.add(value);
  }
}
