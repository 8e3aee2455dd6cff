// `npm start` as a user runs it: a child process that prints `ready`, serves /api/health and stops cleanly.
import { describe, expect, it } from "vitest";
import { freePort, portIsFree } from "../support/ports.js";
import { spawnForTest } from "../support/processes.js";

describe("npm start", () => {
  it.each(["SIGTERM", "SIGINT"] as const)(
    "prints ready with the URLs, answers health, and on %s exits 0 with its ports freed",
    async (signal) => {
      const ports = {
        PORT: await freePort(),
        VERIFIEDID_SIM_PORT: await freePort(),
        DEMO_TRUST_PORT: await freePort(),
        COSMOS_PORT: await freePort(),
        SERVICEBUS_PORT: await freePort(),
        AZURITE_BLOB_PORT: await freePort(),
      };
      // Killed with its whole process group when the test ends, even if it fails before the signal below.
      const child = spawnForTest("npm", ["start", "--silent"], {
        cwd: new URL("../../", import.meta.url),
        env: {
          ...process.env,
          // Prints information lines too, the simulator's among them.
          LOG_LEVEL: "debug",
          ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ready line:\n${output}`)), 40_000);
        const onData = (chunk: Buffer) => {
          output += chunk.toString();
          if (/\bready\b/.test(output)) {
            clearTimeout(timer);
            resolve();
          }
        };
        child.stdout?.on("data", onData);
        child.stderr?.on("data", onData);
        child.once("exit", () => reject(new Error(`exited before ready:\n${output}`)));
      });
      expect(output).toContain(`http://127.0.0.1:${ports.PORT}`);
      const health = await fetch(`http://127.0.0.1:${ports.PORT}/api/health`);
      expect(health.status).toBe(200);

      child.kill(signal);
      expect(await exited).toBe(0);
      for (const port of Object.values(ports)) expect(await portIsFree(port)).toBe(true);
    },
    60_000,
  );
});
