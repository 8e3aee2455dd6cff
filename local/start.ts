// `npm start`: runs the whole system with the demo seed on the documented ports until Ctrl-C.
import { ConfigError } from "../src/config.js";
import type { AzuriteProcess } from "./azuriteProcess.mjs";
import { portsFromEnv, settingsFromEnv } from "./settings.js";
import { startSystem } from "./system.js";

/** Runs the system until Ctrl-C, with Azurite's process when scripts/start.mjs spawned it before loading this. */
async function main(early: { azurite?: AzuriteProcess }): Promise<void> {
  const started = Date.now();
  const verbose = process.env.LOG_LEVEL === "debug";
  const system = await startSystem({
    ports: portsFromEnv(process.env),
    settings: settingsFromEnv(process.env),
    ...(early.azurite ? { startedAzurite: early.azurite } : {}),
    pages: true,
    log: (line) => {
      if (verbose || !line.startsWith("[information]")) console.log(line);
    },
  });
  const lines = Object.entries(system.urls).map(([name, url]) => `${name}=${url}`);
  console.log(
    `Staff Passport ready in ${Date.now() - started} ms: portal=${system.urls.host}/ ` +
      `wallet=${system.urls.verifiedId}/ trust=${system.urls.demoTrust}/ ${lines.join(" ")}`,
  );
  console.log(`Try: curl ${system.urls.host}/api/health`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal} received, stopping`);
    await system.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

/** Runs main, and on failure says why and exits 1. */
export async function run(early: Parameters<typeof main>[0]): Promise<void> {
  await main(early).catch((error: unknown) => {
    if (error instanceof ConfigError) console.error(error.message);
    else if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
      console.error(`A port is already in use: ${(error as Error).message}`);
    } else console.error("Start-up failed:", error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
