// The operations one share makes on the happy path by design, per Cosmos DB container and kind, each with its
// reason (docs/performance.md says the same): the floor the `cost` benchmark holds the measured count to, and the
// part of it from the verified callback on, which the `pipeline` benchmark prices with the SDKs' own costs.

export type DesignedOperation = {
  /** As the Cosmos DB emulator's instrumentation names it (bench/parts.ts): `<kind> <container>`. */
  readonly operation: string;
  readonly perShare: number;
  /** How many of them the verified callback and the share event's consumers make (the pipeline's part). */
  readonly fromCallback: number;
  /** How many of them are creates answered 409, which cost the SDK its error path. */
  readonly conflicts?: number;
  readonly why: string;
};

export const SHARE_OPERATIONS: readonly DesignedOperation[] = [
  {
    operation: "create requests",
    perShare: 1,
    fromCallback: 0,
    why: "the presentation request's record, which every callback authenticates against",
  },
  {
    operation: "read requests",
    perShare: 2,
    fromCallback: 1,
    why: "one a callback (the scan, the result): its api-key is checked against the record",
  },
  { operation: "create shares", perShare: 1, fromCallback: 0, why: "the share, by POST /api/shares" },
  {
    operation: "patch shares",
    perShare: 3,
    fromCallback: 2,
    why: "the scan (the portal's scanned status), the result with its event in the outbox, the outbox's drop",
  },
  { operation: "read shares", perShare: 1, fromCallback: 0, why: "the portal reads the share once" },
  {
    operation: "create shareEvents",
    perShare: 2,
    fromCallback: 2,
    conflicts: 1,
    why: "both consumers (record, deliver) create the event if absent; the second is answered 409",
  },
  {
    operation: "patch shareEvents",
    perShare: 3,
    fromCallback: 3,
    why: "the second consumer's mark or first attempt, the attempt's outcome, the payload's deletion mark",
  },
  {
    operation: "create audit",
    perShare: 5,
    fromCallback: 3,
    why: "share.started and share.shared under the person's and the trust's scopes, delivery.delivered the trust's",
  },
];

/** One message a share: its event, published once to the topic and read by the record and deliver subscriptions. */
export const SHARE_MESSAGES = { sent: 1, subscriptions: ["record", "deliver"] } as const;

/** Blob storage operations a share: the payload's upload at the callback, its download and delete at delivery. */
export const SHARE_BLOB_OPERATIONS = { upload: 1, download: 1, delete: 1 } as const;

/** The designed operations a share makes, summed. */
export const designedPerShare = (table: readonly DesignedOperation[] = SHARE_OPERATIONS) =>
  table.reduce((sum, row) => sum + row.perShare, 0);

/**
 * The operations from the callback on, by the SDK call's kind (read, patch, create, createConflict), for pricing
 * with the Cosmos DB floor.
 */
export function fromCallbackByKind(
  table: readonly DesignedOperation[] = SHARE_OPERATIONS,
): Record<string, number> {
  const byKind: Record<string, number> = {};
  for (const row of table) {
    const kind = row.operation.split(" ")[0] ?? row.operation;
    const conflicts = Math.min(row.conflicts ?? 0, row.fromCallback);
    byKind[kind] = (byKind[kind] ?? 0) + row.fromCallback - conflicts;
    if (conflicts > 0) byKind.createConflict = (byKind.createConflict ?? 0) + conflicts;
  }
  return byKind;
}

/**
 * Each operation measured more often a share than the design makes it, with both figures. An operation the table
 * lacks has a design count of 0, so a timer's query during the run is reported too.
 */
export function aboveDesign(
  measuredPerShare: Readonly<Record<string, number>>,
  table: readonly DesignedOperation[] = SHARE_OPERATIONS,
): { operation: string; measured: number; designed: number }[] {
  const designed = new Map(table.map((row) => [row.operation, row.perShare]));
  return Object.entries(measuredPerShare)
    .map(([operation, measured]) => ({ operation, measured, designed: designed.get(operation) ?? 0 }))
    .filter((row) => row.measured > row.designed)
    .sort((a, b) => a.operation.localeCompare(b.operation));
}

/** The kinds of client operation the pipeline's part of a share makes, as its floor prices them. */
export type ShareStep =
  | "read"
  | "patch"
  | "create"
  | "createConflict"
  | "upload"
  | "download"
  | "delete"
  | "message"
  | "sign"
  | "push";

/**
 * The pipeline's part of a share in the order the host makes it, for the floor at the host's own pace: the
 * callback (the request's read, the share's two patches, the payload's upload), the share event's send with its
 * receive and complete on both subscriptions, then the record consumer (the event's create, share.shared's two
 * audit records) and the deliver consumer (its create answered 409, the first attempt's mark, the payload's
 * download, the SET's signature and push, the attempt's outcome, delivery.delivered's audit record, the payload's
 * delete and its deletion mark).
 */
export const SHARE_SEQUENCE: readonly ShareStep[] = [
  "read",
  "patch",
  "patch",
  "upload",
  "message",
  "create",
  "create",
  "create",
  "createConflict",
  "patch",
  "download",
  "sign",
  "push",
  "patch",
  "create",
  "delete",
  "patch",
];

/** How many of each kind the pipeline's part of a share makes by the design's table and the counts above. */
export function pipelineCounts(
  table: readonly DesignedOperation[] = SHARE_OPERATIONS,
): Record<string, number> {
  return {
    ...fromCallbackByKind(table),
    ...SHARE_BLOB_OPERATIONS,
    message: SHARE_MESSAGES.sent,
    sign: 1,
    push: 1,
  };
}

/** How many of each kind a sequence of operations makes. */
export function countsOf(steps: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const step of steps) counts[step] = (counts[step] ?? 0) + 1;
  return counts;
}
