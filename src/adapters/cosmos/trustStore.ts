// The trust directory in the `trusts` container.

import type { TrustDirectory, TrustSummary } from "../../app/ports.js";
import type { Trust } from "../../domain/trust.js";
import type { ContainerRef } from "./client.js";
import { cosmosCall } from "./errors.js";

export const TRUST_SEARCH_LIMIT = 20;

export type TrustStore = TrustDirectory & {
  /** Writes each trust as given; loading the same list twice changes nothing. */
  upsertAll(trusts: readonly Trust[]): Promise<void>;
};

type TrustDocument = Trust & { _etag?: string; _rid?: string; _ts?: number; _self?: string };

function toTrust(document: TrustDocument): Trust {
  const { _etag, _rid, _ts, _self, ...trust } = document;
  return trust;
}

export function trustStore(containerRef: ContainerRef): TrustStore {
  return {
    async get(id) {
      const container = await containerRef();
      const { resource } = await cosmosCall(() => container.item(id, id).read<TrustDocument>());
      return resource ? toTrust(resource) : undefined;
    },
    async search(text) {
      const container = await containerRef();
      // Every match is read (the directory holds a few hundred trusts at most) and sorted here, so that the
      // first 20 are the first by name as people read them, not by the store's byte order.
      const query = {
        query:
          "SELECT c.id, c.name FROM c WHERE c.active = true AND " +
          "(CONTAINS(LOWER(c.name), @name) OR UPPER(c.id) = @id)",
        parameters: [
          { name: "@name", value: text.toLowerCase() },
          { name: "@id", value: text.toUpperCase() },
        ],
      };
      const { resources } = await cosmosCall(() => container.items.query<TrustSummary>(query).fetchAll());
      return resources
        .map(({ id, name }) => ({ id, name }))
        .sort(
          (a, b) =>
            a.name.localeCompare(b.name, "en-GB", { sensitivity: "base" }) || a.id.localeCompare(b.id),
        )
        .slice(0, TRUST_SEARCH_LIMIT);
    },
    async upsertAll(trusts) {
      const container = await containerRef();
      for (const trust of trusts) await cosmosCall(() => container.items.upsert(trust));
    },
  };
}
