// Builds the AMQP message a receiver gets: the stored message plus the broker's annotations (sequence number,
// enqueued time, lock expiry, state), the header delivery count and the effective time-to-live.
import type { Message } from "rhea";
import { ANNOTATION } from "../broker/messageFields.js";
import type { StoredMessage } from "../store/storedMessage.js";
import { MESSAGE_STATE_CODE } from "../store/storedMessage.js";
import { wrapLong } from "./encoding.js";

/** The header's ttl is a uint of milliseconds; longer lives (or none) are left as the sender wrote them. */
const MAX_HEADER_TTL_MS = 0xffff_ffff;

export function deliveryMessage(
  record: StoredMessage,
  deliveryCount: number,
  lockedUntil: number | undefined,
): Message {
  const annotations: Record<string, unknown> = {
    ...((record.message.message_annotations ?? {}) as Record<string, unknown>),
    [ANNOTATION.sequenceNumber]: wrapLong(record.sequenceNumber),
    [ANNOTATION.enqueuedTime]: new Date(record.enqueuedAt),
    [ANNOTATION.messageState]: MESSAGE_STATE_CODE[record.state],
  };
  if (lockedUntil !== undefined) annotations[ANNOTATION.lockedUntil] = new Date(lockedUntil);
  const message = {
    ...record.message,
    message_annotations: annotations,
    delivery_count: deliveryCount,
  } as Message;
  // As in Service Bus, a message shows the time-to-live it actually has: its own, or the entity's shorter default.
  if (record.timeToLiveMs <= MAX_HEADER_TTL_MS) message.ttl = record.timeToLiveMs;
  return message;
}
