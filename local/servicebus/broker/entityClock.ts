// The clock of one queue, subscription or dead-letter queue, run on every tick of the namespace: lock expiry,
// scheduled messages becoming active, session lock expiry and time-to-live.
import { expire } from "./deadLetters.js";
import type { EntityParts } from "./entityParts.js";
import { Condition } from "./errors.js";

/** Expired messages are swept from the ready list this often; receivers never get one in between anyway. */
const TTL_SWEEP_MS = 1000;

const lastTtlSweep = new WeakMap<EntityParts, number>();

export function runClock(entity: EntityParts, now: number): void {
  for (const record of entity.store.expiredLocks(now)) {
    if (entity.lockExpired(record, now)) entity.release(record, now);
  }
  for (const record of entity.store.dueScheduled(now)) entity.activate(record, now);
  for (const consumer of entity.sessions.expire(now)) {
    consumer.detachWithError(Condition.sessionLockLost, "The session lock has expired.");
    entity.detach(consumer, now);
  }
  if (now - (lastTtlSweep.get(entity) ?? 0) >= TTL_SWEEP_MS) {
    lastTtlSweep.set(entity, now);
    for (const record of entity.store.takeExpired(now)) expire(entity, record, now);
  }
  entity.dispatch();
  if (entity.deadLetterQueue) runClock(entity.deadLetterQueue, now);
  if (entity.transferDeadLetterQueue) runClock(entity.transferDeadLetterQueue, now);
}
