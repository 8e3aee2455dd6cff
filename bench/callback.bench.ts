// Callback: presentation_verified callbacks, each for a distinct pending share, through the local host at 10 and
// 50 keep-alive connections: callbacks/s, p50/p99, and the host process's own CPU per callback. The host serves
// its HTTP functions alone, so its CPU is the callbacks' (each a durable write and the share event's publish),
// not the share-events consumers'. Baseline: a bare node:http server that parses the same bodies and answers
// 200, driven the same way in the same run. Median of BENCH_ROUNDS rounds of BENCH_CALLBACKS callbacks.

import { againstFloor, blobFloor, cosmosFloor, floorOf } from "./floor.js";
import {
  logIn,
  type PendingShare,
  pendingShare,
  presentedShared,
  startStack,
  verifiedCallback,
} from "./stack.js";
import {
  callJson,
  closedLoop,
  cpuDuring,
  keepAlive,
  median,
  percentile,
  report,
  round,
  startPart,
} from "./support.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CALLBACKS = Number(process.env.BENCH_CALLBACKS ?? 500);
const CONNECTIONS = [10, 50];
/** About the size of the payload a callback driven here stores (its credentials' claims, the staff, the holder). */
const PAYLOAD_BYTES = 2_048;
/**
 * The floor the SDKs set: a verified callback makes one Cosmos DB point read and two conditional patches (the
 * share's move and the outbox's drop), and one blob upload (its event's payload); their client CPU is measured
 * through the real SDKs, with the host's own client settings, against the same emulators (bench/floor.ts).
 */
const CALLBACK_OPERATIONS = { read: 1, patch: 2, upload: 1 };

type Run = {
  connections: number;
  perSecond: number;
  p50: number;
  p99: number;
  cpuPerCallback: number;
  errors: number;
};

async function drive(
  url: string,
  pid: number,
  connections: number,
  calls: { apiKey: string; body: unknown; requestId: string }[],
  /** Each request's own callback URL (`<url>/<requestId>`), as the service gives Verified ID; the baseline takes any. */
  perRequest = false,
): Promise<Run> {
  const agent = keepAlive(connections);
  let errors = 0;
  const { result, cpuMs } = await cpuDuring({ server: pid }, () =>
    closedLoop(connections, calls.length, async (index) => {
      const call = calls[index];
      const target = perRequest ? `${url}/${encodeURIComponent(call?.requestId ?? "")}` : url;
      const reply = await callJson(agent, target, {
        body: call?.body,
        headers: { "api-key": call?.apiKey ?? "" },
      });
      if (reply.status !== 200) errors++;
    }),
  );
  agent.destroy();
  return {
    connections,
    perSecond: result.perSecond,
    p50: percentile(result.latencies, 50),
    p99: percentile(result.latencies, 99),
    cpuPerCallback: (cpuMs.server ?? 0) / calls.length,
    errors,
  };
}

const stack = await startStack({ hostFunctions: "http" });
const bare = await startPart("bare");
try {
  const setup = keepAlive(10);
  const session = await logIn(setup, stack.urls);
  const credentials = await presentedShared(stack.urls);
  const service: Run[] = [];
  const baseline: Run[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const connections of CONNECTIONS) {
      const shares: PendingShare[] = [];
      await closedLoop(10, CALLBACKS, async () => {
        shares.push(await pendingShare(setup, stack.urls, session));
      });
      const calls = shares.map((share) => ({
        apiKey: share.apiKey,
        body: verifiedCallback(share, session, credentials),
        requestId: share.shareId,
      }));
      // BENCH_WINDOW_PROF_DIR=<dir> profiles the host over the first round's callbacks at each load.
      const profiled = round === 0 && process.env.BENCH_WINDOW_PROF_DIR !== undefined;
      if (profiled) await stack.parts.host.command("profile-start");
      service.push(
        await drive(`${stack.urls.api}/verifiedid/callback`, stack.pids.host ?? 0, connections, calls, true),
      );
      if (profiled)
        console.log(
          `host profile: ${(await stack.parts.host.command<{ file: string }>("profile-stop")).file}`,
        );
      baseline.push(await drive(String(bare.info.url), bare.pid, connections, calls));
    }
  }
  setup.destroy();
  const errors = service.reduce((sum, run) => sum + run.errors, 0);
  if (errors > 0) throw new Error(`${errors} callbacks were not answered 200`);

  const summary = (runs: Run[], connections: number) => {
    const at = runs.filter((run) => run.connections === connections);
    return {
      perSecond: round(median(at.map((run) => run.perSecond)), 0),
      p50: round(median(at.map((run) => run.p50)), 1),
      p99: round(median(at.map((run) => run.p99)), 1),
      cpuPerCallback: round(median(at.map((run) => run.cpuPerCallback)), 3),
    };
  };
  const rows = CONNECTIONS.flatMap((connections) => [
    { server: "local host, durable callback", connections, ...summary(service, connections) },
    { server: "bare node:http, parse and 200", connections, ...summary(baseline, connections) },
  ]);
  const cosmos = await cosmosFloor(Number(stack.parts.cosmos.info.port), ["read", "patch"]);
  const blob = await blobFloor(String(stack.parts.blob.info.connectionString), PAYLOAD_BYTES, ["upload"]);
  const floor = { readMs: cosmos.read ?? Number.NaN, patchMs: cosmos.patch ?? Number.NaN };
  const uploadMs = blob.upload ?? Number.NaN;
  const floorPerCallback = floorOf({ ...cosmos, ...blob }, CALLBACK_OPERATIONS);
  console.log(
    `@azure/cosmos client CPU: ${round(floor.readMs, 3)} ms a point read, ${round(floor.patchMs, 3)} ms a ` +
      `conditional patch; @azure/storage-blob: ${round(uploadMs, 3)} ms an upload of ${PAYLOAD_BYTES} bytes; ` +
      `a verified callback's four operations: ${round(floorPerCallback, 3)} ms ` +
      `(host CPU ${round(median(service.map((run) => run.cpuPerCallback)) / floorPerCallback, 2)}× that floor)`,
  );
  const value = median(service.map((run) => run.cpuPerCallback));
  const base = median(baseline.map((run) => run.cpuPerCallback));
  const held = againstFloor(value, floorPerCallback);
  report(
    {
      name: "callback",
      unit: "host CPU ms per callback",
      value,
      baseline: { name: "bare node:http server CPU ms per request", value: base },
      params: {
        rounds: ROUNDS,
        callbacksPerRound: CALLBACKS,
        // Held to the floor its operations set (the retired 0.5 ms target sat below the SDKs' own cost).
        ratioToFloor: round(held.ratio, 2),
        withinFloor: held.withinFloor,
        sdkReadMs: round(floor.readMs, 3),
        sdkPatchMs: round(floor.patchMs, 3),
        sdkUploadMs: round(uploadMs, 3),
        sdkFloorPerCallback: round(floorPerCallback, 3),
        ...Object.fromEntries(
          CONNECTIONS.flatMap((connections) => [
            [`at${connections}`, summary(service, connections)],
            [`baselineAt${connections}`, summary(baseline, connections)],
          ]),
        ),
      },
    },
    rows,
  );
} finally {
  await bare.stop();
  await stack.close();
}
