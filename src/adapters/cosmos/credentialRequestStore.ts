// Credential requests in the `credentialRequests` container, partitioned by the trust's id: the trust's reads are
// point reads, and a staff member's open requests at the session's trust are one query inside that partition.
// Every replace names the ETag it read.
import type { CredentialRequestStore } from "../../app/ports.js";
import type { CredentialRequest } from "../../domain/credentialRequest.js";
import type { ContainerRef } from "./client.js";
import { cosmosCall, replaceIfMatch, stripSystemFields, versionedOf, waitingInOutbox } from "./errors.js";

export function credentialRequestStore(containerRef: ContainerRef): CredentialRequestStore {
  return {
    async create(request) {
      const container = await containerRef();
      await cosmosCall(() => container.items.create(request));
    },
    async get(trustId, id) {
      const container = await containerRef();
      const { resource } = await cosmosCall(() =>
        container.item(id, trustId).read<Record<string, unknown>>(),
      );
      return versionedOf<CredentialRequest>(resource);
    },
    async replace(request, etag) {
      const container = await containerRef();
      return replaceIfMatch(container.item(request.id, request.trustId), request, etag);
    },
    async openFor(trustId, staffId, limit) {
      const container = await containerRef();
      // One partition, two equalities and an order on one property: the default range index serves it.
      const query = {
        query:
          `SELECT TOP ${limit} * FROM c WHERE c.staffId = @staffId AND c.state.status = "open"` +
          " ORDER BY c.createdAt DESC",
        parameters: [{ name: "@staffId", value: staffId }],
      };
      const { resources } = await cosmosCall(() =>
        container.items.query<Record<string, unknown>>(query, { partitionKey: trustId }).fetchAll(),
      );
      return resources.map((document) => stripSystemFields<CredentialRequest>(document));
    },
    async unpublished(before, limit) {
      // Only declined requests whose event waits.
      return waitingInOutbox<CredentialRequest>(await containerRef(), before, limit);
    },
  };
}
