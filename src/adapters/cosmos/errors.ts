// Turns Cosmos DB failures into what the service means by them: a missing item, a lost race, or an unavailable
// dependency (which the HTTP layer answers with 503 so that the caller retries).
import type { Item } from "@azure/cosmos";
import type { Versioned } from "../../app/ports.js";
import { ServiceError } from "../../errors.js";

export class DependencyUnavailable extends ServiceError {
  constructor(dependency: string, options?: { cause?: unknown }) {
    super("dependency_unavailable", `${dependency} is unavailable; try again.`, options);
  }
}

export function cosmosStatus(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "number" ? code : undefined;
}

/** Runs a Cosmos DB call; any failure other than the statuses the caller handles becomes DependencyUnavailable. */
export async function cosmosCall<T>(call: () => Promise<T>, handled: readonly number[] = []): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const status = cosmosStatus(error);
    if (status !== undefined && handled.includes(status)) throw error;
    throw new DependencyUnavailable("Cosmos DB", { cause: error });
  }
}

const SYSTEM_FIELDS = ["_etag", "_rid", "_ts", "_self", "_attachments", "ttl"] as const;

/** A stored document without Cosmos DB's own fields (and our `ttl`), as the domain type it was written as. */
export function stripSystemFields<T>(document: Record<string, unknown>): T {
  const copy = { ...document };
  for (const field of SYSTEM_FIELDS) delete copy[field];
  return copy as T;
}

/** A stored document as its domain type with the ETag it was read at; undefined when there is none. */
export function versionedOf<T>(document: Record<string, unknown> | undefined): Versioned<T> | undefined {
  if (document === undefined || typeof document._etag !== "string") return undefined;
  return { value: stripSystemFields<T>(document), etag: document._etag };
}

/** Replaces the item if it is still at `etag`: its new ETag, or undefined when another writer got there first. */
export async function replaceIfMatch(item: Item, body: object, etag: string): Promise<string | undefined> {
  try {
    const { etag: next } = await cosmosCall(
      () => item.replace(body, { accessCondition: { type: "IfMatch", condition: etag } }),
      [412],
    );
    return next;
  } catch (error) {
    if (cosmosStatus(error) === 412) return undefined;
    throw error;
  }
}

/** One operation of a Cosmos DB partial document update. */
export type PatchOperation =
  | { readonly op: "set"; readonly path: string; readonly value: unknown }
  | { readonly op: "remove"; readonly path: string };

/**
 * Changes part of the item in one write if `condition` (a `FROM c WHERE ...` clause over the stored document)
 * holds: the document as written, or undefined when the condition does not hold or there is no such item. The
 * store checks the condition and writes atomically, so no read is needed first and no ETag can go stale.
 * Conditions name lowercase properties only: the local emulator lowercases the condition's text, which would
 * make a camelCase property read as undefined there (Cosmos DB itself is case-sensitive).
 */
export async function patchIf(
  item: Item,
  condition: string,
  operations: readonly PatchOperation[],
): Promise<Record<string, unknown> | undefined> {
  if (/[A-Z]/.test(condition.replace(/^FROM c WHERE /, "").replace(/\b(?:NOT|AND|OR|IN|IS_DEFINED)\b/g, "")))
    throw new RangeError(`A patch condition must name lowercase properties only: ${condition}`);
  try {
    const { resource } = await cosmosCall(
      () =>
        item.patch<Record<string, unknown>>({
          condition,
          operations: operations.map((operation) => ({ ...operation })),
        }),
      [404, 412],
    );
    return resource;
  } catch (error) {
    const status = cosmosStatus(error);
    if (status === 404 || status === 412) return undefined;
    throw error;
  }
}

/** Drops the document's outbox once its event is published; nothing happens when it is already gone. */
export async function dropOutbox(item: Item): Promise<void> {
  await patchIf(item, "FROM c WHERE IS_DEFINED(c.outbox)", [{ op: "remove", path: "/outbox" }]);
}
