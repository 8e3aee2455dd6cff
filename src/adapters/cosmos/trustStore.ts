// The trust directory in the `trusts` container. Operators write its documents by hand, so each one is parsed
// when read: a document without the shape of a Trust is a dependency failure, never a TypeError further on.
import type * as z from "zod";
import type { TrustDirectory, TrustSummary } from "../../app/ports.js";
import { type Trust, trustSchema, trustSummarySchema } from "../../domain/trust.js";
import { TrustDocumentInvalid } from "../../errors.js";
import type { ContainerRef } from "./client.js";
import { cosmosCall } from "./errors.js";

export const TRUST_SEARCH_LIMIT = 20;

export type TrustStore = TrustDirectory & {
  /** Writes each trust as given; loading the same list twice changes nothing. */
  upsertAll(trusts: readonly Trust[]): Promise<void>;
};

function parsed<T>(schema: z.ZodType<T>, id: string, document: unknown): T {
  const result = schema.safeParse(document);
  if (result.success) return result.data;
  // Paths only: a message may quote the value, and the log never holds document contents.
  const paths = result.error.issues.map((issue) => issue.path.join(".") || "(document)");
  throw new TrustDocumentInvalid(id, [...new Set(paths)].join(","));
}

export function trustStore(containerRef: ContainerRef): TrustStore {
  return {
    async get(id) {
      const container = await containerRef();
      const { resource } = await cosmosCall(() => container.item(id, id).read<Record<string, unknown>>());
      return resource ? parsed<Trust>(trustSchema, id, resource) : undefined;
    },
    async search(text) {
      const container = await containerRef();
      // Every match is read (the directory holds a few hundred trusts at most) and sorted here, so that the
      // first 20 are the first by name as people read them, not by the store's byte order.
      const query = {
        query:
          "SELECT c.id, c.name, c.protocols FROM c WHERE c.active = true AND " +
          "(CONTAINS(LOWER(c.name), @name) OR UPPER(c.id) = @id)",
        parameters: [
          { name: "@name", value: text.toLowerCase() },
          { name: "@id", value: text.toUpperCase() },
        ],
      };
      const { resources } = await cosmosCall(() => container.items.query<unknown>(query).fetchAll());
      return resources
        .map((document): TrustSummary => {
          const id = (document as { id?: unknown } | null)?.id;
          return parsed(trustSummarySchema, typeof id === "string" ? id : "(unknown)", document);
        })
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
