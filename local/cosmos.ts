// Starts the local Cosmos DB emulator (@vercel/cosmosdb-server) over HTTPS on a loopback port. Its data lives in
// memory and is gone when it stops, as the tests and the demo want.
import type { Server } from "node:https";
import type { AddressInfo } from "node:net";
import { createHttpsServer } from "@vercel/cosmosdb-server";

export type CosmosEmulator = {
  port: number;
  endpoint: string;
  /** The HTTPS server, for instrumentation that counts the operations it serves. */
  server: Server;
  close(): Promise<void>;
};

export async function startCosmosEmulator(
  options: { port?: number; host?: string } = {},
): Promise<CosmosEmulator> {
  const host = options.host ?? "127.0.0.1";
  // Without keepAlive the emulator answers every request with `Connection: close`, so each Cosmos DB operation
  // would open a new TLS connection (a handshake and a secure context on both sides).
  const server = createHttpsServer({ keepAlive: true });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    endpoint: `https://${host}:${port}/`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
