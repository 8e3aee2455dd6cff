// The outbox's query and conditional writes against the Cosmos DB emulator through the real @azure/cosmos SDK:
// the sweep takes only due, unparked events, a failed try is counted once however many sweeps race, and an
// operator's list shows where a parked event is and why, never the event. Each test has a database of its own,
// since the outbox queries read the whole container.
import type { Container, Database } from "@azure/cosmos";
import { beforeEach, describe, expect, it } from "vitest";
import { ensureDatabase } from "../../src/adapters/cosmos/client.js";
import { ensureContainers } from "../../src/adapters/cosmos/containers.js";
import { credentialRequestStore } from "../../src/adapters/cosmos/credentialRequestStore.js";
import { shareStore } from "../../src/adapters/cosmos/shareStore.js";
import type { ShareStore } from "../../src/app/ports.js";
import { afterFailedPublish, OUTBOX_MAX_TRIES, type Outbox } from "../../src/domain/outbox.js";
import { mintId } from "../../src/domain/secrets.js";
import { useCosmosEmulator } from "../support/cosmosEmulator.js";

let database: Database;
let container: Container;
let shares: ShareStore;

const cosmos = useCosmosEmulator();
beforeEach(async () => {
  database = await ensureDatabase(cosmos.client(), `outbox-${mintId()}`);
  await ensureContainers(database);
  container = database.container("shares");
  shares = shareStore(async () => container);
});

const at = (base: Date, ms: number) => new Date(base.getTime() + ms);

/** A share document with an event in its outbox, stored `ageMs` before `now`, with any retry state given. */
async function waiting(
  now: Date,
  ageMs: number,
  retries: Pick<Outbox, "tries" | "nextTryAt" | "parked"> = {},
) {
  const id = mintId();
  const outbox: Omit<Outbox, "event"> & { event: Record<string, unknown> & { eventId: string } } = {
    event: { eventId: mintId(), trustId: "RTH", type: "test", occurredAt: now.toISOString(), data: { id } },
    correlationId: "corr",
    storedAt: at(now, -ageMs).toISOString(),
    ...retries,
  };
  const document = {
    id,
    subject: `did:example:${mintId()}`,
    trustId: "RTH",
    outbox,
  };
  await container.items.create(document);
  return document;
}

describe("the outbox sweep's query", () => {
  it("takes events past the grace period that never failed or whose next try is due, oldest first", async () => {
    const now = new Date();
    const due = { storedBefore: at(now, -5_000), now };
    const fresh = await waiting(now, 1_000);
    const untried = await waiting(now, 60_000);
    const retryDue = await waiting(now, 120_000, { tries: 2, nextTryAt: at(now, -1).toISOString() });
    const retryLater = await waiting(now, 180_000, { tries: 3, nextTryAt: at(now, 1_000).toISOString() });
    const parked = await waiting(now, 240_000, { tries: 10, parked: { reason: "X", at: now.toISOString() } });
    const released = await waiting(now, 300_000, { tries: 0, nextTryAt: now.toISOString() });
    const taken = (await shares.unpublished(due, 100)).map((stored) => stored.value.id);
    expect(taken).toEqual([released.id, retryDue.id, untried.id]);
    expect(taken).not.toContain(fresh.id);
    expect(taken).not.toContain(retryLater.id);
    expect(taken).not.toContain(parked.id);
    expect((await shares.unpublished(due, 2)).map((stored) => stored.value.id)).toEqual([
      released.id,
      retryDue.id,
    ]);
  });
});

describe("a failed try on the outbox", () => {
  it("counts the try and sets the next one, once: a second sweep writing the same try changes nothing", async () => {
    const now = new Date();
    const share = await waiting(now, 60_000);
    const retry = afterFailedPublish(share.outbox, "ServiceUnavailable", now);
    expect(await shares.retryOutbox(share.subject, share.id, retry)).toBe(true);
    const once = await shares.get(share.subject, share.id);
    expect(once?.value.outbox).toEqual({ ...share.outbox, ...retry });
    expect(await shares.retryOutbox(share.subject, share.id, retry)).toBe(false);
    expect((await shares.get(share.subject, share.id))?.etag).toBe(once?.etag);
  });

  it("parks the event after the last try, and writes nothing on a parked or dropped outbox", async () => {
    const now = new Date();
    const share = await waiting(now, 60_000, { tries: OUTBOX_MAX_TRIES - 1, nextTryAt: now.toISOString() });
    const last = afterFailedPublish(share.outbox, "MessageSizeExceeded", now);
    expect(last).toEqual({
      tries: OUTBOX_MAX_TRIES,
      parked: { reason: "MessageSizeExceeded", at: now.toISOString() },
    });
    expect(await shares.retryOutbox(share.subject, share.id, last)).toBe(true);
    expect(
      await shares.retryOutbox(share.subject, share.id, {
        tries: OUTBOX_MAX_TRIES + 1,
        nextTryAt: now.toISOString(),
      }),
    ).toBe(false);
    expect((await shares.get(share.subject, share.id))?.value.outbox?.parked).toEqual(
      "parked" in last ? last.parked : undefined,
    );

    const dropped = await waiting(now, 60_000);
    await shares.dropOutbox(dropped.subject, dropped.id);
    expect(
      await shares.retryOutbox(dropped.subject, dropped.id, afterFailedPublish(dropped.outbox, "X", now)),
    ).toBe(false);
    expect((await shares.get(dropped.subject, dropped.id))?.value.outbox).toBeUndefined();
  });
});

describe("parked events", () => {
  it("are listed by where they are and why, without the event, and counted, in each container", async () => {
    const now = new Date();
    const first = await waiting(now, 60_000, {
      tries: 10,
      parked: { reason: "A", at: at(now, -2).toISOString() },
    });
    const second = await waiting(now, 60_000, {
      tries: 10,
      parked: { reason: "B", at: at(now, -1).toISOString() },
    });
    await waiting(now, 60_000, { tries: 3, nextTryAt: now.toISOString() });
    const listed = await shares.parkedOutboxes();
    expect(listed).toEqual(
      [first, second].map((share) => ({
        id: share.id,
        partitionKey: share.subject,
        eventId: share.outbox.event.eventId,
        trustId: "RTH",
        tries: 10,
        reason: share.outbox.parked?.reason,
        parkedAt: share.outbox.parked?.at,
      })),
    );
    expect(JSON.stringify(listed)).not.toContain('"data"');
    expect(await shares.countParkedOutboxes()).toBe(2);

    const requests = credentialRequestStore(async () => database.container("credentialRequests"));
    expect(await requests.countParkedOutboxes()).toBe(0);
    await database.container("credentialRequests").items.create({ ...first, id: mintId() });
    expect((await requests.parkedOutboxes()).map((entry) => entry.partitionKey)).toEqual(["RTH"]);
    expect(await requests.countParkedOutboxes()).toBe(1);
  });

  it("are released with their tries cleared and due at once, and a second release changes nothing", async () => {
    const now = new Date();
    const share = await waiting(now, 60_000, { tries: 10, parked: { reason: "A", at: now.toISOString() } });
    expect(await shares.releaseOutbox(share.subject, share.id, now)).toBe(true);
    const released = await shares.get(share.subject, share.id);
    expect(released?.value.outbox).toEqual({
      ...share.outbox,
      parked: undefined,
      tries: 0,
      nextTryAt: now.toISOString(),
    });
    expect(released?.value.outbox).not.toHaveProperty("parked");
    expect((await shares.unpublished({ storedBefore: now, now }, 10)).map((s) => s.value.id)).toEqual([
      share.id,
    ]);
    expect(await shares.releaseOutbox(share.subject, share.id, now)).toBe(false);
    expect((await shares.get(share.subject, share.id))?.etag).toBe(released?.etag);
    // Released, it gets a full round of tries again.
    const retry = afterFailedPublish(released?.value.outbox ?? share.outbox, "X", now);
    expect(retry.tries).toBe(1);
    expect(await shares.retryOutbox(share.subject, share.id, retry)).toBe(true);
  });
});
