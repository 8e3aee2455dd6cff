// Where a message goes when it leaves an entity other than by being received: the dead-letter queue (or the entity
// named by ForwardDeadLetteredMessagesTo), the transfer dead-letter queue when it cannot be forwarded, or nowhere
// when its time-to-live passes and the entity does not dead-letter expired messages.
import type { Message } from "rhea";
import type { StoredMessage } from "../store/storedMessage.js";
import type { EntityParts } from "./entityParts.js";
import { ANNOTATION, withAnnotation, withProperties } from "./messageFields.js";

/** Moves a message to the dead-letter queue, or to ForwardDeadLetteredMessagesTo when configured. */
export function deadLetter(
  entity: EntityParts,
  record: StoredMessage,
  now: number,
  reason: string | undefined,
  description: string | undefined,
  properties?: Record<string, unknown>,
): void {
  entity.store.remove(record);
  const applicationProperties: Record<string, unknown> = {
    ...(record.message.application_properties ?? {}),
    ...(properties ?? {}),
  };
  if (reason !== undefined) applicationProperties.DeadLetterReason = reason;
  if (description !== undefined) applicationProperties.DeadLetterErrorDescription = description;
  const message: Message = { ...record.message, application_properties: applicationProperties };
  const forwardTo = entity.settings.forwardDeadLetteredTo;
  if (forwardTo) {
    forwardOrKeep(
      entity,
      forwardTo,
      record,
      withAnnotation(message, ANNOTATION.deadLetterSource, entity.path),
      now,
    );
  } else {
    entity.deadLetterQueue?.acceptDeadLettered(record, message);
  }
}

/**
 * Forwards a message (the record is the message's place in the forwarding entity, which it never takes). A message
 * that cannot be forwarded is kept in the transfer dead-letter queue, as Service Bus does, rather than lost.
 */
export function forwardOrKeep(
  entity: EntityParts,
  target: string,
  record: StoredMessage,
  message: Message,
  now: number,
): void {
  const failure = entity.host.forward(target, message, now);
  if (!failure) return;
  const kept = withProperties(message, {
    DeadLetterReason: failure.reason,
    DeadLetterErrorDescription: failure.description,
  });
  entity.transferDeadLetterQueue?.acceptDeadLettered(record, kept);
}

/** A message whose time-to-live has passed (already out of the ready list): dead-lettered or dropped. */
export function expire(entity: EntityParts, record: StoredMessage, now: number): void {
  if (entity.settings.deadLetterOnExpiration) {
    deadLetter(entity, record, now, "TTLExpiredException", "The message expired and was dead lettered.");
  } else {
    entity.store.remove(record);
  }
}
