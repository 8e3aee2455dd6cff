// Login and share requests in the `requests` container, with optimistic concurrency: every replace names the
// ETag it read, so that of two racing callbacks exactly one wins.

import type { RequestStore } from "../../app/ports.js";
import type { VerifiedIdRequest } from "../../domain/verifiedIdRequest.js";
import type { ContainerRef } from "./client.js";
import { cosmosCall, replaceIfMatch, versionedOf } from "./errors.js";

export function requestStore(containerRef: ContainerRef): RequestStore {
  return {
    async create(request, ttlSeconds) {
      const container = await containerRef();
      await cosmosCall(() => container.items.create({ ...request, ttl: ttlSeconds }));
    },
    async get(id) {
      const container = await containerRef();
      const { resource } = await cosmosCall(() => container.item(id, id).read<Record<string, unknown>>());
      return versionedOf<VerifiedIdRequest>(resource);
    },
    async replace(request, etag, ttlSeconds) {
      const container = await containerRef();
      const item = container.item(request.id, request.id);
      return (await replaceIfMatch(item, { ...request, ttl: ttlSeconds }, etag)) !== undefined;
    },
  };
}
