// Container creation against the Cosmos DB emulator through the real @azure/cosmos SDK.
import { describe, expect, it } from "vitest";
import { ensureDatabase } from "../../src/adapters/cosmos/client.js";
import { CONTAINERS, ensureContainers } from "../../src/adapters/cosmos/containers.js";
import { useCosmosEmulator } from "../support/cosmosEmulator.js";

const cosmos = useCosmosEmulator();

describe("Cosmos DB containers", () => {
  it("creates the database and every container of the design, with their partition keys", async () => {
    const database = await ensureDatabase(cosmos.client(), "containers-test");
    await ensureContainers(database);
    const { resources } = await database.containers.readAll().fetchAll();
    const found = Object.fromEntries(resources.map((c) => [c.id, c.partitionKey?.paths]));
    expect(found).toEqual({
      trusts: ["/id"],
      requests: ["/id"],
      shares: ["/subject"],
      shareEvents: ["/trustId"],
      credentialRequests: ["/trustId"],
      tokenIds: ["/id"],
      streams: ["/trustId"],
      accessKeys: ["/trustId"],
      audit: ["/scope"],
    });
  });

  it("is idempotent: running it again keeps the containers and their items", async () => {
    const database = await ensureDatabase(cosmos.client(), "idempotent-test");
    await ensureContainers(database);
    await database.container("trusts").items.create({ id: "RBH", name: "Example" });
    await ensureContainers(await ensureDatabase(cosmos.client(), "idempotent-test"));
    const { resources } = await database.containers.readAll().fetchAll();
    expect(resources.map((c) => c.id).sort()).toEqual(CONTAINERS.map((c) => c.id).sort());
    const { resource } = await database.container("trusts").item("RBH", "RBH").read();
    expect(resource?.name).toBe("Example");
  });
});
