// Two times of one share, 100 shares one after another against the whole local system:
// - share: from POST /api/shares to `shared` (the wallet scans and presents; the callback is applied before the
//   wallet call returns; the portal then reads `shared`);
// - delivery: from the wallet presenting (which sends the callback) to the demo trust listing the verified SET
//   (outbox, topic, deliver consumer, signed push), polled every 2 ms.
// Prints p50 and p99 of each and writes bench/results/share.json. (The whole system in this one process, as in
// the tests; the pipeline benchmark runs each part in its own.)
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSystem } from "../local/system.js";
import { report } from "./support.js";

const SHARES = Number(process.env.BENCH_SHARES ?? 100);
const WARM_UP = 5;

async function send<T>(
  url: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  const response = await fetch(url, {
    method: init.method ?? (init.body === undefined ? "GET" : "POST"),
    headers: { "content-type": "application/json", ...init.headers },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const body = (await response.json()) as T;
  if (!response.ok) throw new Error(`${url}: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

/** The share id (`txn`) of a SET, read without verifying: the demo trust has verified it already. */
const tokenShareId = (token: string) =>
  (JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as { txn?: string }).txn;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;

async function main(): Promise<void> {
  const system = await startSystem({
    ports: { host: 0, verifiedId: 0, demoTrust: 0, cosmos: 0, serviceBus: 0 },
    settings: { LOCAL_KEYS_DIR: mkdtempSync(join(tmpdir(), "staff-passport-bench-")) },
  });
  try {
    const api = `${system.urls.host}/api`;
    const sim = system.urls.verifiedId;
    const requestIdOf = (url: string) =>
      new URL(new URL(url).searchParams.get("request_uri") ?? "").pathname.split("/").pop() ?? "";
    const login = await send<{ loginId: string; pollToken: string; url: string }>(`${api}/logins`, {
      body: { trustId: "RTH" },
    });
    await send(`${sim}/wallet/wallets/demo/present`, { body: { requestId: requestIdOf(login.url) } });
    const { sessionToken } = await send<{ sessionToken: string }>(`${api}/logins/${login.loginId}`, {
      headers: { "x-poll-token": login.pollToken },
    });
    const auth = { authorization: `Bearer ${sessionToken}` };

    const timings: number[] = [];
    const deliveries: number[] = [];
    const receivedFor = async (shareId: string) => {
      const { events } = await send<{ events: { token: string; verified: boolean }[] }>(
        `${system.urls.demoTrust}/events`,
      );
      return events.some((event) => event.verified && tokenShareId(event.token) === shareId);
    };
    for (let i = 0; i < WARM_UP + SHARES; i++) {
      const started = performance.now();
      const share = await send<{ shareId: string; url: string }>(`${api}/shares`, {
        body: { credentialTypes: ["StaffPassportIdentity", "StaffPassportDbsCheck"] },
        headers: auth,
      });
      await send(`${sim}/wallet/wallets/demo/scan`, { body: { url: share.url } });
      const presenting = performance.now();
      await send(`${sim}/wallet/wallets/demo/present`, { body: { requestId: requestIdOf(share.url) } });
      const view = await send<{ status: string }>(`${api}/shares/${share.shareId}`, { headers: auth });
      if (view.status !== "shared") throw new Error(`share ${share.shareId} is ${view.status}`);
      const shared = performance.now();
      while (!(await receivedFor(share.shareId))) {
        if (performance.now() - presenting > 30_000)
          throw new Error(`share ${share.shareId} never reached the trust`);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      if (i >= WARM_UP) {
        timings.push(shared - started);
        deliveries.push(performance.now() - presenting);
      }
    }
    const sorted = [...timings].sort((a, b) => a - b);
    const p50 = percentile(sorted, 50);
    const p99 = percentile(sorted, 99);
    const delivered = [...deliveries].sort((a, b) => a - b);
    console.log("| time | shares | p50 ms | p99 ms | max ms |");
    console.log("| --- | --- | --- | --- | --- |");
    for (const [name, values] of [
      ["POST /api/shares to shared", sorted],
      ["callback to the trust's receipt", delivered],
    ] as const) {
      const row = [percentile(values, 50), percentile(values, 99), values.at(-1) ?? 0].map((v) =>
        v.toFixed(1),
      );
      console.log(`| ${name} | ${SHARES} | ${row.join(" | ")} |`);
    }
    report(
      {
        name: "share",
        unit: "ms",
        value: p50,
        baseline: { name: "callback to the trust's receipt, p50 ms", value: percentile(delivered, 50) },
        params: {
          shares: SHARES,
          p99: Number(p99.toFixed(1)),
          deliveryP50: Number(percentile(delivered, 50).toFixed(1)),
          deliveryP99: Number(percentile(delivered, 99).toFixed(1)),
          types: 2,
          sequential: true,
        },
      },
      [],
    );
  } finally {
    await system.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
