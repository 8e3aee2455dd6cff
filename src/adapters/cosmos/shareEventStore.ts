// Share events in the `shareEvents` container (partition /trustId, id = eventId), with optimistic concurrency:
// the record and deliver consumers race on the same document, and every write either creates it only if absent
// or names the ETag it read.
import type { Container } from "@azure/cosmos";
import type { ShareEventStore, VersionedEvent } from "../../app/ports.js";
import type { StoredShareEvent } from "../../domain/shareDelivery.js";
import { cosmosCall } from "./errors.js";

const SYSTEM_FIELDS = ["_etag", "_rid", "_ts", "_self", "_attachments"] as const;

function versioned(resource: Record<string, unknown> | undefined, etag?: string): VersionedEvent | undefined {
  if (resource === undefined) return undefined;
  const tag = etag ?? resource._etag;
  if (typeof tag !== "string") return undefined;
  const copy = { ...resource };
  for (const field of SYSTEM_FIELDS) delete copy[field];
  return { value: copy as StoredShareEvent, etag: tag };
}

function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "number" ? code : undefined;
}

export function shareEventStore(container: Container): ShareEventStore {
  return {
    async get(trustId, eventId) {
      const { resource } = await cosmosCall(() =>
        container.item(eventId, trustId).read<Record<string, unknown>>(),
      );
      return versioned(resource);
    },
    async create(event) {
      try {
        const { resource, etag } = await cosmosCall(() => container.items.create(event), [409]);
        return versioned(resource as Record<string, unknown> | undefined, etag);
      } catch (error) {
        if (statusOf(error) === 409) return undefined;
        throw error;
      }
    },
    async replace(event, etag) {
      try {
        const { resource, etag: next } = await cosmosCall(
          () =>
            container
              .item(event.id, event.trustId)
              .replace(event, { accessCondition: { type: "IfMatch", condition: etag } }),
          [412],
        );
        return versioned(resource as Record<string, unknown> | undefined, next);
      } catch (error) {
        if (statusOf(error) === 412) return undefined;
        throw error;
      }
    },
  };
}
