// Pipeline: shares from the presentation_verified callback to the verified SET at the demo trust (callback,
// outbox, share-events topic, record and deliver consumers, signed push), every part in a process of its own.
// At fixed arrival rates of callbacks (10, 20, 50 a second, BENCH_SECONDS each): p50/p99 from the callback sent
// to the trust's receipt, and each process's CPU per share over the whole run (callbacks sent until the last SET
// arrived). Then the sustained rate: all callbacks of a round at once on 50 connections, shares per second until
// the last SET arrived. Baseline: the Cosmos DB emulator's CPU per share in the same run, since every local
// operation costs its emulator more than it costs us.
import {
  epochNow,
  logIn,
  type PendingShare,
  pendingShares,
  presentedShared,
  receipts,
  startStack,
  verifiedCallback,
} from "./stack.js";
import { callJson, closedLoop, cpuDuring, keepAlive, median, percentile, report, round } from "./support.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const RATES = [10, 20, 50];
const SUSTAINED = Number(process.env.BENCH_SUSTAINED ?? 500);

const stack = await startStack();
try {
  const agent = keepAlive(50);
  const session = await logIn(agent, stack.urls);
  const credentials = await presentedShared(stack.urls);
  const callback = async (share: PendingShare) => {
    const reply = await callJson(
      agent,
      `${stack.urls.api}/verifiedid/callback/${encodeURIComponent(share.shareId)}`,
      {
        body: verifiedCallback(share, session, credentials),
        headers: { "api-key": share.apiKey },
      },
    );
    if (reply.status !== 200) throw new Error(`callback answered ${reply.status}`);
  };
  // Warm-up: every function, client and link has run once.
  const warm = await pendingShares(agent, stack.urls, session, 20);
  for (const share of warm) await callback(share);
  await receipts(
    stack,
    warm.map((share) => share.shareId),
  );

  const rows: Record<string, unknown>[] = [];
  const perRate: Record<string, { p50: number; p99: number; cpuPerShare: Record<string, number> }> = {};
  for (const rate of RATES) {
    const shares = await pendingShares(agent, stack.urls, session, rate * SECONDS);
    const sentAt = new Map<string, number>();
    // BENCH_WINDOW_PROF_DIR=<dir> profiles the host over the 20 shares/s window alone.
    const profiled = rate === 20 && process.env.BENCH_WINDOW_PROF_DIR !== undefined;
    if (profiled) await stack.parts.host.command("profile-start");
    const { result: arrived, cpuMs } = await cpuDuring(stack.pids, async () => {
      const started = performance.now();
      const sends = shares.map(async (share, index) => {
        const due = started + (index * 1000) / rate;
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
        sentAt.set(share.shareId, epochNow());
        await callback(share);
      });
      await Promise.all(sends);
      return receipts(
        stack,
        shares.map((share) => share.shareId),
      );
    });
    if (profiled)
      console.log(`host profile: ${(await stack.parts.host.command<{ file: string }>("profile-stop")).file}`);
    const latencies = shares.map((share) => (arrived[share.shareId] ?? 0) - (sentAt.get(share.shareId) ?? 0));
    const cpuPerShare = Object.fromEntries(
      Object.entries(cpuMs).map(([name, ms]) => [name, round(ms / shares.length, 3)]),
    );
    perRate[rate] = {
      p50: round(percentile(latencies, 50), 1),
      p99: round(percentile(latencies, 99), 1),
      cpuPerShare,
    };
    rows.push({
      "shares/s offered": rate,
      shares: shares.length,
      p50: perRate[rate]?.p50,
      p99: perRate[rate]?.p99,
      ...Object.fromEntries(Object.entries(cpuPerShare).map(([name, ms]) => [`${name} CPU ms`, ms])),
    });
  }

  const shares = await pendingShares(agent, stack.urls, session, SUSTAINED);
  const started = epochNow();
  await closedLoop(50, shares.length, (index) => callback(shares[index] as PendingShare));
  const arrived = await receipts(
    stack,
    shares.map((share) => share.shareId),
  );
  const last = Math.max(...shares.map((share) => arrived[share.shareId] ?? 0));
  const sustained = shares.length / ((last - started) / 1000);
  rows.push({
    "shares/s offered": "as fast as 50 connections go",
    shares: shares.length,
    sustained: round(sustained, 1),
  });
  agent.destroy();

  const hostPerShare = median(RATES.map((rate) => perRate[rate]?.cpuPerShare.host ?? Number.NaN));
  const cosmosPerShare = median(RATES.map((rate) => perRate[rate]?.cpuPerShare.cosmos ?? Number.NaN));
  report(
    {
      name: "pipeline",
      unit: "host CPU ms per share",
      value: hostPerShare,
      baseline: { name: "Cosmos DB emulator CPU ms per share", value: cosmosPerShare },
      params: {
        target: 2,
        p99At20: perRate[20]?.p99,
        p99TargetAt20: 250,
        sustainedSharesPerSecond: round(sustained, 1),
        secondsPerRate: SECONDS,
        byRate: perRate,
      },
    },
    rows,
  );
} finally {
  await stack.close();
}
