// Builds the deployable: dist/main.cjs, loaded by the Azure Functions host through package.json "main", declares
// every trigger and holds nothing else; dist/functions.cjs, the functions' code and the settings' validation, which
// main.cjs requires on the first invocation (or when the worker starts, to validate the settings); and one bundle
// per Azure SDK in dist/sdk/, imported only when the first call needs one; and dist/lazy/openid4vp.cjs, the standard
// wallets' verifier with its OpenID4VP, DCQL, SD-JWT and status list libraries, imported when the first OpenID4VP
// request or response needs it (never, where no certificate chain is set). A cold start thus parses and evaluates
// the trigger list and @azure/functions, and not the service's code or some 1.7 MB of SDK code it may never use.
// @azure/functions-core is provided by the host's worker, so it stays external.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve, sep } from "node:path";
import { build } from "esbuild";

/** The SDKs loaded on demand, each bundled into dist/sdk/<file>. */
export const LAZY_SDKS = {
  "@azure/cosmos": "cosmos.cjs",
  "@azure/service-bus": "service-bus.cjs",
  "@azure/identity": "identity.cjs",
  "@azure/keyvault-keys": "keyvault-keys.cjs",
  "@azure/storage-blob": "storage-blob.cjs",
  "@azure/monitor-opentelemetry": "monitor-opentelemetry.cjs",
};

const common = {
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  external: ["@azure/functions-core"],
  minify: true,
  sourcemap: "linked",
  legalComments: "linked",
  logLevel: "warning",
  // import() becomes a require() of the sibling file, so the SDK's exports arrive as named properties.
  supported: { "dynamic-import": false },
};

/** A dynamic import of a lazy SDK resolves to its own file; anything else is bundled as usual. */
const lazySdks = {
  name: "lazy-sdks",
  setup(builder) {
    const names = Object.keys(LAZY_SDKS).map((name) => name.replace("/", "\\/"));
    builder.onResolve({ filter: new RegExp(`^(${names.join("|")})$`) }, (args) =>
      args.kind === "dynamic-import" ? { path: `./sdk/${LAZY_SDKS[args.path]}`, external: true } : undefined,
    );
  },
};

/**
 * The service's own modules loaded on demand, each bundled with what it imports into dist/lazy/<file>: in a folder
 * apart from dist/sdk/, since each holds the service's code and not one package's. Modules both use (jose, zod, a
 * few domain modules) are bundled again there: that costs disk, not cold start, and nothing crosses between the two
 * but plain data, node:crypto objects and functions, so no instanceof or module state depends on which copy ran.
 */
export const LAZY_MODULES = {
  "src/adapters/openid4vp/lazy.ts": "openid4vp.cjs",
};

/** A dynamic import of a lazy module (as "./lazy.js" beside it) resolves to its own file in dist/lazy/. */
const lazyModules = {
  name: "lazy-modules",
  setup(builder) {
    builder.onResolve({ filter: /^\.\.?\// }, (args) => {
      if (args.kind !== "dynamic-import") return undefined;
      const target = relative(
        process.cwd(),
        resolve(dirname(args.importer), args.path.replace(/\.js$/, ".ts")),
      );
      const file = LAZY_MODULES[target.split(sep).join("/")];
      return file === undefined ? undefined : { path: `./lazy/${file}`, external: true };
    });
  },
};

/** register.ts's dynamic imports of the function list and of the settings resolve to dist/functions.cjs. */
const LAZY_CODE = ["./index.js", "../src/config.js", "../src/telemetry/azureMonitor.js"];
const lazyCode = {
  name: "lazy-code",
  setup(builder) {
    builder.onResolve({ filter: /^\.\.?\// }, (args) =>
      args.kind === "dynamic-import" && args.importer.endsWith("register.ts") && LAZY_CODE.includes(args.path)
        ? { path: "./functions.cjs", external: true }
        : undefined,
    );
  },
};

await build({
  ...common,
  entryPoints: ["functions/register.ts"],
  outfile: "dist/main.cjs",
  plugins: [lazyCode],
});

mkdirSync("dist/sdk", { recursive: true });
const entries = mkdtempSync(join(tmpdir(), "sdk-entries-"));
try {
  const code = join(entries, "functions.mjs");
  writeFileSync(
    code,
    `export { functions } from ${JSON.stringify(resolve("functions/index.ts"))};\n` +
      `export { loadConfig } from ${JSON.stringify(resolve("src/config.ts"))};\n` +
      `export { startAzureMonitor } from ${JSON.stringify(resolve("src/telemetry/azureMonitor.ts"))};\n`,
  );
  await build({
    ...common,
    entryPoints: [code],
    outfile: "dist/functions.cjs",
    plugins: [lazySdks, lazyModules],
  });

  for (const [name, file] of Object.entries(LAZY_SDKS)) {
    const entry = join(entries, `${file}.mjs`);
    writeFileSync(entry, `export * from ${JSON.stringify(name)};\n`);
    // Resolved from the project, not from the temporary folder the entry sits in.
    await build({
      ...common,
      entryPoints: [entry],
      outfile: `dist/sdk/${file}`,
      nodePaths: ["node_modules"],
      // The SDKs' ESM builds are bundled (they tree-shake far smaller than their CommonJS builds), and one reads
      // import.meta.url (storage-common's CRC64, for createRequire), which a CommonJS bundle lacks: it becomes
      // the bundle's own file URL.
      define: { "import.meta.url": "bundleFileUrl" },
      banner: { js: 'var bundleFileUrl = require("node:url").pathToFileURL(__filename).href;' },
    });
  }

  mkdirSync("dist/lazy", { recursive: true });
  for (const [source, file] of Object.entries(LAZY_MODULES)) {
    await build({ ...common, entryPoints: [source], outfile: `dist/lazy/${file}` });
  }
} finally {
  rmSync(entries, { recursive: true, force: true });
}
console.log(
  `built dist/main.cjs, dist/functions.cjs, ${Object.keys(LAZY_SDKS).length} SDK bundles in dist/sdk/ and ` +
    `${Object.keys(LAZY_MODULES).length} in dist/lazy/`,
);
