// Credential requests in the `credentialRequests` container, partitioned by the trust's id: the trust's reads are
// point reads, and a staff member's open requests at the session's trust are one query inside that partition.
// Every replace names the ETag it read.
import { createHash } from "node:crypto";
import type { CredentialRequestStore } from "../../app/ports.js";
import type { CredentialRequest } from "../../domain/credentialRequest.js";
import type { ContainerRef } from "./client.js";
import { cosmosCall, cosmosStatus, dropOutbox, replaceIfMatch, versionedOf } from "./errors.js";
import { dueInOutbox, outboxRetries } from "./outbox.js";
import { newestForStaff } from "./staffQuery.js";

/** The marker of one trust call, by its token id: hashed, since a `jti` may hold characters an id may not. */
const callMarkerId = (call: string) => `call-${createHash("sha256").update(call).digest("base64url")}`;

export function credentialRequestStore(containerRef: ContainerRef): CredentialRequestStore {
  const read = async (trustId: string, id: string) => {
    const container = await containerRef();
    const { resource } = await cosmosCall(() => container.item(id, trustId).read<Record<string, unknown>>());
    return versionedOf<CredentialRequest>(resource);
  };
  return {
    async createOnce(request, call) {
      const container = await containerRef();
      // A call marker in the same partition, created first: its id is unique there, so of two copies of one call
      // only one gets past it. The request may be missing behind a marker when the first copy stopped in between;
      // the later copy then makes it under the marker's request id.
      const marker = { id: callMarkerId(call), trustId: request.trustId, requestId: request.id };
      let requestId = request.id;
      try {
        await cosmosCall(() => container.items.create(marker), [409]);
      } catch (error) {
        if (cosmosStatus(error) !== 409) throw error;
        const { resource } = await cosmosCall(() =>
          container.item(marker.id, request.trustId).read<{ requestId: string }>(),
        );
        requestId = resource?.requestId ?? request.id;
        const made = await read(request.trustId, requestId);
        if (made !== undefined) return made.value;
      }
      const stored = { ...request, id: requestId };
      try {
        await cosmosCall(() => container.items.create(stored), [409]);
      } catch (error) {
        if (cosmosStatus(error) !== 409) throw error;
        const made = await read(request.trustId, requestId);
        if (made !== undefined) return made.value;
        throw error;
      }
      return stored;
    },
    get: read,
    async replace(request, etag) {
      const container = await containerRef();
      return replaceIfMatch(container.item(request.id, request.trustId), request, etag);
    },
    async dropOutbox(trustId, id) {
      const container = await containerRef();
      await dropOutbox(container.item(id, trustId));
    },
    async openFor(trustId, staffId, limit) {
      return newestForStaff<CredentialRequest>(
        await containerRef(),
        trustId,
        staffId,
        limit,
        'c.state.status = "open"',
      );
    },
    async forStaff(trustId, staffId, limit) {
      return newestForStaff<CredentialRequest>(await containerRef(), trustId, staffId, limit);
    },
    async unpublished(due, limit) {
      // Only declined requests whose event waits.
      return dueInOutbox<CredentialRequest>(await containerRef(), due, limit);
    },
    async closedWithTextBefore(before, limit) {
      const container = await containerRef();
      // Across partitions, but only closed requests that still hold free text; call markers have no state.
      const closedBefore = ["fulfilledAt", "declinedAt", "withdrawnAt"]
        .map((field) => `c.state.${field} < @before`)
        .join(" OR ");
      const query = {
        query:
          `SELECT TOP ${limit} * FROM c WHERE c.state.status != "open"` +
          ` AND (IS_DEFINED(c.message) OR IS_DEFINED(c.state.reason)) AND (${closedBefore})`,
        parameters: [{ name: "@before", value: before.toISOString() }],
      };
      const { resources } = await cosmosCall(() =>
        container.items.query<Record<string, unknown>>(query).fetchAll(),
      );
      return resources.flatMap((document) => versionedOf<CredentialRequest>(document) ?? []);
    },
    ...outboxRetries(containerRef, "trustId"),
  };
}
