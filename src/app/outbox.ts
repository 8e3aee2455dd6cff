// Publishing share events from the outbox of the document that stored them (a share, or a declined credential
// request): right after the write that stored one, and again from a timer for any that are still unpublished
// (Service Bus was unreachable, or the instance stopped in between). Duplicate detection on `messageId` =
// `eventId` makes a second publish harmless, so publishing twice never hurts and not publishing is never final.
// An event the sweep fails to publish waits longer before each try and is parked after the last one, so that
// events the broker refuses never keep the sweep from the others; an operator lists and releases parked events.
import type { CredentialRequest } from "../domain/credentialRequest.js";
import {
  afterFailedPublish,
  failureReason,
  isTransientFailure,
  type OutboxCarrier,
  type OutboxRetry,
} from "../domain/outbox.js";
import type { Share } from "../domain/share.js";
import { describeError } from "../log.js";
import { measure } from "../telemetry/metrics.js";
import type {
  Clock,
  CredentialRequestStore,
  EventPublisher,
  LogFields,
  Logger,
  OutboxDue,
  OutboxRetries,
  ParkedOutbox,
  ShareEventStore,
  ShareStore,
  Versioned,
} from "./ports.js";

export type OutboxDeps = {
  shares: ShareStore;
  credentialRequests: CredentialRequestStore;
  publisher: EventPublisher;
  log: Logger;
};

/** A kind of document that carries an outbox, as the publisher reads and writes it. */
export type OutboxDocuments<T extends OutboxCarrier> = {
  /** Drops the document's outbox (one conditional write, whatever else has changed on it since). */
  dropOutbox(document: T): Promise<void>;
  unpublished(due: OutboxDue, limit: number): Promise<Versioned<T>[]>;
  /** Writes a failed try on the document's outbox; false when another sweep wrote it first. */
  retryOutbox(document: T, retry: OutboxRetry): Promise<boolean>;
  /** The document's identifiers for a log line. */
  fields(document: T): LogFields;
};

/** What the outbox needs of a share: where it is, and its outbox. */
export type ShareInOutbox = Pick<Share, "id" | "subject" | "outbox">;

export function shareOutbox(shares: ShareStore): OutboxDocuments<ShareInOutbox> {
  return {
    dropOutbox: (share) => shares.dropOutbox(share.subject, share.id),
    unpublished: (due, limit) => shares.unpublished(due, limit),
    retryOutbox: (share, retry) => shares.retryOutbox(share.subject, share.id, retry),
    fields: (share) => ({ shareId: share.id }),
  };
}

export function credentialRequestOutbox(
  requests: CredentialRequestStore,
): OutboxDocuments<CredentialRequest> {
  return {
    dropOutbox: (request) => requests.dropOutbox(request.trustId, request.id),
    unpublished: (due, limit) => requests.unpublished(due, limit),
    retryOutbox: (request, retry) => requests.retryOutbox(request.trustId, request.id, retry),
    fields: (request) => ({ requestId: request.id, trustId: request.trustId }),
  };
}

/** Events stored less than this long ago are left to the write that stored them. */
export const OUTBOX_GRACE_MS = 5_000;
/** At most this many events a sweep of each kind of document, so that one run stays short; the next takes the rest. */
export const OUTBOX_BATCH = 100;

/** What one publish from an outbox came to: published (and dropped, or left for the sweep to drop), or failed. */
type Attempt =
  | { readonly published: true; readonly dropped: boolean }
  | { readonly published: false; readonly error: unknown };

async function attempt<T extends OutboxCarrier>(
  deps: Pick<OutboxDeps, "publisher" | "log">,
  documents: OutboxDocuments<T>,
  document: T,
  fields: LogFields,
): Promise<Attempt> {
  const { outbox } = document;
  if (outbox === undefined) return { published: true, dropped: true };
  try {
    await deps.publisher.publish(outbox.event, outbox.correlationId, outbox.trace);
  } catch (error) {
    return { published: false, error };
  }
  try {
    await documents.dropOutbox(document);
  } catch (error) {
    // Published but still in the outbox: the sweep publishes it again, and duplicate detection drops that copy.
    deps.log.warn("share event published but not marked", { ...fields, ...describeError(error) });
    return { published: true, dropped: false };
  }
  deps.log.info("share event published", fields);
  return { published: true, dropped: true };
}

const fieldsOf = <T extends OutboxCarrier>(documents: OutboxDocuments<T>, document: T): LogFields => ({
  ...documents.fields(document),
  eventId: document.outbox?.event.eventId,
});

/**
 * Publishes the document's event and drops it from the outbox. Never throws: a failure is logged and left to the
 * sweeper. True when the event is published and dropped.
 */
export async function publishFromOutbox<T extends OutboxCarrier>(
  deps: Pick<OutboxDeps, "publisher" | "log">,
  documents: OutboxDocuments<T>,
  document: T,
): Promise<boolean> {
  const fields = fieldsOf(documents, document);
  const result = await attempt(deps, documents, document, fields);
  if (!result.published) {
    deps.log.warn("share event not published yet; the outbox sweep will retry", {
      ...fields,
      ...describeError(result.error),
    });
  }
  return result.published && result.dropped;
}

/**
 * The sweep's publish of one document's event: as publishFromOutbox, and a failure is written on the outbox (the
 * next try later, or parked after the last) so that the next sweeps pass over it. Never throws.
 */
async function sweepOne<T extends OutboxCarrier>(
  deps: Pick<OutboxDeps, "publisher" | "log"> & { clock: Clock },
  documents: OutboxDocuments<T>,
  document: T,
): Promise<boolean> {
  const fields = fieldsOf(documents, document);
  const result = await attempt(deps, documents, document, fields);
  if (result.published) return result.dropped;
  const { outbox } = document;
  if (outbox === undefined) return false;
  const reason = failureReason(result.error);
  const retry = afterFailedPublish(outbox, reason, deps.clock(), isTransientFailure(result.error));
  let written = false;
  try {
    written = await documents.retryOutbox(document, retry);
  } catch (error) {
    // Not written: the event is due again at once, and the next sweep tries it (and counts the try) again.
    deps.log.warn("share event's failed try not recorded", { ...fields, ...describeError(error) });
  }
  const tried = { ...fields, ...describeError(result.error), reason, tries: retry.tries };
  if (!written) deps.log.warn("share event not published; another sweep has it", tried);
  else if ("parked" in retry)
    deps.log.error("share event parked after its last try; release it with npm run outbox -- retry", tried);
  else
    deps.log.warn("share event not published; the outbox sweep will try again", {
      ...tried,
      nextTryAt: retry.nextTryAt,
    });
  return false;
}

async function sweep<T extends OutboxCarrier>(
  deps: Pick<OutboxDeps, "publisher" | "log"> & { clock: Clock },
  documents: OutboxDocuments<T>,
  due: OutboxDue,
): Promise<{ published: number; pending: number; oldest: number | undefined }> {
  const waiting = await documents.unpublished(due, OUTBOX_BATCH);
  let published = 0;
  let oldest: number | undefined;
  for (const stored of waiting) {
    const storedAt = Date.parse(stored.value.outbox?.storedAt ?? "");
    if (!Number.isNaN(storedAt)) oldest = Math.min(oldest ?? storedAt, storedAt);
    if (await sweepOne(deps, documents, stored.value)) published++;
  }
  return { published, pending: waiting.length - published, oldest };
}

/**
 * Publishes every event that has waited in an outbox (of a share or a request) longer than the grace period and
 * is due: one that failed before waits out its delay, and a parked one waits for an operator.
 */
export async function sweepOutbox(
  deps: OutboxDeps & { clock: Clock },
): Promise<{ published: number; pending: number }> {
  const now = deps.clock();
  const due = { storedBefore: new Date(now.getTime() - OUTBOX_GRACE_MS), now };
  const shares = await sweep(deps, shareOutbox(deps.shares), due);
  const requests = await sweep(deps, credentialRequestOutbox(deps.credentialRequests), due);
  // The oldest event the sweep found waiting (0 when none was): what the outbox age alert reads.
  const oldest = Math.min(shares.oldest ?? now.getTime(), requests.oldest ?? now.getTime());
  measure.outboxAge((now.getTime() - oldest) / 1000);
  return { published: shares.published + requests.published, pending: shares.pending + requests.pending };
}

/** Measures how old the oldest share event no trust has acknowledged is (0 when there is none). */
export async function measureUnacknowledged(deps: {
  events: Pick<ShareEventStore, "oldestUnacknowledged">;
  clock: Clock;
}): Promise<number> {
  const oldest = await deps.events.oldestUnacknowledged();
  const now = deps.clock().getTime();
  const seconds = oldest === undefined ? 0 : Math.max(0, (now - Date.parse(oldest)) / 1000);
  measure.unacknowledgedAge(seconds);
  return seconds;
}

/** A parked event, with the kind of document that holds it. */
export type ParkedEvent = ParkedOutbox & { readonly kind: "share" | "credentialRequest" };

const kinds = (deps: Pick<OutboxDeps, "shares" | "credentialRequests">) =>
  [
    ["share", deps.shares],
    ["credentialRequest", deps.credentialRequests],
  ] as const satisfies readonly (readonly [ParkedEvent["kind"], OutboxRetries])[];

/** How many events are parked, of every kind of document: the health check's count. */
export async function countParked(deps: Pick<OutboxDeps, "shares" | "credentialRequests">): Promise<number> {
  const counts = await Promise.all(kinds(deps).map(([, store]) => store.countParkedOutboxes()));
  return counts.reduce((sum, count) => sum + count, 0);
}

/** Every parked event, oldest park first. */
export async function listParked(
  deps: Pick<OutboxDeps, "shares" | "credentialRequests">,
): Promise<ParkedEvent[]> {
  const lists = await Promise.all(
    kinds(deps).map(async ([kind, store]) =>
      (await store.parkedOutboxes()).map((entry) => ({ ...entry, kind })),
    ),
  );
  return lists.flat().sort((a, b) => (a.parkedAt < b.parkedAt ? -1 : a.parkedAt > b.parkedAt ? 1 : 0));
}

/**
 * Releases parked events (those whose document id or event id is in `ids`, or every one when it is undefined), so
 * that the next sweep tries each at once and for as many tries again. The events released.
 */
export async function releaseParked(
  deps: Pick<OutboxDeps, "shares" | "credentialRequests"> & { clock: Clock },
  ids?: readonly string[],
): Promise<ParkedEvent[]> {
  const stores = { share: deps.shares, credentialRequest: deps.credentialRequests };
  const chosen = (await listParked(deps)).filter(
    (entry) => ids === undefined || ids.includes(entry.id) || ids.includes(entry.eventId),
  );
  const released: ParkedEvent[] = [];
  for (const entry of chosen) {
    if (await stores[entry.kind].releaseOutbox(entry.partitionKey, entry.id, deps.clock()))
      released.push(entry);
  }
  return released;
}
