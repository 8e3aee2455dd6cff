// The stores' conditional writes against the Cosmos DB emulator through the real @azure/cosmos SDK: each changes
// only what it owns, and only while the stored document is in the state the condition names, without a read.
import type { CosmosClient, Database } from "@azure/cosmos";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CosmosEmulator, startCosmosEmulator } from "../../local/cosmos.js";
import { createCosmosClient, ensureDatabase } from "../../src/adapters/cosmos/client.js";
import { ensureContainers } from "../../src/adapters/cosmos/containers.js";
import { patchIf } from "../../src/adapters/cosmos/errors.js";
import { shareEventStore } from "../../src/adapters/cosmos/shareEventStore.js";
import { shareStore } from "../../src/adapters/cosmos/shareStore.js";
import { mintId } from "../../src/domain/secrets.js";
import { newShare, type Share, shareAccepted } from "../../src/domain/share.js";
import { newStoredShareEvent, type StoredShareEvent } from "../../src/domain/shareDelivery.js";
import { CREDENTIALS_SHARED_EVENT, type ShareEvent } from "../../src/domain/shareEvent.js";

let emulator: CosmosEmulator;
let client: CosmosClient;
let database: Database;

beforeAll(async () => {
  emulator = await startCosmosEmulator();
  client = await createCosmosClient(emulator.endpoint, () => {
    throw new Error("no Entra credential is used on loopback");
  });
  database = await ensureDatabase(client, "conditional-writes");
  await ensureContainers(database);
});
afterAll(async () => {
  client.dispose();
  await emulator.close();
});

const staff = { staffId: "RTH-1", givenName: "Ada", familyName: "Lovelace" };

async function storedShare(): Promise<Share> {
  const now = new Date();
  const share = newShare(
    {
      id: mintId(),
      subject: `did:example:${mintId()}`,
      trustId: "RTH",
      staff,
      credentialTypes: ["DBSCheck"],
      expiresAt: new Date(now.getTime() + 300_000).toISOString(),
    },
    now,
  );
  await shareStore(async () => database.container("shares")).create(share);
  return share;
}

/** A share event as the outbox and `shareEvents` hold it: a reference, without the holder, staff or claims. */
function sharedEvent(): ShareEvent {
  const now = new Date().toISOString();
  const shareId = mintId();
  return {
    eventId: mintId(),
    type: CREDENTIALS_SHARED_EVENT,
    trustId: "RTH",
    occurredAt: now,
    data: {
      shareId,
      trustId: "RTH",
      sharedAt: now,
      credentials: [{ type: "DBSCheck", issuer: "did:example:dbs", revocationStatus: "VALID" }],
    },
  };
}

describe("a share's conditional writes", () => {
  const shares = shareStore(async () => database.container("shares"));

  it("moves a share on only from the statuses named, and changes nothing else", async () => {
    const share = await storedShare();
    const scanned = { progress: { status: "scanned" as const, scannedAt: new Date().toISOString() } };
    expect(await shares.advance(share.subject, share.id, scanned, ["pending"])).toBe(true);
    // A second retrieved callback finds it scanned already.
    expect(await shares.advance(share.subject, share.id, scanned, ["pending"])).toBe(false);
    const stored = await shares.get(share.subject, share.id);
    expect(stored?.value).toEqual({ ...share, ...scanned });
  });

  it("stores the event with the move to shared, and no second move gets past a final share", async () => {
    const share = await storedShare();
    const accepted = (eventId: string) =>
      shareAccepted(
        share,
        {
          eventId,
          credentials: [
            { type: "DBSCheck", issuer: "did:example:dbs", revocationStatus: "VALID", claims: {} },
          ],
        },
        new Date(),
        "corr-1",
      );
    const first = accepted(mintId());
    expect(await shares.advance(share.subject, share.id, first, ["pending", "scanned"])).toBe(true);
    expect(await shares.advance(share.subject, share.id, accepted(mintId()), ["pending", "scanned"])).toBe(
      false,
    );
    const stored = await shares.get(share.subject, share.id);
    expect(stored?.value.outbox?.event.eventId).toBe(first.outbox.event.eventId);
    expect(stored?.value.progress).toEqual(first.progress);
  });

  it("judges the condition on the patched share alone, not on another holder's share with the same id", async () => {
    const share = await storedShare();
    const twin = { ...share, subject: `did:example:${mintId()}` };
    await shares.create(twin);
    const scanned = { progress: { status: "scanned" as const, scannedAt: new Date().toISOString() } };
    expect(await shares.advance(twin.subject, twin.id, scanned, ["pending"])).toBe(true);
    // The twin is scanned now; the emulator's own check queried every document and found the pending one.
    expect(await shares.advance(twin.subject, twin.id, scanned, ["pending"])).toBe(false);
    expect((await shares.get(share.subject, share.id))?.value.progress).toEqual({ status: "pending" });
  });

  it("answers false for a share that does not exist, and creates nothing", async () => {
    const subject = `did:example:${mintId()}`;
    const id = mintId();
    const change = { progress: { status: "scanned" as const, scannedAt: new Date().toISOString() } };
    expect(await shares.advance(subject, id, change, ["pending"])).toBe(false);
    expect(await shares.get(subject, id)).toBeUndefined();
  });

  it("drops the outbox, keeps what was written since, and a second drop changes nothing", async () => {
    const share = await storedShare();
    const outbox = { event: sharedEvent(), correlationId: "corr-2", storedAt: new Date().toISOString() };
    const read = await shares.get(share.subject, share.id);
    if (read === undefined) throw new Error("share not stored");
    const withOutbox = { ...share, outbox, answers: { requestId: mintId(), credentialTypes: ["DBSCheck"] } };
    await shares.replace(withOutbox, read.etag);
    await shares.dropOutbox(share.subject, share.id);
    const dropped = await shares.get(share.subject, share.id);
    expect(dropped?.value.outbox).toBeUndefined();
    expect(dropped?.value.answers).toEqual(withOutbox.answers);
    await shares.dropOutbox(share.subject, share.id);
    expect((await shares.get(share.subject, share.id))?.etag).toBe(dropped?.etag);
  });
});

describe("a share event's conditional writes", () => {
  const events = shareEventStore(async () => database.container("shareEvents"));
  const fresh = (recorded: boolean): StoredShareEvent =>
    newStoredShareEvent(sharedEvent(), { now: new Date(), retentionMs: 86_400_000, recorded });

  it("marks an event recorded once: the mark of the first record stays", async () => {
    const event = fresh(false);
    await events.create(event);
    const at = new Date().toISOString();
    expect(await events.markRecorded(event.trustId, event.id, at)).toBe(true);
    expect(
      await events.markRecorded(event.trustId, event.id, new Date(Date.now() + 1_000).toISOString()),
    ).toBe(false);
    expect((await events.get(event.trustId, event.id))?.value.recorded).toEqual({ at });
  });

  it("takes the first attempt of a pending event once", async () => {
    const event = fresh(true);
    await events.create(event);
    const leaseUntil = new Date(Date.now() + 40_000).toISOString();
    const taken = await events.takeFirstAttempt(event.trustId, event.id, leaseUntil);
    expect(taken?.value.delivery).toEqual({ ...event.delivery, attempt: 1, leaseUntil });
    expect(taken?.value.recorded).toEqual(event.recorded);
    expect(await events.takeFirstAttempt(event.trustId, event.id, leaseUntil)).toBeUndefined();
  });

  it("settles an attempt while the event is at it, keeping a record mark written meanwhile", async () => {
    const event = fresh(false);
    const leaseUntil = new Date(Date.now() + 40_000).toISOString();
    await events.create({ ...event, delivery: { ...event.delivery, attempt: 1, leaseUntil } });
    const at = new Date().toISOString();
    await events.markRecorded(event.trustId, event.id, at);
    const delivered: StoredShareEvent = {
      ...event,
      delivery: { status: "delivered", attempt: 1, attempts: [], deliveredAt: at },
    };
    expect(await events.settleAttempt(delivered)).toBe(true);
    const stored = await events.get(event.trustId, event.id);
    expect(stored?.value.delivery).toEqual(delivered.delivery);
    expect(stored?.value.recorded).toEqual({ at });
  });

  it("does not settle an attempt once a later one has been taken", async () => {
    const event = fresh(true);
    await events.create({ ...event, delivery: { ...event.delivery, status: "retrying", attempt: 2 } });
    const late: StoredShareEvent = { ...event, delivery: { status: "delivered", attempt: 1, attempts: [] } };
    expect(await events.settleAttempt(late)).toBe(false);
    expect((await events.get(event.trustId, event.id))?.value.delivery.attempt).toBe(2);
  });
});

describe("patchIf", () => {
  it("refuses a condition that names a camelCase property, which the emulator would read as undefined", async () => {
    const item = database.container("shareEvents").item("any", "RTH");
    await expect(patchIf(item, "FROM c WHERE NOT IS_DEFINED(c.recordedAt)", [])).rejects.toThrow(/lowercase/);
  });
});
