// Settling locked messages (complete, abandon, defer, dead-letter), renewing locks, and the operations that reach
// messages by sequence number (receive deferred, peek). Used by receiver links and by the management node alike.
import type { StoredMessage } from "../store/storedMessage.js";
import type { OutgoingMessage, ReceiveMode } from "./consumer.js";
import { deadLetter } from "./deadLetters.js";
import type { MessageEntity } from "./entity.js";
import { BrokerError, Condition, lockLost } from "./errors.js";
import { withProperties } from "./messageFields.js";

export type Disposition =
  | { kind: "complete" }
  | { kind: "abandon"; properties?: Record<string, unknown> }
  | { kind: "defer"; properties?: Record<string, unknown> }
  | { kind: "deadLetter"; reason?: string; description?: string; properties?: Record<string, unknown> };

function lockedRecord(entity: MessageEntity, lockToken: string, now: number): StoredMessage {
  const record = entity.store.byLockToken(lockToken);
  if (!record?.lock) throw lockLost();
  if (entity.lockExpired(record, now)) {
    // The clock has not swept this lock yet; treat it as the expiry it is.
    entity.release(record, now);
    throw lockLost();
  }
  return record;
}

export function settle(
  entity: MessageEntity,
  lockToken: string,
  disposition: Disposition,
  now: number,
): void {
  const record = lockedRecord(entity, lockToken, now);
  switch (disposition.kind) {
    case "complete":
      entity.store.remove(record);
      return;
    case "abandon":
      record.message = withProperties(record.message, disposition.properties);
      entity.release(record, now);
      return;
    case "defer":
      record.message = withProperties(record.message, disposition.properties);
      entity.store.unlock(record);
      record.state = "deferred";
      return;
    case "deadLetter":
      if (entity.isDeadLetterQueue) {
        // As in Service Bus: the message stays in the dead-letter queue, still locked by its receiver.
        throw new BrokerError(
          Condition.notAllowed,
          "A message in a dead-letter queue cannot be dead-lettered again; complete or abandon it instead.",
        );
      }
      deadLetter(entity, record, now, disposition.reason, disposition.description, disposition.properties);
      return;
  }
}

export function renewLock(entity: MessageEntity, lockToken: string, now: number): number {
  const record = lockedRecord(entity, lockToken, now);
  const until = now + entity.settings.lockDurationMs;
  if (record.lock) record.lock.until = until;
  return until;
}

/** Receives deferred messages by sequence number; each must exist and be deferred. */
export function receiveDeferred(
  entity: MessageEntity,
  sequenceNumbers: readonly number[],
  mode: ReceiveMode,
  now: number,
  sessionId: string | undefined,
): OutgoingMessage[] {
  const records = sequenceNumbers.map((sequenceNumber) => {
    const record = entity.store.get(sequenceNumber);
    const available =
      record?.state === "deferred" &&
      !record.lock &&
      (sessionId === undefined || record.sessionId === sessionId);
    if (!record || !available) {
      throw new BrokerError(
        Condition.messageNotFound,
        `Failed to lock one or more specified messages: message ${sequenceNumber} is not a deferred message.`,
      );
    }
    return record;
  });
  return records.map((record) => {
    const deliveryCount = record.deliveryCount;
    record.deliveryCount += 1;
    if (mode === "receiveAndDelete") {
      entity.store.remove(record);
      return { record, lockToken: undefined, lockedUntil: undefined, deliveryCount };
    }
    const lockedUntil = now + entity.settings.lockDurationMs;
    const lockToken = entity.store.lock(record, lockedUntil, undefined);
    return { record, lockToken, lockedUntil, deliveryCount };
  });
}

/** Messages from a sequence number on, whatever their state, without locking them. */
export function peek(
  entity: MessageEntity,
  fromSequenceNumber: number,
  count: number,
  sessionId: string | undefined,
): StoredMessage[] {
  const found: StoredMessage[] = [];
  for (const record of entity.store.from(fromSequenceNumber)) {
    if (found.length >= count) break;
    if (sessionId !== undefined && record.sessionId !== sessionId) continue;
    found.push(record);
  }
  return found;
}
