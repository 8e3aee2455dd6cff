// What signing in Key Vault adds to a session token and a share event (SET): tokens signed one after another
// through the real @azure/keyvault-keys SDK against the local Key Vault emulator (local/keyvault, in a process of its
// own, over HTTPS on loopback), against the same tokens signed with a key held in this process (SIGNING_KEYS=local),
// in 5 rounds that take turns.
// The figure is a local round trip plus the emulator's own signing, not Azure's latency: in Azure the call crosses
// the network to the vault, so read it as the floor of what the remote key costs. Writes
// bench/results/signing.json: the median time to issue a session token with the Key Vault key.

import { type ChildProcess, spawn } from "node:child_process";
import { createHash, generateKeyPairSync } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { p256 } from "@noble/curves/nist.js";
import { rotateSigningKey } from "../scripts/keys.js";
import { securityEventTokenSigner } from "../src/adapters/events/securityEventTokens.js";
import { keyVaultSigningKeys } from "../src/adapters/keys/keyVaultSigningKeys.js";
import { localSigningKeys } from "../src/adapters/keys/localSigningKeys.js";
import { issueSessionToken } from "../src/adapters/keys/sessionTokens.js";
import type { SigningKeys } from "../src/adapters/keys/signingKeys.js";
import { StaticTokenCredential } from "../src/adapters/verifiedId/index.js";
import { CREDENTIAL_REQUEST_DECLINED_EVENT } from "../src/domain/shareEvent.js";
import { median, percentile, ROOT, report, round } from "./support.js";

const TOKENS = Number(process.env.BENCH_TOKENS ?? 500);
const WARM_UP = 20;
const ROUNDS = 5;
const ISSUER = "https://passport.example.nhs.uk/api";

async function startEmulator(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ["--import", "tsx", "local/keyvault/cli.ts"], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
  for await (const line of createInterface({ input: child.stdout ?? process.stdin })) {
    const ready = /^ready (\S+)$/.exec(line);
    if (ready?.[1] !== undefined) return { url: ready[1], child };
  }
  throw new Error("The Key Vault emulator stopped before it was ready.");
}

/** Milliseconds each of `count` calls took, one after another, after a warm-up that is not counted. */
async function timed(count: number, call: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < WARM_UP; i++) await call();
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await call();
    times.push(performance.now() - start);
  }
  return times;
}

const session = (keys: SigningKeys) => () =>
  issueSessionToken(keys, {
    issuer: ISSUER,
    subject: "did:jwk:holder",
    trustId: "RTH",
    staff: { staffId: "S-1" },
    now: new Date(),
    ttlSeconds: 900,
  });

const shareEvent = (keys: SigningKeys) => {
  const sign = securityEventTokenSigner(keys, ISSUER);
  let n = 0;
  return () =>
    sign(
      {
        eventId: `evt-${n++}`,
        trustId: "RTH",
        type: CREDENTIAL_REQUEST_DECLINED_EVENT,
        data: { requestId: "req-1", staffId: "S-1", reason: "not now", declinedAt: new Date().toISOString() },
      },
      new Date(),
    );
};

const dir = await mkdtemp(join(tmpdir(), "bench-signing-"));
const emulator = await startEmulator();
try {
  const credential = new StaticTokenCredential("bench-token");
  await rotateSigningKey(
    { command: "rotate", vaultUrl: emulator.url, keyName: "share-signing-key" },
    credential,
  );
  const vault = keyVaultSigningKeys({ vaultUrl: emulator.url, keyName: "share-signing-key", credential });
  const local = localSigningKeys(dir);

  const rows: Record<string, unknown>[] = [];
  const measured: Record<string, number> = {};
  const combinations = [
    ["session token", "local key", session(local)],
    ["session token", "Key Vault key (emulator)", session(vault)],
    ["share event (SET)", "local key", shareEvent(local)],
    ["share event (SET)", "Key Vault key (emulator)", shareEvent(vault)],
  ] as const;
  // Rounds that take turns, so that a change in the machine's load falls on every combination alike.
  const times = combinations.map(() => [] as number[]);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, [, , call]] of combinations.entries()) {
      times[i]?.push(...(await timed(Math.ceil(TOKENS / ROUNDS), call)));
    }
  }
  for (const [i, [kind, store]] of combinations.entries()) {
    const all = times[i] ?? [];
    measured[`${kind} ${store}`] = median(all);
    rows.push({ token: kind, key: store, p50: round(median(all), 3), p99: round(percentile(all, 99), 3) });
  }
  // The emulator's signing alone (@noble/curves over a ready digest, since Node cannot sign one), so the round trip's
  // share of it can be told apart; Key Vault's own signing time is not published.
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const d = Buffer.from(privateKey.export({ format: "jwk" }).d ?? "", "base64url");
  const digest = createHash("sha256").update("bench").digest();
  const emulatorSign = await timed(TOKENS, async () => p256.sign(digest, d, { prehash: false }));
  rows.push({
    token: "emulator's ECDSA alone",
    key: "-",
    p50: round(median(emulatorSign), 3),
    p99: round(percentile(emulatorSign, 99), 3),
  });

  const sessionVault = measured["session token Key Vault key (emulator)"] ?? Number.NaN;
  const sessionLocal = measured["session token local key"] ?? Number.NaN;
  const setVault = measured["share event (SET) Key Vault key (emulator)"] ?? Number.NaN;
  const setLocal = measured["share event (SET) local key"] ?? Number.NaN;
  report(
    {
      name: "signing",
      unit: "ms",
      value: sessionVault,
      baseline: { name: "session token signed with a local key, p50 ms", value: sessionLocal },
      params: {
        tokens: TOKENS,
        sequential: true,
        sessionAddedMs: round(sessionVault - sessionLocal, 3),
        setKeyVaultMs: round(setVault, 3),
        setLocalMs: round(setLocal, 3),
        setAddedMs: round(setVault - setLocal, 3),
        emulatorEcdsaMs: round(median(emulatorSign), 3),
        measures: "local HTTPS round trip to the emulator, not Azure",
      },
    },
    rows,
  );
} finally {
  emulator.child.kill("SIGTERM");
  await rm(dir, { recursive: true, force: true });
}
