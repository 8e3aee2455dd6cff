// The outbox sweep against the Cosmos DB emulator and the Service Bus emulator, through the real SDKs and the real
// adapters, with a clock the test moves: more events than one sweep takes that the broker refuses never keep a
// good event behind them from the topic, and each refused event is tried a bounded number of times and parked with
// the broker's reason. The refusal is the broker's own: an event written before claim values moved to Blob storage
// can hold its claims, and one over Service Bus's 256 KiB is refused with MessageSizeExceeded.
import { fileURLToPath } from "node:url";
import type { CosmosClient, Database } from "@azure/cosmos";
import { ServiceBusClient } from "@azure/service-bus";
import { afterEach, describe, expect, it } from "vitest";
import { type CosmosEmulator, startCosmosEmulator } from "../../local/cosmos.js";
import { type ServiceBusEmulator, startServiceBusEmulator } from "../../local/servicebus/index.js";
import { createCosmosClient, ensureDatabase } from "../../src/adapters/cosmos/client.js";
import { ensureContainers } from "../../src/adapters/cosmos/containers.js";
import { credentialRequestStore } from "../../src/adapters/cosmos/credentialRequestStore.js";
import { shareStore } from "../../src/adapters/cosmos/shareStore.js";
import {
  SHARE_EVENTS_TOPIC,
  serviceBusEventPublisher,
} from "../../src/adapters/servicebus/eventPublisher.js";
import { OUTBOX_BATCH, sweepOutbox } from "../../src/app/outbox.js";
import { OUTBOX_MAX_TRIES } from "../../src/domain/outbox.js";
import { mintId } from "../../src/domain/secrets.js";
import { messagesIn } from "../servicebus/fixtures.js";
import { memoryLogger } from "../support/memoryPorts.js";

const CONFIG = fileURLToPath(new URL("../../local/servicebus/Config.json", import.meta.url));
const MINUTE_MS = 60_000;
/** The sweep's schedule in Azure. */
const SWEEP_INTERVAL_MS = 5 * MINUTE_MS;

let cosmos: CosmosEmulator | undefined;
let cosmosClient: CosmosClient | undefined;
let serviceBus: ServiceBusEmulator | undefined;
let serviceBusClient: ServiceBusClient | undefined;
afterEach(async () => {
  await serviceBusClient?.close();
  await serviceBus?.close();
  cosmosClient?.dispose();
  await cosmos?.close();
  [cosmos, cosmosClient, serviceBus, serviceBusClient] = [undefined, undefined, undefined, undefined];
});

/** A shared share as stored with its event in the outbox; `claim` is the one claim value the event carries. */
function sharedWithOutbox(storedAt: Date, claim: string) {
  const id = mintId();
  const subject = `did:example:${mintId()}`;
  return {
    id,
    subject,
    trustId: "RTH",
    outbox: {
      event: {
        eventId: mintId(),
        type: "urn:nhs:staff-passport:event:credentials-shared",
        trustId: "RTH",
        occurredAt: storedAt.toISOString(),
        data: {
          shareId: id,
          trustId: "RTH",
          subject,
          sharedAt: storedAt.toISOString(),
          credentials: [
            { type: "DBSCheck", issuer: "did:example:dbs", revocationStatus: "VALID", claims: { claim } },
          ],
        },
      },
      correlationId: `corr-${id}`,
      storedAt: storedAt.toISOString(),
    },
  };
}

describe("the outbox sweep with events the broker refuses", () => {
  it("publishes a good event behind more refused events than a sweep takes, and parks each refused one after its last try", async () => {
    cosmos = await startCosmosEmulator();
    cosmosClient = await createCosmosClient(cosmos.endpoint, () => {
      throw new Error("no Entra credential is used on loopback");
    });
    const database: Database = await ensureDatabase(cosmosClient, "outbox-head-of-line");
    await ensureContainers(database);
    serviceBus = await startServiceBusEmulator({ config: CONFIG });
    const client = new ServiceBusClient(serviceBus.connectionString);
    serviceBusClient = client;

    let now = new Date();
    const deps = {
      shares: shareStore(async () => database.container("shares")),
      credentialRequests: credentialRequestStore(async () => database.container("credentialRequests")),
      publisher: serviceBusEventPublisher(async () => client),
      log: memoryLogger(),
      clock: () => now,
    };

    // More refused events than one sweep takes, all older than the good one.
    const oversized = "x".repeat(257 * 1024);
    const refused = Array.from({ length: OUTBOX_BATCH + 1 }, (_, index) =>
      sharedWithOutbox(new Date(now.getTime() - 30 * MINUTE_MS + index), oversized),
    );
    for (const share of refused) await database.container("shares").items.create(share);
    const good = sharedWithOutbox(new Date(now.getTime() - 10 * MINUTE_MS), "enhanced");
    await database.container("shares").items.create(good);

    // The first sweep takes the oldest events, all refused; the next, a moment later, reaches the good one.
    expect(await sweepOutbox(deps)).toEqual({ published: 0, pending: OUTBOX_BATCH });
    now = new Date(now.getTime() + 1_000);
    expect(await sweepOutbox(deps)).toEqual({ published: 1, pending: 1 });
    const onTopic = await messagesIn(serviceBus.connectionString, [SHARE_EVENTS_TOPIC, "record"]);
    expect(onTopic.map((message) => message.messageId)).toEqual([good.outbox.event.eventId]);
    expect((await deps.shares.get(good.subject, good.id))?.value.outbox).toBeUndefined();

    // A sweep every five minutes: each refused event is tried again later and later until it is parked.
    const byId = new Set(refused.map((share) => share.id));
    for (
      let sweeps = 0;
      sweeps < 60 && (await deps.shares.countParkedOutboxes()) < refused.length;
      sweeps++
    ) {
      now = new Date(now.getTime() + SWEEP_INTERVAL_MS);
      await sweepOutbox(deps);
    }
    const parked = await deps.shares.parkedOutboxes();
    expect(parked).toHaveLength(refused.length);
    for (const entry of parked) {
      expect(byId.has(entry.id)).toBe(true);
      expect(entry).toMatchObject({ tries: OUTBOX_MAX_TRIES, reason: "MessageSizeExceeded" });
    }
    // Parked events are no longer taken, however much later the sweep runs; nothing refused reached the topic.
    now = new Date(now.getTime() + 24 * 60 * MINUTE_MS);
    expect(await sweepOutbox(deps)).toEqual({ published: 0, pending: 0 });
    const after = await messagesIn(serviceBus.connectionString, [SHARE_EVENTS_TOPIC, "record"]);
    expect(after.map((message) => message.messageId)).toEqual([good.outbox.event.eventId]);
    expect(deps.log.lines.filter((line) => line.level === "error")).toHaveLength(refused.length);
  }, 240_000);
});
