// Builds the deployable: one CommonJS bundle of every function, loaded by the Azure Functions host through
// package.json "main". @azure/functions-core is provided by the host's worker, so it stays external.
import { build } from "esbuild";

await build({
  entryPoints: ["functions/register.ts"],
  outfile: "dist/main.cjs",
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  external: ["@azure/functions-core"],
  minify: true,
  sourcemap: "linked",
  legalComments: "linked",
  logLevel: "warning",
  metafile: false,
});
console.log("built dist/main.cjs");
