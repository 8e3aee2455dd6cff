// The trust cache in front of the trust directory in Cosmos DB: the emulator counts the trust documents it serves,
// and documents change behind the cache's back, so each test sees both what reached Cosmos DB and what was answered.
import type { Container, CosmosClient } from "@azure/cosmos";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CosmosEmulator, startCosmosEmulator } from "../../local/cosmos.js";
import { cachedTrustStore, cachedTrusts } from "../../src/adapters/cosmos/cachedTrusts.js";
import { createCosmosClient, ensureDatabase } from "../../src/adapters/cosmos/client.js";
import { ensureContainers } from "../../src/adapters/cosmos/containers.js";
import { DependencyUnavailable } from "../../src/adapters/cosmos/errors.js";
import { type TrustStore, trustStore } from "../../src/adapters/cosmos/trustStore.js";
import type { Trust } from "../../src/domain/trust.js";
import { TrustDocumentInvalid } from "../../src/errors.js";
import { startFaultProxy } from "../support/faultProxy.js";

const noCredential = () => {
  throw new Error("no Entra credential is used on loopback");
};

let emulator: CosmosEmulator;
let client: CosmosClient;
let container: Container;
let store: TrustStore;
/** Point reads of trust documents, by id, as the emulator served them. */
const served = new Map<string, number>();
/** Point reads the emulator answers only once the test releases them, by trust id. */
const held = new Map<string, { arrived(): void; released: Promise<void> }>();

beforeAll(async () => {
  emulator = await startCosmosEmulator();
  emulator.server.prependListener("request", (request, response) => {
    const id = /\/colls\/trusts\/docs\/([^/?]+)/.exec(request.url ?? "")?.[1];
    if (request.method !== "GET" || id === undefined) return;
    served.set(id, (served.get(id) ?? 0) + 1);
    const hold = held.get(id);
    if (hold === undefined) return;
    hold.arrived();
    const end = response.end.bind(response);
    response.end = ((...args: never[]) => {
      void hold.released.then(() => end(...args));
      return response;
    }) as typeof response.end;
  });
  client = await createCosmosClient(emulator.endpoint, noCredential);
  const database = await ensureDatabase(client, "trust-cache-test");
  await ensureContainers(database);
  container = database.container("trusts");
  store = trustStore(async () => container);
});
afterAll(async () => {
  client?.dispose();
  await emulator?.close();
});

const reads = (id: string) => served.get(id) ?? 0;

function trust(id: string, name = `${id} Hospitals NHS Trust`): Trust {
  return {
    id,
    name,
    active: true,
    accessKeyType: "StaffPassportAccessKey",
    issuerDids: ["did:web:trust-cache.example"],
  };
}

/** A clock that stands still until the test moves it. */
function testClock() {
  let now = new Date();
  return {
    clock: () => now,
    advance(ms: number) {
      now = new Date(now.getTime() + ms);
    },
  };
}

describe("cached trust directory", () => {
  it("answers a second get within the time to live without reading Cosmos DB", async () => {
    await store.upsertAll([trust("RCA1")]);
    const time = testClock();
    const trusts = cachedTrusts(store, { ttlSeconds: 60, clock: time.clock });
    expect((await trusts.get("RCA1"))?.name).toBe("RCA1 Hospitals NHS Trust");
    // Written behind the cache's back, as an operator does in Data Explorer.
    await store.upsertAll([trust("RCA1", "Renamed")]);
    time.advance(59_999);
    expect((await trusts.get("RCA1"))?.name).toBe("RCA1 Hospitals NHS Trust");
    expect(reads("RCA1")).toBe(1);
  });

  it("reads again once the time to live has passed, and answers the changed document", async () => {
    await store.upsertAll([trust("RCA2")]);
    const time = testClock();
    const trusts = cachedTrusts(store, { ttlSeconds: 60, clock: time.clock });
    await trusts.get("RCA2");
    await store.upsertAll([{ ...trust("RCA2"), active: false }]);
    time.advance(60_000);
    expect((await trusts.get("RCA2"))?.active).toBe(false);
    expect(reads("RCA2")).toBe(2);
  });

  it("keeps a trust's absence for the time to live too", async () => {
    const time = testClock();
    const trusts = cachedTrusts(store, { ttlSeconds: 60, clock: time.clock });
    expect(await trusts.get("RCA3")).toBeUndefined();
    await store.upsertAll([trust("RCA3")]);
    time.advance(30_000);
    expect(await trusts.get("RCA3")).toBeUndefined();
    expect(reads("RCA3")).toBe(1);
    time.advance(30_000);
    expect((await trusts.get("RCA3"))?.id).toBe("RCA3");
  });

  it("does not keep an invalid document's error: every get reads it, and its repair is seen at once", async () => {
    const { issuerDids: _dids, ...broken } = trust("RCA4");
    await container.items.upsert(broken);
    const time = testClock();
    const trusts = cachedTrusts(store, { ttlSeconds: 60, clock: time.clock });
    await expect(trusts.get("RCA4")).rejects.toBeInstanceOf(TrustDocumentInvalid);
    await expect(trusts.get("RCA4")).rejects.toBeInstanceOf(TrustDocumentInvalid);
    expect(reads("RCA4")).toBe(2);
    await store.upsertAll([trust("RCA4")]);
    expect((await trusts.get("RCA4"))?.issuerDids).toEqual(["did:web:trust-cache.example"]);
  });

  it("does not keep a dependency failure: the next get once Cosmos DB answers reads it", async () => {
    // A Cosmos DB account that is not up yet: reached through a proxy that drops every connection until the
    // emulator, started later on a port of its own, is behind it.
    const proxy = await startFaultProxy();
    const later = await createCosmosClient(`https://127.0.0.1:${proxy.port}/`, noCredential);
    let started: CosmosEmulator | undefined;
    try {
      const directory = trustStore(async () => later.database("trust-cache-test").container("trusts"));
      const trusts = cachedTrusts(directory, { ttlSeconds: 60, clock: testClock().clock });
      await expect(trusts.get("RCA5")).rejects.toBeInstanceOf(DependencyUnavailable);
      started = await startCosmosEmulator({ port: 0 });
      proxy.forwardTo(started.port);
      await ensureContainers(await ensureDatabase(later, "trust-cache-test"));
      await directory.upsertAll([trust("RCA5")]);
      expect((await trusts.get("RCA5"))?.id).toBe("RCA5");
    } finally {
      later.dispose();
      await started?.close();
      await proxy.close();
    }
  });

  it("makes one read for concurrent gets of the same trust", async () => {
    await store.upsertAll([trust("RCA6")]);
    const trusts = cachedTrusts(store, { ttlSeconds: 60, clock: testClock().clock });
    const answers = await Promise.all(Array.from({ length: 5 }, () => trusts.get("RCA6")));
    expect(answers.map((answer) => answer?.id)).toEqual(["RCA6", "RCA6", "RCA6", "RCA6", "RCA6"]);
    expect(reads("RCA6")).toBe(1);
  });

  it("reads every time, concurrent gets included, with a time to live of 0", async () => {
    await store.upsertAll([trust("RCA7")]);
    const trusts = cachedTrusts(store, { ttlSeconds: 0, clock: testClock().clock });
    await trusts.get("RCA7");
    await Promise.all([trusts.get("RCA7"), trusts.get("RCA7")]);
    await store.upsertAll([trust("RCA7", "Renamed")]);
    expect((await trusts.get("RCA7"))?.name).toBe("Renamed");
    expect(reads("RCA7")).toBe(4);
  });

  it("drops the oldest trust once it holds more than its bound", async () => {
    const ids = ["RCB1", "RCB2", "RCB3", "RCB4"];
    await store.upsertAll(ids.map((id) => trust(id)));
    const trusts = cachedTrusts(store, { ttlSeconds: 60, clock: testClock().clock, maxEntries: 3 });
    for (const id of ids) await trusts.get(id);
    for (const id of ids.slice(1)) await trusts.get(id);
    expect(ids.map(reads)).toEqual([1, 1, 1, 1]);
    await trusts.get("RCB1");
    expect(ids.map(reads)).toEqual([2, 1, 1, 1]);
  });

  it("searches Cosmos DB every time", async () => {
    await store.upsertAll([trust("RCA8", "Cache Search Test Trust")]);
    const trusts = cachedTrusts(store, { ttlSeconds: 60, clock: testClock().clock });
    expect(await trusts.search("cache search test")).toEqual([
      { id: "RCA8", name: "Cache Search Test Trust", protocols: ["verifiedid"] },
    ]);
    await store.upsertAll([{ ...trust("RCA8", "Cache Search Test Trust"), active: false }]);
    expect(await trusts.search("cache search test")).toEqual([]);
  });
});

describe("cached trust store", () => {
  it("writes through to Cosmos DB and reads a trust it wrote afresh at once", async () => {
    await store.upsertAll([trust("RCA9")]);
    const trusts = cachedTrustStore(store, { ttlSeconds: 60, clock: testClock().clock });
    await trusts.get("RCA9");
    await trusts.upsertAll([{ ...trust("RCA9"), active: false }]);
    expect((await store.get("RCA9"))?.active).toBe(false);
    expect((await trusts.get("RCA9"))?.active).toBe(false);
    expect(reads("RCA9")).toBe(3);
  });

  it("does not keep what a read begun before its write answers", async () => {
    await store.upsertAll([trust("RCA0")]);
    const trusts = cachedTrustStore(store, { ttlSeconds: 60, clock: testClock().clock });
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const arrived = new Promise<void>((resolve) => held.set("RCA0", { arrived: resolve, released }));
    try {
      const begun = trusts.get("RCA0");
      await arrived;
      await trusts.upsertAll([{ ...trust("RCA0"), active: false }]);
      release();
      expect((await begun)?.active).toBe(true);
    } finally {
      held.delete("RCA0");
      release();
    }
    expect((await trusts.get("RCA0"))?.active).toBe(false);
  });
});
