// The Cosmos DB client: Entra ID (DefaultAzureCredential) in Azure, the emulator's well-known key only on loopback.
import { Agent } from "node:https";
import { CosmosClient, type Database } from "@azure/cosmos";
import type { TokenCredential } from "@azure/identity";
import { isLoopbackUrl } from "../../config.js";

/** The emulators' published, well-known account key. It opens nothing outside this machine. */
const EMULATOR_KEY =
  "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==";

export function createCosmosClient(endpoint: string, credential: () => TokenCredential): CosmosClient {
  const connectionPolicy = { enableEndpointDiscovery: false, requestTimeout: 10_000 };
  if (isLoopbackUrl(endpoint)) {
    // The local emulator serves a self-signed certificate; trust it only because the endpoint is this machine.
    const agent = new Agent({ rejectUnauthorized: false, keepAlive: true });
    return new CosmosClient({ endpoint, key: EMULATOR_KEY, agent, connectionPolicy });
  }
  return new CosmosClient({ endpoint, aadCredentials: credential(), connectionPolicy });
}

/** Creates the database if it is missing; idempotent. */
export async function ensureDatabase(client: CosmosClient, databaseId: string): Promise<Database> {
  const { database } = await client.databases.createIfNotExists({ id: databaseId });
  return database;
}
