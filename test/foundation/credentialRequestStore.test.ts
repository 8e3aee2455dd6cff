// The open credential requests a member of staff sees, as the Cosmos DB emulator answers the store's query
// through the real @azure/cosmos SDK: only their own trust's, only open ones, newest first and at most the limit,
// even when another trust has open requests for a staff id written the same way.
import type { Database } from "@azure/cosmos";
import { beforeEach, describe, expect, it } from "vitest";
import { ensureDatabase } from "../../src/adapters/cosmos/client.js";
import { ensureContainers } from "../../src/adapters/cosmos/containers.js";
import { credentialRequestStore } from "../../src/adapters/cosmos/credentialRequestStore.js";
import type { CredentialRequestStore } from "../../src/app/ports.js";
import { newCredentialRequest, type RequestState } from "../../src/domain/credentialRequest.js";
import { mintId } from "../../src/domain/secrets.js";
import { useCosmosEmulator } from "../support/cosmosEmulator.js";

let database: Database;
let requests: CredentialRequestStore;

const cosmos = useCosmosEmulator();
beforeEach(async () => {
  database = await ensureDatabase(cosmos.client(), `credential-requests-${mintId()}`);
  await ensureContainers(database);
  requests = credentialRequestStore(async () => database.container("credentialRequests"));
});

/** A request of `trustId` for staff member S-1, made `ageMs` before `now`. */
async function requestOf(
  trustId: string,
  now: Date,
  ageMs: number,
  state: RequestState = { status: "open" },
) {
  const request = {
    ...newCredentialRequest(
      { id: mintId(), trustId, staffId: "S-1", credentialTypes: ["StaffPassportDbsCheck"] },
      new Date(now.getTime() - ageMs),
    ),
    state,
  };
  return requests.createOnce(request, mintId());
}

describe("a staff member's open credential requests", () => {
  it("are their own trust's only, though another trust has open requests for the same staff id", async () => {
    const now = new Date();
    const ours = [await requestOf("RTH", now, 2_000), await requestOf("RTH", now, 1_000)];
    await requestOf("RBH", now, 500);
    await requestOf("RBH", now, 3_000);

    const open = await requests.openFor("RTH", "S-1", 10);
    expect(open.map((request) => request.trustId)).toEqual(["RTH", "RTH"]);
    expect(open.map((request) => request.id)).toEqual([ours[1]?.id, ours[0]?.id]);
    expect((await requests.openFor("RBH", "S-1", 10)).every((request) => request.trustId === "RBH")).toBe(
      true,
    );
  });

  it("are open ones only, newest first, at most the limit", async () => {
    const now = new Date();
    const oldest = await requestOf("RTH", now, 3_000);
    const middle = await requestOf("RTH", now, 2_000);
    const newest = await requestOf("RTH", now, 1_000);
    await requestOf("RTH", now, 500, { status: "withdrawn", withdrawnAt: now.toISOString() });

    expect((await requests.openFor("RTH", "S-1", 10)).map((request) => request.id)).toEqual([
      newest.id,
      middle.id,
      oldest.id,
    ]);
    expect((await requests.openFor("RTH", "S-1", 2)).map((request) => request.id)).toEqual([
      newest.id,
      middle.id,
    ]);
    expect(await requests.openFor("RTH", "S-2", 10)).toEqual([]);
  });
});
