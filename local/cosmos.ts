// Starts the local Cosmos DB emulator (@vercel/cosmosdb-server) over HTTPS on a loopback port. Its data lives in
// memory and is gone when it stops, as the tests and the demo want.
import type { Server } from "node:https";
import type { AddressInfo } from "node:net";
import { createHttpsServer } from "@vercel/cosmosdb-server";
import patchOperations from "@vercel/cosmosdb-server/lib/handler/_patch-operations.js";
import { parsePartitionKey } from "@vercel/cosmosdb-server/lib/utils/get-partition-from-header.js";

export type CosmosEmulator = {
  port: number;
  endpoint: string;
  /** The HTTPS server, for instrumentation that counts the operations it serves. */
  server: Server;
  close(): Promise<void>;
};

/** The condition of a conditional patch as the SDK writes it, read as the emulator reads it (in lower case). */
const SDK_CONDITION = /^from c where (.+)$/s;
let conditionsOnOneDocument = false;

/**
 * The emulator checks a conditional patch's condition by querying every document of the container, on every
 * patch, where Cosmos DB checks the patched document alone: with thousands of shares each patch cost the emulator
 * milliseconds. This checks the condition (read as the emulator reads it) on the one document with the emulator's
 * own query engine, then lets the emulator apply the patch as before. Other forms of condition go the emulator's
 * way unchanged. It changes the emulator's cost, not what it answers.
 */
function checkPatchConditionsOnTheDocument(): void {
  if (conditionsOnOneDocument) return;
  conditionsOnOneDocument = true;
  const scanning = patchOperations.patchOperation;
  patchOperations.patchOperation = (collection, input) => {
    const where = input.condition?.toLowerCase().trim().match(SDK_CONDITION)?.[1];
    if (where === undefined) return scanning(collection, input);
    const document = collection
      .document(input.id, parsePartitionKey(input.partitionKey ?? "", input.id))
      .read();
    if (document === null || document === undefined) return scanning(collection, { ...input, condition: "" });
    let holds: boolean;
    try {
      holds =
        collection.documents._getQuery(`SELECT * FROM c WHERE (${where})`).exec([document]).result.length > 0;
    } catch {
      return scanning(collection, input);
    }
    if (!holds)
      return {
        statusCode: 412,
        body: {
          code: "PreconditionFailed",
          message: "Condition specified in the patch request is not satisfied.",
        },
      };
    return scanning(collection, { ...input, condition: "" });
  };
}

export async function startCosmosEmulator(
  options: { port?: number; host?: string } = {},
): Promise<CosmosEmulator> {
  const host = options.host ?? "127.0.0.1";
  // Without keepAlive the emulator answers every request with `Connection: close`, so each Cosmos DB operation
  // would open a new TLS connection (a handshake and a secure context on both sides).
  const server = createHttpsServer({ keepAlive: true });
  checkPatchConditionsOnTheDocument();
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
