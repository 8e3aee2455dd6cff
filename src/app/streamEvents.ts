// SSF's own events to a trust's stream (verification, stream-updated): recorded in `shareEvents` and sent to the
// delivery queue as their first attempt, so that they travel as share events do (pushed or offered to the poll,
// retried while the trust is unreachable, held while its stream is paused). They carry no claims, so they have no
// payload: the record is their whole content.
import type { StoredShareEvent } from "../domain/shareDelivery.js";
import type { StreamEventBody } from "../domain/stream.js";
import type { Clock, DeliveryScheduler, ShareEventStore } from "./ports.js";

export type StreamEventDeps = {
  events: ShareEventStore;
  scheduler: DeliveryScheduler;
  clock: Clock;
  /** How long the event waits for its delivery, as a share event's payload does. */
  retentionMs: number;
};

/**
 * Records the event under `eventId` and schedules its first attempt now. False when an event with that id is
 * recorded already: a deterministic id makes the same announcement once.
 */
export async function sendStreamEvent(
  deps: StreamEventDeps,
  trustId: string,
  eventId: string,
  body: StreamEventBody,
  correlationId: string | undefined,
): Promise<boolean> {
  const now = deps.clock();
  const event: StoredShareEvent = {
    id: eventId,
    trustId,
    ...body,
    occurredAt: now.toISOString(),
    ...(correlationId === undefined ? {} : { correlationId }),
    retainClaimsUntil: new Date(now.getTime() + deps.retentionMs).toISOString(),
    delivery: { status: "pending", attempt: 0, attempts: [] },
  };
  if ((await deps.events.create(event)) === undefined) return false;
  await deps.scheduler.schedule({ eventId, trustId, attempt: 1, round: 1 }, now, correlationId);
  return true;
}
