// `npm start`: bundles local/start.ts and everything it imports (local/, src/, functions/ and the packages) with
// esbuild into .local/build/start.mjs, then runs it. Compiling the TypeScript once, in one esbuild call, and
// loading one file instead of thousands starts the system far sooner than compiling each module on the fly as it
// is imported; the bundle is reused while none of the files it was built from has changed since. Each source
// module's import.meta.url stays its own file's, so the files it reads beside itself are found.
import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { pathToFileURL } from "node:url";
import { spawnAzurite } from "../local/azuriteProcess.mjs";

// Azurite (Blob storage for share event payloads) loads for about a second: spawned before the system's bundle
// is loaded, it loads on the other core meanwhile, and the system adopts it (local/azurite.ts).
const azurite = spawnAzurite("127.0.0.1", Number(process.env.AZURITE_BLOB_PORT || 10000));

const outfile = ".local/build/start.mjs";
const inputsFile = ".local/build/start.inputs.json";

/** The bundle, if it is newer than every file it was built from. */
async function upToDate() {
  try {
    const built = (await stat(outfile)).mtimeMs;
    const inputs = JSON.parse(await readFile(inputsFile, "utf8"));
    const times = await Promise.all(inputs.map(async (input) => (await stat(input)).mtimeMs));
    return times.every((time) => time < built);
  } catch {
    return false;
  }
}

/** import.meta.url in a bundled source file is that file's own URL, not the bundle's. */
const sourceUrls = {
  name: "source-urls",
  setup(builder) {
    builder.onLoad({ filter: /\.m?[jt]s$/ }, async (args) => {
      if (args.path.includes("node_modules")) return undefined;
      const source = await readFile(args.path, "utf8");
      return {
        contents: source.replaceAll("import.meta.url", JSON.stringify(pathToFileURL(args.path).href)),
        loader: args.path.endsWith(".ts") ? "ts" : "js",
      };
    });
  },
};

/** Writes a file whole or not at all, so that a start running at the same moment never reads half of it. */
async function writeAtomically(path, contents) {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, contents);
  await rename(temporary, path);
}

if (!(await upToDate())) {
  const { build } = await import("esbuild");
  const { metafile, outputFiles } = await build({
    entryPoints: ["local/start.ts"],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // Left out: esbuild (native), the Cosmos DB emulator (it reads its certificate beside its code), the Functions
    // worker's module, and the SDKs that only Azure uses.
    external: [
      "esbuild",
      "@vercel/cosmosdb-server",
      "@azure/functions-core",
      "@azure/identity",
      "@azure/keyvault-keys",
      "@azure/storage-blob",
    ],
    banner: {
      // Named so that it cannot clash with a bundled module's own import of createRequire.
      js: 'import { createRequire as __bundleRequire } from "node:module"; const require = __bundleRequire(import.meta.url);',
    },
    sourcemap: "linked",
    logLevel: "warning",
    metafile: true,
    write: false,
    plugins: [sourceUrls],
  });
  await mkdir(dirname(outfile), { recursive: true });
  for (const file of outputFiles) await writeAtomically(file.path, file.contents);
  // The project's own files, and for the packages the lock file, which changes whenever node_modules does.
  const inputs = Object.keys(metafile.inputs).filter((input) => !input.includes("node_modules/"));
  await writeAtomically(inputsFile, JSON.stringify([...inputs, "package-lock.json"]));
}
const { run } = await import(pathToFileURL(outfile).href);
await run({ azurite });
