// Cold start: a fresh node process loads the deployable bundle and declares every function, as the Functions
// host's worker does, against `node -e 0` and against the same code unbundled (tsx from the sources), median of
// 20 runs each, in the same run on the same machine. Writes bench/results/cold-start.json. The bundle declares the
// triggers only; the functions' code (dist/functions.cjs) loads on the first invocation.
import { spawnSync } from "node:child_process";
import { statSync } from "node:fs";
import { median, ROOT, report, round } from "./support.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const root = ROOT;

function timeOf(args: string[]): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { cwd: root, env: { PATH: process.env.PATH ?? "" } });
  if (result.status !== 0) throw new Error(`${args.join(" ")} failed: ${result.stderr}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const build = spawnSync(process.execPath, ["scripts/build.mjs"], { cwd: root, encoding: "utf8" });
if (build.status !== 0) throw new Error(`build failed: ${build.stderr}`);

const cases = {
  "node -e 0": ["-e", "0"],
  bundle: ["-e", "require('./dist/main.cjs')"],
  unbundled: ["--import", "tsx", "-e", "await import('./functions/register.ts')"],
} as const;
const times: Record<string, number[]> = { "node -e 0": [], bundle: [], unbundled: [] };
// Interleaved, so that a busy moment on the machine falls on every case alike.
for (let i = 0; i < RUNS; i++) {
  for (const [name, args] of Object.entries(cases)) times[name]?.push(timeOf([...args]));
}
const [baseline, bundle, unbundled] = [
  median(times["node -e 0"] ?? []),
  median(times.bundle ?? []),
  median(times.unbundled ?? []),
];
const bytes = statSync(new URL("../dist/main.cjs", import.meta.url)).size;
const codeBytes = statSync(new URL("../dist/functions.cjs", import.meta.url)).size;

report(
  {
    name: "cold-start",
    unit: "ms",
    value: bundle,
    baseline: { name: "node -e 0", value: baseline },
    params: {
      runs: RUNS,
      bundleBytes: bytes,
      functionsBundleBytes: codeBytes,
      unbundledMs: round(unbundled, 1),
      targetMs: 200,
      targetRatio: 1.7,
    },
  },
  [
    { process: "node -e 0", "median ms": round(baseline, 1) },
    { process: `bundle (dist/main.cjs, ${(bytes / 1024).toFixed(0)} KiB)`, "median ms": round(bundle, 1) },
    { process: "unbundled (tsx, sources)", "median ms": round(unbundled, 1) },
  ],
);
