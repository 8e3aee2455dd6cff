// Spawns Azurite's Blob service (the `azurite` package) in a process of its own, in memory, on a loopback port.
// Plain JavaScript so that `npm start` (scripts/start.mjs) can spawn it before it loads the system's bundle: Azurite
// loads for about a second, which it then spends on the other core. local/azurite.ts spawns it the same way.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";

const BLOB_MAIN = createRequire(import.meta.url).resolve("azurite/dist/src/blob/main.js");

/** The Azurite Blob process on `host`:`port` (0: any free port); it is killed when this process exits. */
export function spawnAzurite(host, port) {
  const child = spawn(
    process.execPath,
    [
      BLOB_MAIN,
      "--blobHost",
      host,
      "--blobPort",
      String(port),
      "--inMemoryPersistence",
      "--skipApiVersionCheck",
      "--disableTelemetry",
      "--silent",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const stopWithUs = () => child.kill("SIGKILL");
  process.once("exit", stopWithUs);
  child.once("exit", () => process.removeListener("exit", stopWithUs));
  return child;
}
