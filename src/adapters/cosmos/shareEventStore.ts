// Share events in the `shareEvents` container (partition /trustId, id = eventId), with optimistic concurrency:
// the record and deliver consumers race on the same document, and every write either creates it only if absent
// or names the ETag it read, or changes only the fields it owns under a condition on the stored document.

import type { ShareEventStore, VersionedEvent } from "../../app/ports.js";
import type { StoredShareEvent } from "../../domain/shareDelivery.js";
import type { ContainerRef } from "./client.js";
import { cosmosCall, cosmosStatus, patchIf, replaceIfMatch, versionedOf } from "./errors.js";

const versioned = (resource: Record<string, unknown> | undefined): VersionedEvent | undefined =>
  versionedOf<StoredShareEvent>(resource);

export function shareEventStore(containerRef: ContainerRef): ShareEventStore {
  return {
    async get(trustId, eventId) {
      const container = await containerRef();
      const { resource } = await cosmosCall(() =>
        container.item(eventId, trustId).read<Record<string, unknown>>(),
      );
      return versioned(resource);
    },
    async create(event) {
      const container = await containerRef();
      try {
        const { etag } = await cosmosCall(() => container.items.create(event), [409]);
        return { value: event, etag };
      } catch (error) {
        if (cosmosStatus(error) === 409) return undefined;
        throw error;
      }
    },
    async replace(event, etag) {
      const container = await containerRef();
      const next = await replaceIfMatch(container.item(event.id, event.trustId), event, etag);
      return next === undefined ? undefined : { value: event, etag: next };
    },
    async markRecorded(trustId, eventId, at) {
      const container = await containerRef();
      const written = await patchIf(
        container.item(eventId, trustId),
        "FROM c WHERE NOT IS_DEFINED(c.recorded)",
        [{ op: "set", path: "/recorded", value: { at } }],
      );
      return written !== undefined;
    },
    async takeFirstAttempt(trustId, eventId, leaseUntil) {
      const container = await containerRef();
      const condition = "FROM c WHERE c.delivery.status = 'pending' AND c.delivery.attempt = 0";
      return versioned(
        await patchIf(container.item(eventId, trustId), condition, [
          { op: "set", path: "/delivery/attempt", value: 1 },
          { op: "set", path: "/delivery/leaseUntil", value: leaseUntil },
        ]),
      );
    },
    async settleAttempt(event) {
      const container = await containerRef();
      const { attempt } = event.delivery;
      if (!Number.isSafeInteger(attempt)) throw new RangeError("An attempt number is a whole number.");
      const written = await patchIf(
        container.item(event.id, event.trustId),
        `FROM c WHERE c.delivery.attempt = ${attempt}`,
        [
          // The delivery, and the mark once the payload is deleted: never the event's data, so a settle can
          // only ever add to what retention removed, not write anything back.
          { op: "set", path: "/delivery", value: event.delivery },
          ...(event.claimsRemoved === undefined
            ? []
            : [{ op: "set" as const, path: "/claimsRemoved", value: event.claimsRemoved }]),
        ],
      );
      return written !== undefined;
    },
    async claimsDue(before, limit) {
      const container = await containerRef();
      // Across partitions, but only events whose payload is still kept past their retention limit.
      const query = {
        query:
          `SELECT TOP ${limit} * FROM c WHERE NOT IS_DEFINED(c.claimsRemoved) AND c.retainClaimsUntil < @before` +
          " ORDER BY c.retainClaimsUntil",
        parameters: [{ name: "@before", value: before.toISOString() }],
      };
      const { resources } = await cosmosCall(() =>
        container.items.query<Record<string, unknown>>(query).fetchAll(),
      );
      return resources.flatMap((resource) => versioned(resource) ?? []);
    },
    async markPayloadRemoved(trustId, eventId, removal) {
      const container = await containerRef();
      // One write without a read, touching the mark alone: a settle or a poll's acknowledgement meanwhile stays.
      const operations = [{ op: "set" as const, path: "/claimsRemoved", value: removal }];
      try {
        await cosmosCall(() => container.item(eventId, trustId).patch(operations), [404]);
        return true;
      } catch (error) {
        if (cosmosStatus(error) === 404) return false;
        throw error;
      }
    },
    async oldestUnacknowledged() {
      const container = await containerRef();
      // Across partitions; the statuses are the ones a trust has not yet had the event in.
      const query =
        "SELECT TOP 1 c.occurredAt FROM c WHERE c.delivery.status IN " +
        '("pending", "retrying", "available", "held") ORDER BY c.occurredAt';
      const { resources } = await cosmosCall(() =>
        container.items.query<{ occurredAt?: unknown }>(query).fetchAll(),
      );
      const oldest = resources[0]?.occurredAt;
      return typeof oldest === "string" ? oldest : undefined;
    },
    async available(trustId, limit) {
      const container = await containerRef();
      // One partition: the trust's own events, oldest first. The partition is named in the filter too: the local
      // emulator applies TOP before it narrows a query to the partition the options name.
      const query = {
        query:
          `SELECT TOP ${limit} * FROM c WHERE c.trustId = @trustId AND c.delivery.status = "available"` +
          " AND NOT IS_DEFINED(c.claimsRemoved) ORDER BY c.occurredAt",
        parameters: [{ name: "@trustId", value: trustId }],
      };
      const { resources } = await cosmosCall(() =>
        container.items.query<Record<string, unknown>>(query, { partitionKey: trustId }).fetchAll(),
      );
      return resources.flatMap((resource) => versioned(resource) ?? []);
    },
    async settlePoll(trustId, eventId, outcome) {
      const container = await containerRef();
      const written = await patchIf(
        container.item(eventId, trustId),
        "FROM c WHERE c.delivery.status = 'available'",
        outcome.status === "delivered"
          ? [
              { op: "set", path: "/delivery/status", value: "delivered" },
              { op: "set", path: "/delivery/deliveredAt", value: outcome.at },
            ]
          : [
              { op: "set", path: "/delivery/status", value: "failed" },
              { op: "set", path: "/delivery/reason", value: outcome.reason },
            ],
      );
      return written !== undefined;
    },
  };
}
