// Starts Azurite's Blob service (the `azurite` package, Microsoft's Azure Storage emulator) on a loopback port, for
// the share event payloads. Its data lives in memory and is gone when it stops, as the tests and the demo want; the
// real @azure/storage-blob SDK talks to it with the emulator's well-known account.
import { type AzuriteProcess, spawnAzurite } from "./azuriteProcess.mjs";

/** Azurite's documented development account; its key is public and works nowhere but an emulator. */
const ACCOUNT = "devstoreaccount1";
const ACCOUNT_KEY =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export type BlobEmulator = {
  port: number;
  /** Azurite's own process, for CPU readings. */
  pid: number | undefined;
  /** The connection string the service's PAYLOAD_STORAGE_CONNECTION_STRING takes. */
  connectionString: string;
  close(): Promise<void>;
};

const LISTENING = /successfully listens on https?:\/\/[^:]+:(\d+)/;
const START_TIMEOUT_MS = 30_000;

/**
 * Azurite loads for about a second; in a process of its own it starts beside the other emulators instead of
 * holding this process's event loop. It is stopped with this process, however this process ends. `started` is one
 * already spawned (npm start spawns it before it loads the system), to wait for rather than spawn again.
 */
export async function startBlobEmulator(
  options: { port?: number; host?: string; started?: AzuriteProcess } = {},
): Promise<BlobEmulator> {
  const host = options.host ?? "127.0.0.1";
  const child = options.started ?? spawnAzurite(host, options.port ?? 0);
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
      const exited = (code: number | null) => {
        clearTimeout(timer);
        reject(new Error(`Azurite exited (${code}) before it listened: ${output.trim().slice(-500)}`));
      };
      // One spawned earlier may have ended already; its output is still buffered, unread.
      if (child.exitCode !== null || child.signalCode !== null) exited(child.exitCode);
      else child.once("exit", exited);
    });
    const endpoint = `http://${host}:${port}/${ACCOUNT}`;
    return {
      port,
      pid: child.pid,
      connectionString: `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${ACCOUNT_KEY};BlobEndpoint=${endpoint};`,
      close: () => stop(child),
    };
  } catch (error) {
    await stop(child);
    throw error;
  }
}

async function stop(child: AzuriteProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
  await exited;
  clearTimeout(timer);
}
