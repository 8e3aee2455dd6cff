// The Cosmos DB client: Entra ID (DefaultAzureCredential) in Azure, the emulator's well-known key only on loopback.
import { Agent } from "node:https";
import type { Container, CosmosClient, Database } from "@azure/cosmos";
import type { TokenCredential } from "@azure/identity";
import { isLoopbackUrl } from "../../config.js";

/** The emulators' published, well-known account key. It opens nothing outside this machine. */
const EMULATOR_KEY =
  "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==";

/** A container, fetched when first used: the stores take one of these so nothing loads the SDK at start. */
export type ContainerRef = () => Promise<Container>;

/** The client, with the SDK loaded on first use rather than when the app starts (cold start). */
export async function createCosmosClient(
  endpoint: string,
  credential: () => TokenCredential,
): Promise<CosmosClient> {
  const { CosmosClient } = await import("@azure/cosmos");
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
