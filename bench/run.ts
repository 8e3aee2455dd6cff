// `npm run bench`: runs every bench/*.bench.ts in its own process, one after another, so that one benchmark's
// load never skews the next; `npm run bench -- <name> ...` runs the ones named. Each prints its table and writes
// bench/results/<name>.json; this prints every result at the end and exits non-zero if any benchmark failed.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { BenchResult } from "./support.js";

const dir = fileURLToPath(new URL(".", import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((name) => name.endsWith(".bench.ts"))
  .filter((name) => only.length === 0 || only.some((word) => name === `${word}.bench.ts`))
  .sort();

let failed = 0;
for (const file of files) {
  console.log(`\n== ${file}`);
  const result = spawnSync(process.execPath, ["--import", "tsx", `${dir}${file}`], { stdio: "inherit" });
  if (result.status !== 0) {
    failed++;
    console.error(`${file} failed (exit ${result.status ?? result.signal})`);
  }
}
if (only.length > 0 && files.length < only.length) {
  console.error(
    `No benchmark named ${only.filter((word) => !files.includes(`${word}.bench.ts`)).join(", ")}`,
  );
  failed++;
}

const results = files
  .map((file) => new URL(`./results/${file.replace(".bench.ts", ".json")}`, import.meta.url))
  .filter((url) => existsSync(url))
  .map((url) => JSON.parse(readFileSync(url, "utf8")) as BenchResult);
console.log("\n== results");
console.table(
  results.map((result) => ({
    name: result.name,
    value: result.value,
    unit: result.unit,
    baseline: `${result.baseline.value} (${result.baseline.name})`,
    ratio: result.ratio,
  })),
);
process.exit(failed === 0 ? 0 : 1);
