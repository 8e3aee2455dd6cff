// Shares in the `shares` container, partitioned by the wallet holder's DID: a staff member's history is one
// partition, and reading another holder's share is a miss, not a check. Every replace names the ETag it read.
// A trust finds its share by id alone (findForTrust): one query across partitions, on the id and trust id.
// A callback moves a share on with one conditional write (advance), and a published event leaves the outbox the
// same way, so neither reads the share first.

import type { ShareStore } from "../../app/ports.js";
import type { Share } from "../../domain/share.js";
import type { ContainerRef } from "./client.js";
import { cosmosCall, dropOutbox, patchIf, replaceIfMatch, stripSystemFields, versionedOf } from "./errors.js";
import { dueInOutbox, outboxRetries } from "./outbox.js";

export function shareStore(containerRef: ContainerRef): ShareStore {
  return {
    async create(share) {
      const container = await containerRef();
      await cosmosCall(() => container.items.create(share));
    },
    async get(subject, id) {
      const container = await containerRef();
      const { resource } = await cosmosCall(() =>
        container.item(id, subject).read<Record<string, unknown>>(),
      );
      return versionedOf<Share>(resource);
    },
    async replace(share, etag) {
      const container = await containerRef();
      return replaceIfMatch(container.item(share.id, share.subject), share, etag);
    },
    async advance(subject, id, change, from) {
      const container = await containerRef();
      // The statuses are the store's own constants, never input, so they are written into the condition.
      const condition = `FROM c WHERE c.progress.status IN (${from.map((status) => `'${status}'`).join(", ")})`;
      const written = await patchIf(container.item(id, subject), condition, [
        { op: "set", path: "/progress", value: change.progress },
        ...(change.outbox === undefined
          ? []
          : [{ op: "set" as const, path: "/outbox", value: change.outbox }]),
      ]);
      return written !== undefined;
    },
    async dropOutbox(subject, id) {
      const container = await containerRef();
      await dropOutbox(container.item(id, subject));
    },
    async history(subject, page) {
      const container = await containerRef();
      // One partition, ordered on one property, so the default range index serves it.
      const query = {
        query:
          `SELECT TOP ${page.limit} * FROM c WHERE c.subject = @subject` +
          (page.after === undefined ? "" : " AND c.historyKey < @after") +
          " ORDER BY c.historyKey DESC",
        parameters: [
          { name: "@subject", value: subject },
          ...(page.after === undefined ? [] : [{ name: "@after", value: page.after }]),
        ],
      };
      const { resources } = await cosmosCall(() =>
        container.items.query<Record<string, unknown>>(query, { partitionKey: subject }).fetchAll(),
      );
      return resources.map((document) => stripSystemFields<Share>(document));
    },
    async unpublished(due, limit) {
      return dueInOutbox<Share>(await containerRef(), due, limit);
    },
    async findForTrust(trustId, id) {
      const container = await containerRef();
      // The trust knows the share id from its event, not the holder's DID. An equality on `id` is served by the
      // index in every physical partition, so the fan-out costs a few request units, not a scan.
      const query = {
        query: "SELECT * FROM c WHERE c.id = @id AND c.trustId = @trustId",
        parameters: [
          { name: "@id", value: id },
          { name: "@trustId", value: trustId },
        ],
      };
      const { resources } = await cosmosCall(() =>
        container.items.query<Record<string, unknown>>(query).fetchAll(),
      );
      return versionedOf<Share>(resources[0]);
    },
    ...outboxRetries(containerRef, "subject"),
  };
}
