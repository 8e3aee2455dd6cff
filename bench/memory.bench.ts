// Memory: the host process's resident set before and after BENCH_SHARES (10,000) shares through the whole
// pipeline (callback to the trust's receipt), each reading taken after a full garbage collection (the host runs
// with --expose-gc). Shares go in rounds of 500: made pending, then their callbacks on 20 connections. Baseline:
// the host's resident set before the run.
import {
  logIn,
  type PendingShare,
  pendingShares,
  presentedShared,
  receipts,
  startStack,
  verifiedCallback,
} from "./stack.js";
import { callJson, closedLoop, keepAlive, report, round } from "./support.js";

const SHARES = Number(process.env.BENCH_SHARES ?? 10_000);
const ROUND = 500;
const MB = 1024 * 1024;

/** The host's memory after a full garbage collection: the resident set, V8's heap, and memory outside it. */
type Reading = { rss: number; heapUsed: number; external: number; arrayBuffers: number };

const stack = await startStack();
try {
  const agent = keepAlive(20);
  const session = await logIn(agent, stack.urls);
  const credentials = await presentedShared(stack.urls);
  const run = async (count: number) => {
    const shares = await pendingShares(agent, stack.urls, session, count);
    await closedLoop(20, shares.length, async (index) => {
      const share = shares[index] as PendingShare;
      const reply = await callJson(
        agent,
        `${stack.urls.api}/verifiedid/callback/${encodeURIComponent(share.shareId)}`,
        {
          body: verifiedCallback(share, session, credentials),
          headers: { "api-key": share.apiKey },
        },
      );
      if (reply.status !== 200) throw new Error(`callback answered ${reply.status}`);
    });
    await receipts(
      stack,
      shares.map((share) => share.shareId),
    );
  };
  await run(200);
  const reading = () => stack.parts.host.command<Reading>("gc");
  const row = (shares: number, at: Reading) => ({
    shares,
    rssMB: round(at.rss / MB, 1),
    heapMB: round(at.heapUsed / MB, 1),
    externalMB: round(at.external / MB, 1),
  });
  const before = await reading();
  const rows: Record<string, unknown>[] = [row(0, before)];
  for (let done = 0; done < SHARES; done += ROUND) {
    await run(Math.min(ROUND, SHARES - done));
    if ((done + ROUND) % 2_000 === 0 || done + ROUND >= SHARES) {
      rows.push(row(Math.min(SHARES, done + ROUND), await reading()));
    }
  }
  const after = await reading();
  agent.destroy();
  report(
    {
      name: "memory",
      unit: "MB of host RSS growth",
      value: (after.rss - before.rss) / MB,
      baseline: { name: "host RSS before, MB", value: before.rss / MB },
      params: {
        shares: SHARES,
        target: 10,
        heapGrowthMB: round((after.heapUsed - before.heapUsed) / MB, 2),
        externalGrowthMB: round((after.external - before.external) / MB, 2),
        bytesPerShare: round((after.rss - before.rss) / SHARES, 0),
        rssAfterMB: round(after.rss / MB, 1),
      },
    },
    rows,
  );
} finally {
  await stack.close();
}
