// Share events in the `shareEvents` container (partition /trustId, id = eventId), with optimistic concurrency:
// the record and deliver consumers race on the same document, and every write either creates it only if absent
// or names the ETag it read.

import type { ShareEventStore, VersionedEvent } from "../../app/ports.js";
import type { StoredShareEvent } from "../../domain/shareDelivery.js";
import type { ContainerRef } from "./client.js";
import { cosmosCall, cosmosStatus, replaceIfMatch, versionedOf } from "./errors.js";

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
    async claimsDue(before, limit) {
      const container = await containerRef();
      // Across partitions, but only events that still hold claim values past their retention limit.
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
  };
}
