// `npm start` as a user runs it: a child process that prints `ready`, serves /api/health and stops cleanly.
import { describe, expect, it } from "vitest";
import { portIsFree } from "../support/ports.js";
import { spawnForTest } from "../support/processes.js";

/** The port of each part, from the ready line's `name=url` pairs (`npm start` prints where each one listens). */
function boundPorts(output: string): Record<string, number> {
  const line = /\bready\b[^\n]*/.exec(output)?.[0] ?? "";
  const ports: Record<string, number> = {};
  for (const [, name = "", url = ""] of line.matchAll(
    /\b(host|verifiedId|demoTrust|cosmos|serviceBus|blob)=(\S+)/g,
  )) {
    const port = Number(new URL(url).port);
    if (!Number.isInteger(port) || port <= 0) throw new Error(`no port for ${name} in: ${line}`);
    ports[name] = port;
  }
  return ports;
}

describe("npm start", () => {
  it.each(["SIGTERM", "SIGINT"] as const)(
    "prints ready with the URLs, answers health, and on %s exits 0 with its ports freed",
    async (signal) => {
      // Every part binds port 0 and the ready line says where each listens, so no port is found before it is
      // bound (and taken meanwhile by another process).
      const ports = {
        PORT: 0,
        VERIFIEDID_SIM_PORT: 0,
        DEMO_TRUST_PORT: 0,
        COSMOS_PORT: 0,
        SERVICEBUS_PORT: 0,
        AZURITE_BLOB_PORT: 0,
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
          if (/\bready\b[^\n]*\n/.test(output)) {
            clearTimeout(timer);
            resolve();
          }
        };
        child.stdout?.on("data", onData);
        child.stderr?.on("data", onData);
        child.once("exit", () => reject(new Error(`exited before ready:\n${output}`)));
      });
      const bound = boundPorts(output);
      expect(Object.keys(bound).sort()).toEqual(
        ["blob", "cosmos", "demoTrust", "host", "serviceBus", "verifiedId"].sort(),
      );
      const health = await fetch(`http://127.0.0.1:${bound.host}/api/health`);
      expect(health.status).toBe(200);

      child.kill(signal);
      expect(await exited).toBe(0);
      for (const [part, port] of Object.entries(bound)) expect(await portIsFree(port), part).toBe(true);
    },
    60_000,
  );
});
