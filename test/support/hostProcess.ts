// The local Functions host in a process of its own (local/host/cli.ts), for tests that crash it: it starts with a
// system's settings on a fixed port, so that a restart serves the same callback URL, issuer and JWKS, and `kill`
// ends it with SIGKILL, as a crashed instance ends, leaving its Service Bus locks and in-flight requests behind.
import { killGroup, spawnForTest } from "./processes.js";

export type HostProcess = {
  url: string;
  /** Everything it printed so far (its log lines). */
  output(): string;
  /** SIGKILL to the host and anything it started; resolves once it is gone. */
  kill(): Promise<void>;
};

export async function startHostProcess(settings: Record<string, string>, port: number): Promise<HostProcess> {
  const child = spawnForTest(process.execPath, ["--import", "tsx", "local/host/cli.ts"], {
    cwd: new URL("../../", import.meta.url),
    env: { ...process.env, ...settings, PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the host printed no ready line:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Functions host ready")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the host exited (${code}) before it was ready:\n${output}`));
    });
  });
  return { url: `http://127.0.0.1:${port}`, output: () => output, kill: () => killGroup(child) };
}
