// Publishing share events from the outbox of the document that stored them (a share, or a declined credential
// request): right after the write that stored one, and again from a timer for any that are still unpublished
// (Service Bus was unreachable, or the instance stopped in between). Duplicate detection on `messageId` =
// `eventId` makes a second publish harmless, so publishing twice never hurts and not publishing is never final.
import type { CredentialRequest } from "../domain/credentialRequest.js";
import type { OutboxCarrier } from "../domain/outbox.js";
import type { Share } from "../domain/share.js";
import { describeError } from "../log.js";
import type {
  Clock,
  CredentialRequestStore,
  EventPublisher,
  LogFields,
  Logger,
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
  unpublished(before: Date, limit: number): Promise<Versioned<T>[]>;
  /** The document's identifiers for a log line. */
  fields(document: T): LogFields;
};

/** What the outbox needs of a share: where it is, and its outbox. */
export type ShareInOutbox = Pick<Share, "id" | "subject" | "outbox">;

export function shareOutbox(shares: ShareStore): OutboxDocuments<ShareInOutbox> {
  return {
    dropOutbox: (share) => shares.dropOutbox(share.subject, share.id),
    unpublished: (before, limit) => shares.unpublished(before, limit),
    fields: (share) => ({ shareId: share.id }),
  };
}

export function credentialRequestOutbox(
  requests: CredentialRequestStore,
): OutboxDocuments<CredentialRequest> {
  return {
    dropOutbox: (request) => requests.dropOutbox(request.trustId, request.id),
    unpublished: (before, limit) => requests.unpublished(before, limit),
    fields: (request) => ({ requestId: request.id, trustId: request.trustId }),
  };
}

/** Events stored less than this long ago are left to the write that stored them. */
export const OUTBOX_GRACE_MS = 5_000;
/** At most this many events a sweep of each kind of document, so that one run stays short; the next takes the rest. */
export const OUTBOX_BATCH = 100;

/**
 * Publishes the document's event and drops it from the outbox. Never throws: a failure is logged and left to the
 * sweeper. True when the event is published and dropped.
 */
export async function publishFromOutbox<T extends OutboxCarrier>(
  deps: Pick<OutboxDeps, "publisher" | "log">,
  documents: OutboxDocuments<T>,
  document: T,
): Promise<boolean> {
  const { outbox } = document;
  if (outbox === undefined) return true;
  const fields = { ...documents.fields(document), eventId: outbox.event.eventId };
  try {
    await deps.publisher.publish(outbox.event, outbox.correlationId);
  } catch (error) {
    deps.log.warn("share event not published yet; the outbox sweep will retry", {
      ...fields,
      ...describeError(error),
    });
    return false;
  }
  try {
    await documents.dropOutbox(document);
  } catch (error) {
    // Published but still in the outbox: the sweep publishes it again, and duplicate detection drops that copy.
    deps.log.warn("share event published but not marked", { ...fields, ...describeError(error) });
    return false;
  }
  deps.log.info("share event published", fields);
  return true;
}

async function sweep<T extends OutboxCarrier>(
  deps: Pick<OutboxDeps, "publisher" | "log">,
  documents: OutboxDocuments<T>,
  before: Date,
): Promise<{ published: number; pending: number }> {
  const waiting = await documents.unpublished(before, OUTBOX_BATCH);
  let published = 0;
  for (const stored of waiting) {
    if (await publishFromOutbox(deps, documents, stored.value)) published++;
  }
  return { published, pending: waiting.length - published };
}

/** Publishes every event that has waited in an outbox (of a share or a request) longer than the grace period. */
export async function sweepOutbox(
  deps: OutboxDeps & { clock: Clock },
): Promise<{ published: number; pending: number }> {
  const before = new Date(deps.clock().getTime() - OUTBOX_GRACE_MS);
  const shares = await sweep(deps, shareOutbox(deps.shares), before);
  const requests = await sweep(deps, credentialRequestOutbox(deps.credentialRequests), before);
  return { published: shares.published + requests.published, pending: shares.pending + requests.pending };
}
