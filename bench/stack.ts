// The whole local system for a benchmark, each part in a process of its own (bench/parts.ts), so that the host's
// CPU time is the host's alone; and the steps the benchmarks drive it through: log in, start a share, read the
// api-key the simulator holds for it, and the presentation_verified callback the Request Service would send
// (shaped by the test suites' journey helpers).
import { mkdtempSync, rmSync } from "node:fs";
import type { Agent } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { presentedCredential, requestIdOf, subjectOf, verifiedShareBody } from "../test/support/journeys.js";

export { requestIdOf };

import { freePort } from "../test/support/ports.js";
import { callJson, closedLoop, ok, type Part, startPart } from "./support.js";

export type Stack = {
  urls: { api: string; sim: string; trust: string };
  parts: { host: Part; cosmos: Part; servicebus: Part; blob: Part; verifiedid: Part; trust: Part };
  /** Process ids by part, for CPU readings. */
  pids: Record<string, number>;
  close(): Promise<void>;
};

export async function startStack(
  options: {
    hostFunctions?: "all" | "http";
    hostNodeOptions?: readonly string[];
    /** The host starts with the local OpenTelemetry SDK installed, as `npm start` runs it (off by default). */
    hostTracing?: boolean;
  } = {},
): Promise<Stack> {
  const keysDir = mkdtempSync(join(tmpdir(), "staff-passport-bench-keys-"));
  const started: Part[] = [];
  const close = async () => {
    for (const part of started.reverse()) await part.stop();
    rmSync(keysDir, { recursive: true, force: true });
  };
  try {
    const keep = (part: Part) => {
      started.push(part);
      return part;
    };
    const [cosmos, servicebus, verifiedid, blob] = await Promise.all(
      ["cosmos", "servicebus", "verifiedid", "blob"].map(async (name) => keep(await startPart(name))),
    );
    if (!cosmos || !servicebus || !verifiedid || !blob) throw new Error("an emulator did not start");
    const hostPort = await freePort();
    const api = `http://127.0.0.1:${hostPort}/api`;
    const trust = keep(
      // SETs carry the SSF issuer, the host's origin (src/config.ts eventIssuerOf), not the API's base URL.
      await startPart("trust", {
        BENCH_JWKS_URL: `${api}/.well-known/jwks.json`,
        BENCH_ISSUER: new URL(api).origin,
      }),
    );
    const host = keep(
      await startPart(
        "host",
        {
          BENCH_HOST_PORT: String(hostPort),
          BENCH_COSMOS_PORT: String(cosmos.info.port),
          BENCH_SERVICEBUS_CONNECTION: String(servicebus.info.connectionString),
          BENCH_PAYLOAD_STORAGE_CONNECTION: String(blob.info.connectionString),
          BENCH_VERIFIEDID_PORT: String(verifiedid.info.port),
          BENCH_TRUST_URL: String(trust.info.url),
          BENCH_KEYS_DIR: keysDir,
          BENCH_HOST_FUNCTIONS: options.hostFunctions ?? "all",
          BENCH_HOST_TRACING: options.hostTracing ? "on" : "off",
        },
        [
          "--expose-gc",
          // BENCH_PROF_DIR=<dir> writes the host's CPU profile there (node --cpu-prof) when it stops.
          ...(process.env.BENCH_PROF_DIR
            ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROF_DIR}`]
            : []),
          ...(options.hostNodeOptions ?? []),
        ],
      ),
    );
    const parts = { host, cosmos, servicebus, blob, verifiedid, trust };
    return {
      urls: { api, sim: String(verifiedid.info.url), trust: String(trust.info.url) },
      parts,
      // A part that serves from a child process of its own (Azurite) names that child's pid.
      pids: Object.fromEntries(
        Object.entries(parts).map(([name, part]) => [name, Number(part.info.pid ?? part.pid)]),
      ),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** A whole login: start, the wallet presents (its callback is applied before it answers), poll once. */
export async function logIn(
  agent: Agent,
  urls: Stack["urls"],
  wallet = "demo",
  trustId = "RTH",
): Promise<string> {
  const login = await ok<{ loginId: string; pollToken: string; url: string }>(agent, `${urls.api}/logins`, {
    body: { trustId },
  });
  await ok(agent, `${urls.sim}/wallet/wallets/${wallet}/scan`, { body: { url: login.url } });
  await ok(agent, `${urls.sim}/wallet/wallets/${wallet}/present`, {
    body: { requestId: requestIdOf(login.url) },
  });
  const polled = await ok<{ status: string; sessionToken?: string }>(
    agent,
    `${urls.api}/logins/${login.loginId}`,
    {
      headers: { "x-poll-token": login.pollToken },
    },
  );
  if (polled.status !== "verified" || !polled.sessionToken) throw new Error(`login is ${polled.status}`);
  return polled.sessionToken;
}

export const SHARED_TYPES = ["StaffPassportIdentity", "StaffPassportDbsCheck"];

export type PendingShare = { shareId: string; url: string; apiKey: string };

/** A share waiting for its presentation, with the api-key its callback must carry. */
export async function pendingShare(
  agent: Agent,
  urls: Stack["urls"],
  session: string,
): Promise<PendingShare> {
  // Set-up, outside what a benchmark measures: a 503 (a dependency slow to answer on a loaded machine) is asked
  // again, as the portal would, at most three times; any other answer stops the run.
  let share: { shareId: string; url: string } | undefined;
  for (let attempt = 1; share === undefined; attempt++) {
    const reply = await callJson<{ shareId: string; url: string }>(agent, `${urls.api}/shares`, {
      body: { credentialTypes: SHARED_TYPES },
      headers: { authorization: `Bearer ${session}` },
    });
    if (reply.status === 201) share = reply.body;
    else if (reply.status !== 503 || attempt === 3)
      throw new Error(`POST /api/shares answered ${reply.status} ${JSON.stringify(reply.body)}`);
  }
  const held = await ok<{ body: { callback: { headers: Record<string, string> } } }>(
    agent,
    `${urls.sim}/control/requests/${requestIdOf(share.url)}`,
  );
  return { ...share, apiKey: held.body.callback.headers["api-key"] ?? "" };
}

/** The presentation_verified callbacks' credentials: the demo wallet's SHARED_TYPES, as a callback reports them. */
export const presentedShared = (urls: Stack["urls"], wallet = "demo") =>
  Promise.all(SHARED_TYPES.map((type) => presentedCredential(urls, wallet, type)));

/** The presentation_verified callback for a pending share of the session's subject. */
export const verifiedCallback = (
  share: PendingShare,
  session: string,
  credentials: Record<string, unknown>[],
) => verifiedShareBody(share, subjectOf(session), credentials);

/** `count` pending shares, made `concurrency` at a time. */
export async function pendingShares(
  agent: Agent,
  urls: Stack["urls"],
  session: string,
  count: number,
  concurrency = 10,
): Promise<PendingShare[]> {
  const shares: PendingShare[] = [];
  await closedLoop(concurrency, count, async () => {
    shares.push(await pendingShare(agent, urls, session));
  });
  return shares;
}

/** When the demo trust received a verified SET for each share (epoch ms), waiting up to `timeoutMs` for all. */
export async function receipts(
  stack: Stack,
  shareIds: readonly string[],
  timeoutMs = 120_000,
): Promise<Record<string, number>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const received = await stack.parts.trust.command<Record<string, number>>("receipts");
    const missing = shareIds.filter((id) => received[id] === undefined);
    if (missing.length === 0) return received;
    if (Date.now() > deadline)
      throw new Error(`${missing.length} of ${shareIds.length} shares never reached the trust`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Epoch ms with sub-millisecond precision, comparable across processes. */
export const epochNow = () => performance.timeOrigin + performance.now();
