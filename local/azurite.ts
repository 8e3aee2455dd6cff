// Starts Azurite's Blob service (the `azurite` package, Microsoft's Azure Storage emulator) on a loopback port, for the share event payloads. Its data lives in memory and is gone when it stops, as the tests
// and the demo want; the real @azure/storage-blob SDK talks to it with the emulator's well-known account.
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire as requireFrom } from "node:module";

/** Azurite's documented development account; its key is public and works nowhere but an emulator. */
const ACCOUNT = "devstoreaccount1";
const ACCOUNT_KEY =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export type BlobEmulator = {
  port: number;
  /** The connection string the service's PAYLOAD_STORAGE_CONNECTION_STRING takes. */
  connectionString: string;
  close(): Promise<void>;
};

/** Azurite's Blob service command line, as its `azurite-blob` command runs it. */
const BLOB_MAIN = requireFrom(import.meta.url).resolve("azurite/dist/src/blob/main.js");
const LISTENING = /successfully listens on https?:\/\/[^:]+:(\d+)/;
const START_TIMEOUT_MS = 30_000;

/**
 * Azurite loads for over a second; in a process of its own it starts beside the other emulators instead of
 * holding this process's event loop. It is stopped with this process, however this process ends.
 */
export async function startBlobEmulator(
  options: { port?: number; host?: string } = {},
): Promise<BlobEmulator> {
  const host = options.host ?? "127.0.0.1";
  const child = spawn(
    process.execPath,
    [
      BLOB_MAIN,
      "--blobHost",
      host,
      "--blobPort",
      String(options.port ?? 0),
      "--inMemoryPersistence",
      "--skipApiVersionCheck",
      "--disableTelemetry",
      "--silent",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const stopWithUs = () => child.kill("SIGKILL");
  process.once("exit", stopWithUs);
  let output = "";
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("Azurite did not start in time")), START_TIMEOUT_MS);
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        output += chunk;
        const listening = output.match(LISTENING);
        if (listening?.[1] === undefined) return;
        clearTimeout(timer);
        resolve(Number(listening[1]));
      });
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
        output += chunk;
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`Azurite exited (${code}) before it listened: ${output.trim().slice(-500)}`));
      });
    });
    const endpoint = `http://${host}:${port}/${ACCOUNT}`;
    return {
      port,
      connectionString: `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${ACCOUNT_KEY};BlobEndpoint=${endpoint};`,
      close: () => stop(child, stopWithUs),
    };
  } catch (error) {
    await stop(child, stopWithUs);
    throw error;
  }
}

async function stop(child: ChildProcess, stopWithUs: () => void): Promise<void> {
  process.removeListener("exit", stopWithUs);
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
  await exited;
  clearTimeout(timer);
}
