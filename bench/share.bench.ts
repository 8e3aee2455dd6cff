// Time of one share, from POST /api/shares to `shared`: the staff member starts the share, the wallet scans
// and presents (the callback is applied before the wallet call returns), and the portal reads `shared`.
// 100 shares one after another against the whole local system; prints p50 and p99 and writes
// bench/results/share.json.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSystem } from "../local/system.js";

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
    for (let i = 0; i < WARM_UP + SHARES; i++) {
      const started = performance.now();
      const share = await send<{ shareId: string; url: string }>(`${api}/shares`, {
        body: { credentialTypes: ["StaffPassportIdentity", "StaffPassportDbsCheck"] },
        headers: auth,
      });
      await send(`${sim}/wallet/wallets/demo/scan`, { body: { url: share.url } });
      await send(`${sim}/wallet/wallets/demo/present`, { body: { requestId: requestIdOf(share.url) } });
      const view = await send<{ status: string }>(`${api}/shares/${share.shareId}`, { headers: auth });
      if (view.status !== "shared") throw new Error(`share ${share.shareId} is ${view.status}`);
      if (i >= WARM_UP) timings.push(performance.now() - started);
    }
    const sorted = [...timings].sort((a, b) => a - b);
    const p50 = percentile(sorted, 50);
    const p99 = percentile(sorted, 99);
    console.log("| shares | p50 ms | p99 ms | max ms |");
    console.log("| --- | --- | --- | --- |");
    console.log(`| ${SHARES} | ${p50.toFixed(1)} | ${p99.toFixed(1)} | ${(sorted.at(-1) ?? 0).toFixed(1)} |`);
    const results = new URL("./results/", import.meta.url);
    mkdirSync(results, { recursive: true });
    writeFileSync(
      new URL("share.json", results),
      `${JSON.stringify(
        {
          name: "share",
          unit: "ms",
          value: Number(p50.toFixed(1)),
          params: { shares: SHARES, p99: Number(p99.toFixed(1)), types: 2, sequential: true },
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    await system.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
