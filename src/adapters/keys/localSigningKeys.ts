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

type KeysFile = {
  readonly current: StoredSigningJwk;
  readonly previous?: StoredSigningJwk;
  /** When the current key was made (kept beside the JWK as `createdAt`); absent in files from before rotation timing. */
  readonly currentCreatedAt?: Date;
};

export type LocalSigningKeysOptions = {
  /** How long keys are used before the file is read again; short, so a rotation elsewhere is seen soon. */
  readonly reloadMs?: number;
  readonly clock?: () => Date;
  /**
   * How long a new key is published before it signs: at least the JWKS max-age. The reload interval is added,
   * since another process sees the new key only when it next reads the file.
   */
  readonly publishLeadMs?: number;
};

export function localSigningKeys(dir: string, options: LocalSigningKeysOptions = {}): SigningKeys {
  const reloadMs = options.reloadMs ?? 5_000;
  const clock = options.clock ?? (() => new Date());
  const load = refreshingCache(
    async () => {
      const file = await readOrCreateKeysFile(dir);
      const lead = options.publishLeadMs ?? 0;
      const signsFrom =
        file.currentCreatedAt === undefined || lead === 0
          ? undefined
          : new Date(file.currentCreatedAt.getTime() + lead + reloadMs);
      return loadKeyPair(file.current, file.previous, {
        now: clock(),
        ...(signsFrom === undefined ? {} : { newestSignsFrom: signsFrom }),
      });
    },
    // While a new key waits to sign, reload often enough to start using it soon after its time.
    { maxAgeMs: reloadMs, clock },
  );
  return signingKeysFrom(load);
}

/** How long a rotation must wait after the one before (all zero unless given, for tests and first set-up). */
export type RotationGuard = {
  readonly publishLeadMs?: number;
  readonly reloadMs?: number;
  /** How long a retired key must stay published: the longest retry span of a delivery and its timeout. */
  readonly retainMs?: number;
};

/**
 * Makes a new current key and keeps the old current one as previous (the one before that is dropped).
 * Returns the kids, so an operator can see what changed.
 */
export async function rotateLocalSigningKeys(
  dir: string,
  options: RotationGuard = {},
): Promise<{ current: string; previous: string }> {
  const old = await readOrCreateKeysFile(dir);
  // The previous key is dropped by this rotation: refuse while it may still sign, or still be needed to verify.
  const safeFrom =
    (old.currentCreatedAt?.getTime() ?? 0) +
    (options.publishLeadMs ?? 0) +
    (options.reloadMs ?? 0) +
    (options.retainMs ?? 0);
  if (Date.now() < safeFrom) {
    throw new SigningKeyUnavailable(
      `The last rotation is too recent: rotate again after ${new Date(safeFrom).toISOString()}.`,
    );
  }
  const next: KeysFile = {
    current: await generateSigningJwk(),
    previous: old.current,
    currentCreatedAt: new Date(),
  };
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
  const createdText = (value.current as { createdAt?: unknown }).createdAt;
  const created = typeof createdText === "string" ? new Date(createdText) : undefined;
  return {
    current,
    ...(previous === undefined ? {} : { previous }),
    ...(created === undefined || Number.isNaN(created.getTime()) ? {} : { currentCreatedAt: created }),
  };
}

/** Writes the file under a unique temporary name, readable by its owner only. */
async function writeTempFile(dir: string, content: KeysFile): Promise<string> {
  const tmp = join(dir, `.${LOCAL_KEYS_FILE}.${randomBytes(8).toString("hex")}.tmp`);
  const { currentCreatedAt, ...keys } = content;
  const file = {
    ...keys,
    current: { ...keys.current, ...(currentCreatedAt ? { createdAt: currentCreatedAt.toISOString() } : {}) },
  };
  await writeFile(tmp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, flag: "wx" });
  return tmp;
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && "code" in error && error.code === code;
}
