// The Cosmos DB emulator for one test file, reached through the real @azure/cosmos SDK: started before the file's
// tests and stopped after them, whatever they did.
import type { CosmosClient } from "@azure/cosmos";
import { afterAll, beforeAll } from "vitest";
import { type CosmosEmulator, startCosmosEmulator } from "../../local/cosmos.js";
import { createCosmosClient } from "../../src/adapters/cosmos/client.js";

/** Registers the start and stop hooks; the client is there from the file's first test on. */
export function useCosmosEmulator(): { client(): CosmosClient; endpoint(): string } {
  let emulator: CosmosEmulator | undefined;
  let client: CosmosClient | undefined;
  beforeAll(async () => {
    emulator = await startCosmosEmulator();
    client = await createCosmosClient(emulator.endpoint, () => {
      throw new Error("no Entra credential is used on loopback");
    });
  });
  afterAll(async () => {
    client?.dispose();
    await emulator?.close();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("the Cosmos DB emulator starts before the file's first test");
    return value;
  };
  return { client: () => started(client), endpoint: () => started(emulator).endpoint };
}
