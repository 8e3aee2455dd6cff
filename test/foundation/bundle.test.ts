// The deployable bundle: built with esbuild, loaded by a fresh node process as the Functions host would load it.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { functions } from "../../functions/index.js";

const run = promisify(execFile);
const root = new URL("../../", import.meta.url);

beforeAll(async () => {
  await run(process.execPath, ["scripts/build.mjs"], { cwd: root });
}, 120_000);

describe("the deployable bundle", () => {
  it("is the file package.json main names, loads without the Functions host, and declares every function", async () => {
    const { main } = (await import("../../package.json", { with: { type: "json" } })).default;
    // Outside the host the library runs in test mode and says, for each registration, which function it skipped.
    const { stderr, stdout } = await run(
      process.execPath,
      ["-e", `require(${JSON.stringify(`./${main}`)})`],
      {
        cwd: root,
        env: { PATH: process.env.PATH ?? "" },
      },
    );
    const output = stdout + stderr;
    expect(output).toContain("test mode");
    for (const fn of functions) {
      expect(output).toContain(`register function "${fn.name}"`);
    }
  });

  it("performs no I/O at import: loading it with no settings at all does not fail", async () => {
    const { stderr } = await run(process.execPath, ["-e", "require('./dist/main.cjs')"], {
      cwd: root,
      env: {},
    });
    expect(stderr).not.toMatch(/Invalid configuration|Error:/);
  });

  it("loads each Azure SDK from its own bundle only when asked, and each exports what the service uses", async () => {
    const expected: Record<string, string> = {
      "cosmos.cjs": "CosmosClient",
      "service-bus.cjs": "ServiceBusClient",
      "identity.cjs": "DefaultAzureCredential",
      "keyvault-keys.cjs": "CryptographyClient",
      "storage-blob.cjs": "BlobServiceClient",
    };
    const script = `
      require("./dist/main.cjs");
      const loaded = Object.keys(require.cache).filter((file) => file.includes("sdk"));
      const sdks = ${JSON.stringify(expected)};
      const exported = Object.entries(sdks).map(([file, name]) => typeof require("./dist/sdk/" + file)[name]);
      console.log(JSON.stringify({ loaded, exported }));`;
    const { stdout } = await run(process.execPath, ["-e", script], {
      cwd: root,
      env: { PATH: process.env.PATH ?? "" },
    });
    const { loaded, exported } = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as {
      loaded: string[];
      exported: string[];
    };
    expect(loaded).toEqual([]);
    expect(exported).toEqual(Object.values(expected).map(() => "function"));
    const code = await readFile(new URL("dist/functions.cjs", root), "utf8");
    for (const file of Object.keys(expected)) expect(code).toContain(`./sdk/${file}`);
  });

  it("declares the functions without their code: main.cjs requires functions.cjs only when first invoked", async () => {
    const script = `
      require("./dist/main.cjs");
      console.log(JSON.stringify(Object.keys(require.cache).filter((file) => file.includes("dist/functions"))));
      const { functions, loadConfig } = require("./dist/functions.cjs");
      console.log(JSON.stringify([functions.map((fn) => fn.name), typeof loadConfig]));`;
    const { stdout } = await run(process.execPath, ["-e", script], {
      cwd: root,
      env: { PATH: process.env.PATH ?? "" },
    });
    const [loaded, [names, loadConfig]] = stdout
      .trim()
      .split("\n")
      .slice(-2)
      .map((line) => JSON.parse(line)) as [string[], [string[], string]];
    expect(loaded).toEqual([]);
    expect(names).toEqual(functions.map((fn) => fn.name));
    expect(loadConfig).toBe("function");
    const main = await readFile(new URL("dist/main.cjs", root), "utf8");
    expect(main).toContain("./functions.cjs");
    expect(main).not.toContain("./sdk/");
  });
});
