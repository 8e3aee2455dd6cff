// Pipeline: shares from the presentation_verified callback to the verified SET at the demo trust (callback,
// outbox, share-events topic, record and deliver consumers, signed push), every part in a process of its own.
// At fixed arrival rates of callbacks (10, 20, 50 a second, BENCH_SECONDS each): p50/p99 from the callback sent
// to the trust's receipt, and each process's CPU per share over the whole run (callbacks sent until the last SET
// arrived). Then the sustained rate: all callbacks of a round at once on 50 connections, shares per second until
// the last SET arrived. Baseline: the floor, measured in the same run once the host has stopped: the client CPU,
// through the real SDKs with the host's own client settings and against the same emulators, of the operations
// the host makes a share from the callback on (bench/floor.ts): the Cosmos DB operations by kind
// (bench/shareOperations.ts), the payload's upload, download and delete, the share event's send and its receive
// and complete on both subscriptions, the SET's ES256 signature and its push on a connection of its own, over the
// protocol the demo trust is reached by. Those operations are made share by share in the host's order, the shares
// arriving at the same rates for the same seconds, and the median over the rates of the CPU a share is the floor
// the host must stay within 20% of; the same operations back to back, hundreds of a kind in a row, are reported
// beside it.
// The host runs with tracing on, as `npm start` runs it: the local OpenTelemetry SDK keeps every span in memory
// (and exports it over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set). Tracing's cost is then measured at 20/s
// only, to keep the run short: four more windows of BENCH_SECONDS with the SDK switched off, on, on and off in the
// host (the order cancels a drift as the emulators' stores grow), each window's shares started after the switch so
// that their callbacks join the trace their share began, or none. The spans kept for each share's trace are
// counted and their JSON measured at the end of an "on" window.

import { CREDENTIALS_SHARED_EVENT } from "../src/domain/shareEvent.js";
import {
  againstFloor,
  blobFloor,
  cosmosFloor,
  FLOOR_TOLERANCE,
  floorOf,
  type Opened,
  type Operation,
  openBlob,
  openCosmos,
  openPush,
  openServiceBus,
  openSigning,
  pacedCpu,
  pacedFloorOf,
  pushFloor,
  serviceBusFloor,
  shareOf,
  signingFloor,
} from "./floor.js";
import { pipelineCounts, SHARE_MESSAGES, SHARE_SEQUENCE, type ShareStep } from "./shareOperations.js";
import {
  epochNow,
  logIn,
  type PendingShare,
  pendingShares,
  presentedShared,
  receipts,
  SHARED_TYPES,
  type Stack,
  startStack,
  verifiedCallback,
} from "./stack.js";
import { callJson, closedLoop, cpuDuring, keepAlive, median, percentile, report, round } from "./support.js";
import type { KeptSpans } from "./tracing.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const RATES = [10, 20, 50];
const SUSTAINED = Number(process.env.BENCH_SUSTAINED ?? 500);
const WARM_SHARES = Number(process.env.BENCH_WARM_SHARES ?? 300);
/** Rounds of the floor's measurement; the middle one is kept (the median, for an odd number). */
const FLOOR_ROUNDS = Number(process.env.BENCH_FLOOR_ROUNDS ?? 3);
/** Untimed shares before the paced floor's windows, at 50 a second. */
const PACED_WARM_SHARES = Number(process.env.BENCH_FLOOR_PACED_WARM_SHARES ?? 100);
const TRACING_RATE = 20;
const TRACING_ORDER = ["off", "on", "on", "off"] as const;
/** About the size of a share event's payload here (its credentials' claims, the staff, the holder), as callback's. */
const PAYLOAD_BYTES = 2_048;
/** A share event message as the outbox publishes it: the envelope and the credentials' types, no claim values. */
const EVENT_MESSAGE = {
  eventId: "0".repeat(32),
  trustId: "RTH",
  occurredAt: new Date(0).toISOString(),
  type: CREDENTIALS_SHARED_EVENT,
  data: {
    shareId: "0".repeat(32),
    trustId: "RTH",
    sharedAt: new Date(0).toISOString(),
    credentials: SHARED_TYPES.map((type) => ({ type, issuer: `did:web:issuer.example#${type}` })),
  },
};

/** The floor of one share from the callback on: each kind's client CPU, what the host makes of each, and the sum. */
async function pipelineFloor(stack: Stack) {
  const cosmos = await cosmosFloor(Number(stack.parts.cosmos.info.port), [
    "read",
    "patch",
    "create",
    "createConflict",
  ]);
  const blob = await blobFloor(String(stack.parts.blob.info.connectionString), PAYLOAD_BYTES, [
    "upload",
    "download",
    "delete",
  ]);
  const message = await serviceBusFloor(
    String(stack.parts.servicebus.info.connectionString),
    "share-events",
    SHARE_MESSAGES.subscriptions,
    EVENT_MESSAGE,
  );
  const { signMs, tokenBytes } = await signingFloor(PAYLOAD_BYTES);
  // The push goes as the host's goes to the demo trust; the other protocol's cost is reported beside it.
  const protocol: "http" | "https" = new URL(stack.urls.trust).protocol === "https:" ? "https" : "http";
  const push = await pushFloor(tokenBytes, protocol);
  const httpsPush = protocol === "https" ? push : await pushFloor(tokenBytes, "https");
  const costs = { ...cosmos, ...blob, message, sign: signMs, push };
  const counts = pipelineCounts();
  return {
    perShare: floorOf(costs, counts),
    costs: Object.fromEntries(Object.entries(costs).map(([kind, ms]) => [kind, round(ms, 3)])),
    counts,
    pushProtocol: protocol,
    httpsPushMs: round(httpsPush, 3),
    setBytes: tokenBytes,
  };
}

/**
 * The floor at the host's own pace: the same operations through the same clients, but share by share in the order
 * the host makes them (SHARE_SEQUENCE), the shares arriving at each of RATES for SECONDS as the host's callbacks
 * do, this process's CPU over each rate's window divided by its shares, and the median over the rates. An operation
 * after an idle gap costs more than one straight after another of its kind, and the host meets its operations so.
 */
async function pacedPipelineFloor(stack: Stack, protocol: "http" | "https") {
  const closes: (() => Promise<void>)[] = [];
  const opened = <Kind extends string>(one: Opened<Kind>) => {
    closes.push(one.close);
    return one.run;
  };
  try {
    const signing = await openSigning(PAYLOAD_BYTES);
    const run: Record<ShareStep, Operation> = {
      ...opened(await openCosmos(Number(stack.parts.cosmos.info.port))),
      ...opened(await openBlob(String(stack.parts.blob.info.connectionString), PAYLOAD_BYTES)),
      ...opened(
        await openServiceBus(
          String(stack.parts.servicebus.info.connectionString),
          "share-events",
          SHARE_MESSAGES.subscriptions,
          EVENT_MESSAGE,
        ),
      ),
      ...opened(signing),
      ...opened(await openPush(signing.tokenBytes, protocol)),
    };
    const share = shareOf(SHARE_SEQUENCE, run);
    // Untimed shares first, so that these clients' connections and links are open and warm.
    await pacedCpu(share, 50, PACED_WARM_SHARES);
    const windows: { rate: number; shares: number; cpuMs: number }[] = [];
    for (const rate of RATES)
      windows.push({ rate, shares: rate * SECONDS, cpuMs: await pacedCpu(share, rate, rate * SECONDS) });
    const { byRate, perShare } = pacedFloorOf(windows);
    return {
      perShare,
      byRate: Object.fromEntries(Object.entries(byRate).map(([rate, ms]) => [rate, round(ms, 3)])),
      sequence: SHARE_SEQUENCE,
      warmShares: PACED_WARM_SHARES,
    };
  } finally {
    for (const close of closes) await close();
  }
}

/** One or more windows' latencies and each process's CPU ms, over their shares. */
type Window = { shares: number; latencies: number[]; cpuMs: Record<string, number> };
type Figures = { shares: number; p50: number; p99: number; cpuPerShare: Record<string, number> };

/** Windows pooled: latencies together, CPU per share over all their shares. */
function figuresOf(windows: readonly Window[]): Figures {
  const shares = windows.reduce((total, window) => total + window.shares, 0);
  const latencies = windows.flatMap((window) => window.latencies);
  const cpuMs: Record<string, number> = {};
  for (const window of windows)
    for (const [name, ms] of Object.entries(window.cpuMs)) cpuMs[name] = (cpuMs[name] ?? 0) + ms;
  return {
    shares,
    p50: round(percentile(latencies, 50), 1),
    p99: round(percentile(latencies, 99), 1),
    cpuPerShare: Object.fromEntries(Object.entries(cpuMs).map(([name, ms]) => [name, round(ms / shares, 3)])),
  };
}

const rowOf = (offered: number | string, figures: Figures) => ({
  "shares/s offered": offered,
  shares: figures.shares,
  p50: figures.p50,
  p99: figures.p99,
  ...Object.fromEntries(Object.entries(figures.cpuPerShare).map(([name, ms]) => [`${name} CPU ms`, ms])),
});

const stack: Stack = await startStack({ hostTracing: true });
try {
  const agent = keepAlive(50);
  const session = await logIn(agent, stack.urls);
  const credentials = await presentedShared(stack.urls);
  // A 503 (a dependency did not answer in time, as on a loaded machine) is sent again, as the Request Service
  // retries a callback; the retries are counted and reported, and any other answer stops the run.
  let callbackRetries = 0;
  const callback = async (share: PendingShare) => {
    for (let attempt = 1; ; attempt++) {
      const reply = await callJson(
        agent,
        `${stack.urls.api}/verifiedid/callback/${encodeURIComponent(share.shareId)}`,
        {
          body: verifiedCallback(share, session, credentials),
          headers: { "api-key": share.apiKey },
        },
      );
      if (reply.status === 200) return;
      if (reply.status !== 503 || attempt === 3) throw new Error(`callback answered ${reply.status}`);
      callbackRetries++;
    }
  };

  /** A window at `rate` callbacks a second for SECONDS: its shares are started first, outside the measurement. */
  const window = async (rate: number, profiled = false): Promise<Window> => {
    const shares = await pendingShares(agent, stack.urls, session, rate * SECONDS);
    const sentAt = new Map<string, number>();
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
    return { shares: shares.length, latencies, cpuMs };
  };

  // Warm-up: every function, client and link has run, and often enough that the JIT has compiled the hot paths,
  // as the floor's operations are warm when it measures them; else the first windows measure the start.
  const warm = await pendingShares(agent, stack.urls, session, WARM_SHARES);
  await closedLoop(10, warm.length, (index) => callback(warm[index] as PendingShare));
  await receipts(
    stack,
    warm.map((share) => share.shareId),
  );

  const rows: Record<string, unknown>[] = [];
  const perRate: Record<string, Figures> = {};
  for (const rate of RATES) {
    // BENCH_WINDOW_PROF_DIR=<dir> profiles the host over the 20 shares/s window alone.
    const figures = figuresOf([
      await window(rate, rate === 20 && process.env.BENCH_WINDOW_PROF_DIR !== undefined),
    ]);
    perRate[rate] = figures;
    rows.push(rowOf(rate, figures));
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

  // Tracing off and on at TRACING_RATE, in the same host, in the order that cancels a linear drift.
  const byMode: Record<"on" | "off", Window[]> = { on: [], off: [] };
  let kept: KeptSpans | undefined;
  for (const mode of TRACING_ORDER) {
    await stack.parts.host.command(mode === "on" ? "tracing-on" : "tracing-off");
    byMode[mode].push(await window(TRACING_RATE));
    if (mode === "on" && kept === undefined) kept = await stack.parts.host.command<KeptSpans>("spans");
  }
  await stack.parts.host.command("tracing-on");
  agent.destroy();
  const on = figuresOf(byMode.on);
  const off = figuresOf(byMode.off);
  const hostOn = on.cpuPerShare.host ?? Number.NaN;
  const hostOff = off.cpuPerShare.host ?? Number.NaN;
  const tracing = {
    rate: TRACING_RATE,
    order: TRACING_ORDER,
    secondsPerWindow: SECONDS,
    on,
    off,
    overheadPercent: round(((hostOn - hostOff) / hostOff) * 100, 1),
    hostCpuMsPerShare: { on: hostOn, off: hostOff, added: round(hostOn - hostOff, 3) },
    p50Added: round(on.p50 - off.p50, 1),
    p99Added: round(on.p99 - off.p99, 1),
    // What the local SDK holds in memory for one share's trace (spans as the waterfall keeps them, JSON).
    kept: {
      spansPerShare: median(kept?.spansPerShare ?? []),
      bytesPerShare: median(kept?.bytesPerShare ?? []),
      spanNames: kept?.spanNames ?? [],
      shareTraces: kept?.spansPerShare.length ?? 0,
    },
  };
  rows.push(rowOf(`${TRACING_RATE}, tracing off (${byMode.off.length} windows)`, off));
  rows.push(rowOf(`${TRACING_RATE}, tracing on (${byMode.on.length} windows)`, on));
  rows.push({
    "shares/s offered": "tracing on against off",
    p50: tracing.p50Added,
    p99: tracing.p99Added,
    "host CPU ms": tracing.hostCpuMsPerShare.added,
    "host CPU %": tracing.overheadPercent,
  });

  // The floor is measured with the host stopped, so that nothing else reads the share-events subscriptions.
  // Three rounds, the median kept: a neighbour's burst on the shared cores moves one round's floor by a fifth.
  await stack.parts.host.stop();
  const floors: Awaited<ReturnType<typeof pipelineFloor>>[] = [];
  for (let i = 0; i < FLOOR_ROUNDS; i++) floors.push(await pipelineFloor(stack));
  const floor = [...floors].sort((a, b) => a.perShare - b.perShare)[Math.floor(floors.length / 2)];
  if (floor === undefined) throw new Error("no floor was measured");
  // Then the same operations at the host's own pace, the floor the host is held to.
  const paced = await pacedPipelineFloor(stack, floor.pushProtocol);
  const hostPerShare = median(RATES.map((rate) => perRate[rate]?.cpuPerShare.host ?? Number.NaN));
  const held = againstFloor(hostPerShare, paced.perShare);
  const backToBack = againstFloor(hostPerShare, floor.perShare);
  report(
    {
      name: "pipeline",
      unit: "host CPU ms per share",
      value: hostPerShare,
      baseline: {
        name: "paced SDK floor: client CPU ms of a share's operations in the host's order at the host's rates",
        value: paced.perShare,
      },
      params: {
        ratioToFloor: round(held.ratio, 3),
        withinFloor: held.withinFloor,
        tolerance: FLOOR_TOLERANCE,
        pacedFloor: { ...paced, perShare: round(paced.perShare, 3) },
        backToBackFloor: floor,
        ratioToBackToBackFloor: round(backToBack.ratio, 3),
        floorRounds: floors.map((one) => round(one.perShare, 3)),
        floorGapMs: Number(process.env.BENCH_FLOOR_GAP_MS ?? 0),
        p99At20: perRate[20]?.p99,
        p99TargetAt20: 250,
        sustainedSharesPerSecond: round(sustained, 1),
        secondsPerRate: SECONDS,
        warmShares: WARM_SHARES,
        callbackRetries,
        byRate: perRate,
        tracing,
      },
    },
    rows,
  );
  console.log(
    `floor a share from the callback on, back to back: ${round(floor.perShare, 3)} ms of client CPU (${Object.entries(
      floor.counts,
    )
      .map(([kind, count]) => `${count} × ${kind} ${floor.costs[kind]} ms`)
      .join(
        ", ",
      )}; push over ${floor.pushProtocol}, ${floor.httpsPushMs} ms over https); at the host's pace: ` +
      `${round(paced.perShare, 3)} ms (${RATES.map((rate) => `${paced.byRate[rate]} at ${rate}/s`).join(", ")}); ` +
      `host ${round(hostPerShare, 3)} ms a share: ${round(held.ratio, 2)}× the paced floor ` +
      `(${held.withinFloor ? "within" : "beyond"} ${Math.round((FLOOR_TOLERANCE - 1) * 100)}%), ` +
      `${round(backToBack.ratio, 2)}× the back-to-back one`,
  );
  console.log(
    `tracing at ${TRACING_RATE}/s: host CPU ${hostOn} ms a share on, ${hostOff} off (${tracing.overheadPercent}%); ` +
      `p50 ${on.p50} / ${off.p50} ms, p99 ${on.p99} / ${off.p99} ms; ` +
      `${tracing.kept.spansPerShare} spans, about ${tracing.kept.bytesPerShare} bytes of JSON kept a share`,
  );
} finally {
  await stack.close();
}
