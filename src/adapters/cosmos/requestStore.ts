// Login and share requests in the `requests` container, with optimistic concurrency: every replace names the
// ETag it read, so that of two racing callbacks exactly one wins.
import type { Container } from "@azure/cosmos";
import { cosmosCall } from "./errors.js";

/** A stored request must at least have an id; its kind says which state machine it follows. */
export type StoredRequest = { readonly id: string; readonly kind: string };

export type Versioned<T> = { readonly value: T; readonly etag: string };

export type RequestStore<T extends StoredRequest> = {
  create(request: T, ttlSeconds: number): Promise<void>;
  get(id: string): Promise<Versioned<T> | undefined>;
  /** Replaces the request if it is still at `etag`; false when another writer got there first. */
  replace(request: T, etag: string, ttlSeconds: number): Promise<boolean>;
};

const SYSTEM_FIELDS = ["_etag", "_rid", "_ts", "_self", "_attachments", "ttl"] as const;

function strip<T>(document: Record<string, unknown>): T {
  const copy = { ...document };
  for (const field of SYSTEM_FIELDS) delete copy[field];
  return copy as T;
}

export function requestStore<T extends StoredRequest>(container: Container): RequestStore<T> {
  return {
    async create(request, ttlSeconds) {
      await cosmosCall(() => container.items.create({ ...request, ttl: ttlSeconds }));
    },
    async get(id) {
      const { resource } = await cosmosCall(() => container.item(id, id).read<Record<string, unknown>>());
      if (!resource || typeof resource._etag !== "string") return undefined;
      return { value: strip<T>(resource), etag: resource._etag };
    },
    async replace(request, etag, ttlSeconds) {
      try {
        await cosmosCall(
          () =>
            container
              .item(request.id, request.id)
              .replace(
                { ...request, ttl: ttlSeconds },
                { accessCondition: { type: "IfMatch", condition: etag } },
              ),
          [412],
        );
        return true;
      } catch (error) {
        if ((error as { code?: unknown }).code === 412) return false;
        throw error;
      }
    },
  };
}
