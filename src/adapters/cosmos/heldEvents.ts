// The events held in `shareEvents` while a trust's stream is paused, found oldest first so that enabling the stream
// delivers them in the order they happened.
import type { HeldEvents, VersionedEvent } from "../../app/ports.js";
import { STREAM_PAUSED, type StoredShareEvent } from "../../domain/shareDelivery.js";
import type { ContainerRef } from "./client.js";
import { cosmosCall, versionedOf } from "./errors.js";

export function heldEvents(containerRef: ContainerRef): HeldEvents {
  return {
    async oldestHeld(trustId) {
      const container = await containerRef();
      // One partition; an attempt in flight (under a lease) is not offered again. The partition is named in the
      // filter too, as the emulator applies TOP before it narrows to the partition the options name.
      const query = {
        query:
          "SELECT TOP 1 * FROM c WHERE c.trustId = @trustId AND c.delivery.status = 'held'" +
          " AND c.delivery.reason = @reason AND NOT IS_DEFINED(c.delivery.leaseUntil)" +
          " AND NOT IS_DEFINED(c.claimsRemoved) ORDER BY c.occurredAt",
        parameters: [
          { name: "@trustId", value: trustId },
          { name: "@reason", value: STREAM_PAUSED },
        ],
      };
      const { resources } = await cosmosCall(() =>
        container.items.query<Record<string, unknown>>(query, { partitionKey: trustId }).fetchAll(),
      );
      const first: VersionedEvent | undefined = versionedOf<StoredShareEvent>(resources[0]);
      return first;
    },
  };
}
