// Publishing share events from the outbox: right after the write that stored one, and again from a timer for any
// that are still unpublished (Service Bus was unreachable, or the instance stopped in between). Duplicate
// detection on `messageId` = `eventId` makes a second publish harmless, so publishing twice never hurts and
// not publishing is never final.
import type { Share } from "../domain/share.js";
import { sharePublished } from "../domain/share.js";
import { describeError } from "../log.js";
import type { Clock, EventPublisher, Logger, ShareStore, Versioned } from "./ports.js";

export type OutboxDeps = { shares: ShareStore; publisher: EventPublisher; log: Logger };

/** Events stored less than this long ago are left to the write that stored them. */
export const OUTBOX_GRACE_MS = 5_000;
/** At most this many events a sweep, so that one run stays short; the next run takes the rest. */
export const OUTBOX_BATCH = 100;
const MAX_ATTEMPTS = 5;

/**
 * Publishes the share's event and drops it from the outbox. Never throws: a failure is logged and left to the
 * sweeper. True when the event is published and marked so.
 */
export async function publishFromOutbox(deps: OutboxDeps, stored: Versioned<Share>): Promise<boolean> {
  const { outbox } = stored.value;
  if (outbox === undefined) return true;
  const fields = { shareId: stored.value.id, eventId: outbox.event.eventId };
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
    let current: Versioned<Share> | undefined = stored;
    for (let attempt = 1; current?.value.outbox !== undefined; attempt++) {
      if (attempt > MAX_ATTEMPTS) throw new Error("The share kept changing while being marked published.");
      if ((await deps.shares.replace(sharePublished(current.value), current.etag)) !== undefined) break;
      current = await deps.shares.get(current.value.subject, current.value.id);
    }
  } catch (error) {
    // Published but still in the outbox: the sweep publishes it again, and duplicate detection drops that copy.
    deps.log.warn("share event published but not marked", { ...fields, ...describeError(error) });
    return false;
  }
  deps.log.info("share event published", fields);
  return true;
}

/** Publishes every event that has waited in an outbox longer than the grace period. */
export async function sweepOutbox(
  deps: OutboxDeps & { clock: Clock },
): Promise<{ published: number; pending: number }> {
  const before = new Date(deps.clock().getTime() - OUTBOX_GRACE_MS);
  const waiting = await deps.shares.unpublished(before, OUTBOX_BATCH);
  let published = 0;
  for (const stored of waiting) {
    if (await publishFromOutbox(deps, stored)) published++;
  }
  return { published, pending: waiting.length - published };
}
