// The audit trail in the `audit` container, partitioned by scope: an entry is created once under each scope it has
// (the person's, the trust's), so that either's entries are one partition to read. Only creates and reads: an entry
// already there (the same id in that scope) is left as it is, and nothing here replaces, patches or deletes one.
// Also tells the recorder which failed appends are worth trying again.
import type { AppendFailure } from "../../app/audit.js";
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

/** Statuses Cosmos DB answers for what passes: a timeout, a throttle, a lost race to write, an unavailable replica. */
const TRANSIENT_STATUSES = new Set([408, 429, 449]);
/** Node's and the SDK's codes for a connection that failed or timed out before any answer. */
const NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/**
 * Whether a failed append may succeed if tried again: a transient status or a network failure, anywhere along the
 * error's causes (cosmosCall wraps what the SDK threw); with a 429's retry-after. A 4xx other than those will
 * answer the same again, and anything unrecognised is not retried.
 */
export function auditAppendFailure(error: unknown): AppendFailure {
  for (let cause = error, depth = 0; typeof cause === "object" && cause !== null && depth < 5; depth++) {
    const status = cosmosStatus(cause);
    if (status !== undefined) {
      if (TRANSIENT_STATUSES.has(status) || status >= 500) {
        const afterMs = (cause as { retryAfterInMs?: unknown }).retryAfterInMs;
        return typeof afterMs === "number" && afterMs >= 0
          ? { transient: true, afterMs }
          : { transient: true };
      }
      if (status >= 400) return { transient: false };
    }
    const code = (cause as { code?: unknown }).code;
    const name = (cause as { name?: unknown }).name;
    if ((typeof code === "string" && NETWORK_CODES.has(code)) || name === "TimeoutError")
      return { transient: true };
    cause = (cause as { cause?: unknown }).cause;
  }
  return { transient: false };
}
