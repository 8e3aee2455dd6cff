// Builds the AMQP message a receiver gets: the stored message plus the broker's annotations (sequence number,
// enqueued time, lock expiry, state) and the header delivery count.
import type { Message } from "rhea";
import { ANNOTATION } from "../broker/messageFields.js";
import type { StoredMessage } from "../store/storedMessage.js";
import { MESSAGE_STATE_CODE } from "../store/storedMessage.js";
import { wrapLong } from "./encoding.js";

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
  return { ...record.message, message_annotations: annotations, delivery_count: deliveryCount } as Message;
}
