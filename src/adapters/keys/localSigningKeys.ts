// Signing keys for local runs and tests: a P-256 key made on first use and kept as a JWK file in a git-ignored
// folder, with a previous key kept beside it after rotation so that tokens signed before still verify.

import { randomBytes } from "node:crypto";
import { link, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { refreshingCache } from "./refreshingCache.js";
import {
  generateSigningJwk,
  loadKeyPair,
  loadSigningKey,
  parseSigningJwk,
  type SigningKeys,
  SigningKeyUnavailable,
  type StoredSigningJwk,
  signingKeysFrom,
} from "./signingKeys.js";

/** Both keys live in one file, so a rotation replaces them together in a single rename. */
export const LOCAL_KEYS_FILE = "signing-keys.json";

type KeysFile = { readonly current: StoredSigningJwk; readonly previous?: StoredSigningJwk };

export type LocalSigningKeysOptions = {
  /** How long keys are used before the file is read again; short, so a rotation elsewhere is seen soon. */
  readonly reloadMs?: number;
  readonly clock?: () => Date;
};

export function localSigningKeys(dir: string, options: LocalSigningKeysOptions = {}): SigningKeys {
  const load = refreshingCache(
    async () => {
      const file = await readOrCreateKeysFile(dir);
      return loadKeyPair(file.current, file.previous);
    },
    { maxAgeMs: options.reloadMs ?? 5_000, ...(options.clock === undefined ? {} : { clock: options.clock }) },
  );
  return signingKeysFrom(load);
}

/**
 * Makes a new current key and keeps the old current one as previous (the one before that is dropped).
 * Returns the kids, so an operator can see what changed.
 */
export async function rotateLocalSigningKeys(dir: string): Promise<{ current: string; previous: string }> {
  const old = await readOrCreateKeysFile(dir);
  const next: KeysFile = { current: await generateSigningJwk(), previous: old.current };
  const tmp = await writeTempFile(dir, next);
  await rename(tmp, join(dir, LOCAL_KEYS_FILE));
  const [current, previous] = await Promise.all([loadSigningKey(next.current), loadSigningKey(old.current)]);
  return { current: current.kid, previous: previous.kid };
}

async function readOrCreateKeysFile(dir: string): Promise<KeysFile> {
  const path = join(dir, LOCAL_KEYS_FILE);
  const existing = await readKeysFile(path);
  if (existing !== undefined) return existing;

  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = await writeTempFile(dir, { current: await generateSigningJwk() });
  try {
    // link() fails if the file exists, so when two processes start together exactly one key wins and the file
    // is never seen half-written; the loser reads the winner's key below.
    await link(tmp, path);
  } catch (error) {
    if (!isErrno(error, "EEXIST")) throw error;
  } finally {
    await rm(tmp, { force: true });
  }
  const created = await readKeysFile(path);
  if (created === undefined) throw new SigningKeyUnavailable(`The signing key file in ${dir} vanished.`);
  return created;
}

async function readKeysFile(path: string): Promise<KeysFile | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if (isErrno(error, "ENOENT")) return undefined;
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // The message of a JSON.parse error quotes the text, which is private key material.
    throw new SigningKeyUnavailable(`The signing key file ${path} is not JSON.`);
  }
  if (typeof value !== "object" || value === null || !("current" in value)) {
    throw new SigningKeyUnavailable(`The signing key file ${path} has no current key.`);
  }
  const current = parseSigningJwk(value.current);
  const previous =
    "previous" in value && value.previous !== undefined ? parseSigningJwk(value.previous) : undefined;
  return previous === undefined ? { current } : { current, previous };
}

/** Writes the file under a unique temporary name, readable by its owner only. */
async function writeTempFile(dir: string, content: KeysFile): Promise<string> {
  const tmp = join(dir, `.${LOCAL_KEYS_FILE}.${randomBytes(8).toString("hex")}.tmp`);
  await writeFile(tmp, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600, flag: "wx" });
  return tmp;
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && "code" in error && error.code === code;
}
