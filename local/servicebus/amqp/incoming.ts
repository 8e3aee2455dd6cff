// A client's sender link seen from the server: refuses transfers over the size limit, unpacks single and batched
// transfers, and hands their messages to the namespace for their queue or topic.
import rhea, { type Delivery, type Message } from "rhea";
import { BrokerError, Condition } from "../broker/errors.js";
import type { Namespace, SendTarget } from "../broker/namespace.js";
import { decodeMessage } from "./encoding.js";
import { rejectedOutcome } from "./rheaTypes.js";

/** Service Bus standard tier's message size limit. */
export const MAX_MESSAGE_BYTES = 256 * 1024;
/** The message format of a batch: one data section per encoded message. */
const BATCH_FORMAT = 0x80013700;

interface BodySection {
  content: Buffer | Buffer[];
  multiple?: boolean;
}

function unpackBatch(envelope: Buffer): Message[] {
  const outer = rhea.message.decode(envelope);
  const section = outer.body as BodySection | undefined;
  if (!section) return [];
  const parts =
    section.multiple && Array.isArray(section.content) ? section.content : [section.content as Buffer];
  return parts.map(decodeMessage);
}

/** Accepts or rejects one transfer from a client sender; `size` is what its frames measured (see transferSize). */
export function receiveTransfer(
  namespace: Namespace,
  target: SendTarget,
  delivery: Delivery,
  payload: Message | Buffer,
  size: { bytes: number; oversized: boolean } | undefined,
): void {
  try {
    // A batch counts as one transfer: its messages together must fit, as in Service Bus.
    const bytes = size?.bytes ?? (Buffer.isBuffer(payload) ? payload.length : 0);
    if (size?.oversized || bytes > MAX_MESSAGE_BYTES) {
      throw new BrokerError(
        Condition.tooLarge,
        `The received message (size: ${bytes} bytes) exceeds the limit (${MAX_MESSAGE_BYTES} bytes) currently allowed on the link.`,
      );
    }
    const isBatch = Buffer.isBuffer(payload) && delivery.format === BATCH_FORMAT;
    const messages = isBatch ? unpackBatch(payload) : [payload as Message];
    namespace.send(target, messages, Date.now());
    delivery.accept();
  } catch (error) {
    const condition = error instanceof BrokerError ? error.condition : Condition.internal;
    delivery.update(true, rejectedOutcome({ condition, description: (error as Error).message }));
  }
}
