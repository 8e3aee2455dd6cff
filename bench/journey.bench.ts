// Journeys: whole login journeys (start, the wallet scans and presents, poll until verified) and whole share
// journeys (start, scan, present, poll until shared) by 10 concurrent clients against `npm start` on free ports,
// BENCH_JOURNEYS of each a round, median of BENCH_ROUNDS rounds. Baseline: 23.6 logins/s, measured the same way on
// this machine before connection reuse, cheaper QR codes and the other fixes (the target is 4 times that).
// The local login rate limit (1,000 a minute per client) bounds a run at about 1,000 logins.
import { requestIdOf, SHARED_TYPES } from "./stack.js";
import { closedLoop, keepAlive, median, npmStart, ok, percentile, report, round } from "./support.js";

const CLIENTS = 10;
const JOURNEYS = Number(process.env.BENCH_JOURNEYS ?? 200);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const BEFORE = 23.6;

const system = await npmStart({
  PORT: 0,
  VERIFIEDID_SIM_PORT: 0,
  DEMO_TRUST_PORT: 0,
  COSMOS_PORT: 0,
  SERVICEBUS_PORT: 0,
  AZURITE_BLOB_PORT: 0,
});
const { api, sim } = system.urls;
const agent = keepAlive(CLIENTS * 2);

async function present(url: string): Promise<void> {
  await ok(agent, `${sim}/wallet/wallets/demo/scan`, { body: { url } });
  await ok(agent, `${sim}/wallet/wallets/demo/present`, { body: { requestId: requestIdOf(url) } });
}

async function login(): Promise<string> {
  const started = await ok<{ loginId: string; pollToken: string; url: string }>(agent, `${api}/logins`, {
    body: { trustId: "RTH" },
  });
  await present(started.url);
  for (;;) {
    const polled = await ok<{ status: string; sessionToken?: string }>(
      agent,
      `${api}/logins/${started.loginId}`,
      {
        headers: { "x-poll-token": started.pollToken },
      },
    );
    if (polled.status === "verified" && polled.sessionToken) return polled.sessionToken;
    if (polled.status !== "pending") throw new Error(`login is ${polled.status}`);
  }
}

async function share(session: string): Promise<void> {
  const auth = { authorization: `Bearer ${session}` };
  const started = await ok<{ shareId: string; url: string }>(agent, `${api}/shares`, {
    body: { credentialTypes: SHARED_TYPES },
    headers: auth,
  });
  await present(started.url);
  for (;;) {
    const view = await ok<{ status: string }>(agent, `${api}/shares/${started.shareId}`, { headers: auth });
    if (view.status === "shared") return;
    if (view.status !== "pending") throw new Error(`share is ${view.status}`);
  }
}

try {
  const sessions = await Promise.all(Array.from({ length: CLIENTS }, () => login()));
  for (const session of sessions) await share(session);
  const logins: { perSecond: number; p50: number; p99: number }[] = [];
  const shares: { perSecond: number; p50: number; p99: number }[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const loginRun = await closedLoop(CLIENTS, JOURNEYS, async () => {
      await login();
    });
    logins.push({
      perSecond: loginRun.perSecond,
      p50: percentile(loginRun.latencies, 50),
      p99: percentile(loginRun.latencies, 99),
    });
    const shareRun = await closedLoop(CLIENTS, JOURNEYS, (index) => share(sessions[index % CLIENTS] ?? ""));
    shares.push({
      perSecond: shareRun.perSecond,
      p50: percentile(shareRun.latencies, 50),
      p99: percentile(shareRun.latencies, 99),
    });
  }
  const summary = (runs: typeof logins) => ({
    perSecond: round(median(runs.map((run) => run.perSecond)), 1),
    p50: round(median(runs.map((run) => run.p50)), 1),
    p99: round(median(runs.map((run) => run.p99)), 1),
  });
  const loginSummary = summary(logins);
  const shareSummary = summary(shares);
  report(
    {
      name: "journey",
      unit: "logins/s",
      value: loginSummary.perSecond,
      baseline: { name: "logins/s before the fixes (same machine, same method)", value: BEFORE },
      params: {
        clients: CLIENTS,
        journeysPerRound: JOURNEYS,
        rounds: ROUNDS,
        target: 4 * BEFORE,
        login: loginSummary,
        share: shareSummary,
      },
    },
    [
      { journey: "login", ...loginSummary },
      { journey: "share", ...shareSummary },
    ],
  );
} finally {
  agent.destroy();
  await system.stop();
}
