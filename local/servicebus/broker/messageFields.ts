// Reads and adjusts Service Bus fields of a stored AMQP message: ids, session, schedule time, properties.
import { randomUUID } from "node:crypto";
import type { Message } from "rhea";

export const ANNOTATION = {
  sequenceNumber: "x-opt-sequence-number",
  enqueuedTime: "x-opt-enqueued-time",
  lockedUntil: "x-opt-locked-until",
  messageState: "x-opt-message-state",
  scheduledTime: "x-opt-scheduled-enqueue-time",
  partitionKey: "x-opt-partition-key",
  deadLetterSource: "x-opt-deadletter-source",
} as const;

/** Plain string form of an AMQP id (string, number, uuid bytes), or undefined. */
export function idText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  if (Buffer.isBuffer(value)) return value.toString("hex");
  return String(value);
}

export function messageIdOf(message: Message): string | undefined {
  return idText(message.message_id);
}

export function sessionIdOf(message: Message): string | undefined {
  return typeof message.group_id === "string" ? message.group_id : undefined;
}

/** Azure gives every message an id; the SDK needs one to track lock renewal. */
export function ensureMessageId(message: Message): void {
  if (message.message_id === undefined || message.message_id === null) message.message_id = randomUUID();
}

export function annotationsOf(message: Message): Record<string, unknown> {
  return (message.message_annotations ?? {}) as Record<string, unknown>;
}

export function scheduledTimeOf(message: Message): number | undefined {
  const value = annotationsOf(message)[ANNOTATION.scheduledTime];
  if (value instanceof Date) return value.getTime();
  if (typeof value === "number") return value;
  return undefined;
}

/** A copy that can be changed without touching the original's property maps (the body is shared, never mutated). */
export function cloneMessage(message: Message): Message {
  const copy = { ...message } as Message;
  if (message.application_properties) copy.application_properties = { ...message.application_properties };
  if (message.message_annotations) copy.message_annotations = { ...message.message_annotations };
  return copy;
}

/** Applies properties-to-modify from an abandon, defer or dead-letter, as Service Bus does: into application properties. */
export function withProperties(message: Message, properties: Record<string, unknown> | undefined): Message {
  if (!properties || Object.keys(properties).length === 0) return message;
  const copy = cloneMessage(message);
  copy.application_properties = { ...(message.application_properties ?? {}), ...properties };
  return copy;
}

export function withAnnotation(message: Message, key: string, value: unknown): Message {
  const copy = cloneMessage(message);
  copy.message_annotations = { ...(message.message_annotations ?? {}), [key]: value };
  return copy;
}
