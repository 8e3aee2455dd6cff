// The audit trail in the `audit` container, partitioned by scope: an entry is created once under each scope it has
// (the person's, the trust's), so that either's entries are one partition to read. Only creates and reads: an entry
// already there (the same id in that scope) is left as it is, and nothing here replaces, patches or deletes one.
import type { AuditTrail } from "../../app/ports.js";
import { type AuditEntry, auditScopes, subjectScope, trustScope } from "../../domain/audit.js";
import type { ContainerRef } from "./client.js";
import { cosmosCall, cosmosStatus, stripSystemFields } from "./errors.js";

/** The stored fields that are the store's own, not the entry's. */
const STORE_FIELDS = ["scope"] as const;

export function cosmosAuditTrail(containerRef: ContainerRef, retentionSeconds: number): AuditTrail {
  const read = async (scope: string, since: Date | undefined): Promise<AuditEntry[]> => {
    const container = await containerRef();
    // The scope is in the condition as well as in the partition key option (the local emulator ignores it).
    const query = {
      query:
        "SELECT * FROM c WHERE c.scope = @scope" +
        (since === undefined ? "" : " AND c.at >= @since") +
        // One property, so the default range index serves it (two would need a composite index).
        " ORDER BY c.at",
      parameters: [
        { name: "@scope", value: scope },
        ...(since === undefined ? [] : [{ name: "@since", value: since.toISOString() }]),
      ],
    };
    const { resources } = await cosmosCall(() =>
      container.items.query<Record<string, unknown>>(query, { partitionKey: scope }).fetchAll(),
    );
    return resources
      .map((document) => {
        const entry = stripSystemFields<Record<string, unknown>>(document);
        for (const field of STORE_FIELDS) delete entry[field];
        return entry as AuditEntry;
      })
      .sort((a, b) => (a.at === b.at ? 0 : a.at < b.at ? -1 : 1));
  };
  return {
    async append(entry) {
      const container = await containerRef();
      for (const scope of auditScopes(entry)) {
        try {
          await cosmosCall(() => container.items.create({ ...entry, scope, ttl: retentionSeconds }), [409]);
        } catch (error) {
          // Written before (a retried use case): the first write stands.
          if (cosmosStatus(error) !== 409) throw error;
        }
      }
    },
    bySubject: (subject, since) => read(subjectScope(subject), since),
    byTrust: (trustId, since) => read(trustScope(trustId), since),
  };
}
