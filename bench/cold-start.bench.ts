// Cold start: a fresh node process loads the deployable bundle and declares every function, as the Functions
// host's worker does, against `node -e 0` and against the same code unbundled (tsx from the sources), median of
// 20 runs each, in the same run on the same machine. Writes bench/results/cold-start.json.
import { spawnSync } from "node:child_process";
import { mkdirSync, statSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const root = fileURLToPath(new URL("../", import.meta.url));

function timeOf(args: string[]): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { cwd: root, env: { PATH: process.env.PATH ?? "" } });
  if (result.status !== 0) throw new Error(`${args.join(" ")} failed: ${result.stderr}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

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

console.log("| process | median ms |");
console.log("| --- | --- |");
console.log(`| node -e 0 | ${baseline.toFixed(1)} |`);
console.log(`| bundle (dist/main.cjs, ${(bytes / 1024).toFixed(0)} KiB) | ${bundle.toFixed(1)} |`);
console.log(`| unbundled (tsx, sources) | ${unbundled.toFixed(1)} |`);
console.log(`ratio to node -e 0: ${(bundle / baseline).toFixed(2)}`);

mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
writeFileSync(
  new URL("./results/cold-start.json", import.meta.url),
  `${JSON.stringify(
    {
      name: "cold-start",
      unit: "ms",
      value: Number(bundle.toFixed(1)),
      baseline: { name: "node -e 0", value: Number(baseline.toFixed(1)) },
      ratio: Number((bundle / baseline).toFixed(2)),
      params: { runs: RUNS, bundleBytes: bytes, unbundledMs: Number(unbundled.toFixed(1)) },
    },
    null,
    2,
  )}\n`,
);
