// Stack ready: from spawning `npm start` to its `ready` line (median of BENCH_RUNS, 5), on free ports, each run
// stopped before the next. Baseline: the system's own start as the ready line reports it (emulators, simulator,
// demo pages, host, database and seed), so the ratio is what npm and loading the code add.
import { median, npmStart, report, round } from "./support.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);

const ready: number[] = [];
const own: number[] = [];
for (let run = 0; run < RUNS; run++) {
  const ports = {
    PORT: 0,
    VERIFIEDID_SIM_PORT: 0,
    DEMO_TRUST_PORT: 0,
    COSMOS_PORT: 0,
    SERVICEBUS_PORT: 0,
    AZURITE_BLOB_PORT: 0,
  };
  const system = await npmStart(ports);
  ready.push(system.readyMs);
  own.push(system.ownStartMs);
  await system.stop();
}
report(
  {
    name: "stack-ready",
    unit: "s",
    value: median(ready) / 1000,
    baseline: { name: "the system's own start, s", value: median(own) / 1000 },
    params: { runs: RUNS, target: 1.5, readyMs: ready.map((ms) => round(ms, 0)), ownStartMs: own },
  },
  ready.map((ms, index) => ({
    run: index + 1,
    "npm start to ready ms": round(ms, 0),
    "own start ms": own[index],
  })),
);
