// The outbox's queries and conditional writes, shared by the containers whose documents carry one (shares and
// credential requests): the events the sweep may take, a failed try written on the outbox, and the parked events
// an operator lists, counts and releases. Each is one query across partitions or one patch without a read.
import type { Container, Item } from "@azure/cosmos";
import type { OutboxDue, OutboxRetries, ParkedOutbox, Versioned } from "../../app/ports.js";
import type { OutboxRetry } from "../../domain/outbox.js";
import type { ContainerRef } from "./client.js";
import { cosmosCall, patchIf, versionedOf } from "./errors.js";

/**
 * The documents whose event waits in their outbox since before `storedBefore`, is not parked and is due, oldest
 * first. The range on `storedAt` (only documents with an outbox have one) is served by the index and leaves the
 * few documents still waiting; the rest of the filter reads those alone.
 */
export async function dueInOutbox<T>(
  container: Container,
  due: OutboxDue,
  limit: number,
): Promise<Versioned<T>[]> {
  const query = {
    query:
      `SELECT TOP ${limit} * FROM c WHERE c.outbox.storedAt < @storedBefore` +
      " AND NOT IS_DEFINED(c.outbox.parked)" +
      " AND (NOT IS_DEFINED(c.outbox.nextTryAt) OR c.outbox.nextTryAt <= @now)" +
      " ORDER BY c.outbox.storedAt",
    parameters: [
      { name: "@storedBefore", value: due.storedBefore.toISOString() },
      { name: "@now", value: due.now.toISOString() },
    ],
  };
  const { resources } = await cosmosCall(() =>
    container.items.query<Record<string, unknown>>(query).fetchAll(),
  );
  return resources.flatMap((document) => versionedOf<T>(document) ?? []);
}

/** Writes a failed try on the outbox if it still holds the try before it and is not parked. */
export async function retryOutbox(item: Item, retry: OutboxRetry): Promise<boolean> {
  const before = retry.tries - 1;
  // `tries` is our own integer, never input, so it is written into the condition. A released event holds 0.
  const triesBefore =
    before === 0 ? "(NOT IS_DEFINED(c.outbox.tries) OR c.outbox.tries = 0)" : `c.outbox.tries = ${before}`;
  const written = await patchIf(
    item,
    `FROM c WHERE IS_DEFINED(c.outbox) AND NOT IS_DEFINED(c.outbox.parked) AND ${triesBefore}`,
    [
      { op: "set", path: "/outbox/tries", value: retry.tries },
      "parked" in retry
        ? { op: "set", path: "/outbox/parked", value: retry.parked }
        : { op: "set", path: "/outbox/nextTryAt", value: retry.nextTryAt },
    ],
  );
  return written !== undefined;
}

/** Clears a parked outbox's park and tries, and makes it due at `now`. */
export async function releaseOutbox(item: Item, now: Date): Promise<boolean> {
  // Set rather than removed: a remove of a path that is not there fails the whole patch.
  const written = await patchIf(item, "FROM c WHERE IS_DEFINED(c.outbox.parked)", [
    { op: "remove", path: "/outbox/parked" },
    { op: "set", path: "/outbox/tries", value: 0 },
    { op: "set", path: "/outbox/nextTryAt", value: now.toISOString() },
  ]);
  return written !== undefined;
}

type ParkedRow = {
  id: string;
  partitionKey: string;
  eventId: string;
  trustId: string;
  tries: number;
  parked: { reason: string; at: string };
};

/** The parked outboxes of the container, oldest park first, with only what an operator needs to find them. */
export async function parkedInOutbox(
  container: Container,
  partitionKeyPath: string,
): Promise<ParkedOutbox[]> {
  // The partition key's property is the store's own constant, never input.
  const query =
    `SELECT c.id, c.${partitionKeyPath} AS partitionKey, c.outbox.event.eventId AS eventId,` +
    " c.outbox.event.trustId AS trustId, c.outbox.tries AS tries, c.outbox.parked AS parked" +
    " FROM c WHERE IS_DEFINED(c.outbox.parked.at)";
  const { resources } = await cosmosCall(() => container.items.query<ParkedRow>(query).fetchAll());
  return resources
    .map(({ parked, ...row }) => ({ ...row, reason: parked.reason, parkedAt: parked.at }))
    .sort((a, b) => (a.parkedAt < b.parkedAt ? -1 : a.parkedAt > b.parkedAt ? 1 : 0));
}

/** How many of the container's outboxes are parked. */
export async function countParkedInOutbox(container: Container): Promise<number> {
  const { resources } = await cosmosCall(() =>
    container.items
      .query<number>("SELECT VALUE COUNT(1) FROM c WHERE IS_DEFINED(c.outbox.parked.at)")
      .fetchAll(),
  );
  return resources[0] ?? 0;
}

/** The outbox retries of a container whose documents are partitioned on `partitionKeyPath` (a top-level property). */
export function outboxRetries(containerRef: ContainerRef, partitionKeyPath: string): OutboxRetries {
  return {
    async retryOutbox(partitionKey, id, retry) {
      return retryOutbox((await containerRef()).item(id, partitionKey), retry);
    },
    async parkedOutboxes() {
      return parkedInOutbox(await containerRef(), partitionKeyPath);
    },
    async countParkedOutboxes() {
      return countParkedInOutbox(await containerRef());
    },
    async releaseOutbox(partitionKey, id, now) {
      return releaseOutbox((await containerRef()).item(id, partitionKey), now);
    },
  };
}
