// Operator access to dead-letter queues: list what is there with the reasons, and replay messages to where they
// came from. The same SDK calls serve the emulator (connection string) and Azure (namespace and Entra ID).
import type { ServiceBusClient, ServiceBusReceivedMessage, ServiceBusReceiver } from "@azure/service-bus";
import { DEAD_LETTER_SOURCE } from "./shareDeliveries.js";

export type DeadLetterEntry = {
  messageId: string | undefined;
  sequenceNumber: string | undefined;
  reason: string | undefined;
  description: string | undefined;
  /** Where a replay sends it. */
  replayTo: string;
  correlationId: string | undefined;
  enqueuedAt: string | undefined;
};

/** An entity path: a queue name, or `topic/subscriptions/name`. */
export function parseEntityPath(path: string): { queue: string } | { topic: string; subscription: string } {
  const parts = path.split("/");
  if (parts.length === 1 && parts[0]) return { queue: parts[0] };
  if (parts.length === 3 && parts[0] && parts[1]?.toLowerCase() === "subscriptions" && parts[2]) {
    return { topic: parts[0], subscription: parts[2] };
  }
  throw new Error(`--entity must be a queue or topic/subscriptions/name, not ${path}`);
}

function deadLetterReceiver(client: ServiceBusClient, entity: string, mode: "peekLock" | "receiveAndDelete") {
  const parsed = parseEntityPath(entity);
  const options = { subQueueType: "deadLetter" as const, receiveMode: mode };
  return "queue" in parsed
    ? client.createReceiver(parsed.queue, options)
    : client.createReceiver(parsed.topic, parsed.subscription, options);
}

/** A message goes back to the entity it was dead-lettered from; for a subscription, to its topic. */
function replayTarget(message: ServiceBusReceivedMessage, entity: string): string {
  const source = message.applicationProperties?.[DEAD_LETTER_SOURCE];
  const from = typeof source === "string" && source !== "" ? source : entity;
  const parsed = parseEntityPath(from);
  return "queue" in parsed ? parsed.queue : parsed.topic;
}

function entryOf(message: ServiceBusReceivedMessage, entity: string): DeadLetterEntry {
  return {
    messageId: message.messageId === undefined ? undefined : String(message.messageId),
    sequenceNumber: message.sequenceNumber?.toString(),
    reason: message.deadLetterReason,
    description: message.deadLetterErrorDescription,
    replayTo: replayTarget(message, entity),
    correlationId: message.correlationId === undefined ? undefined : String(message.correlationId),
    enqueuedAt: message.enqueuedTimeUtc?.toISOString(),
  };
}

/** Every message in the entity's dead-letter queue, oldest first, without taking a lock. */
export async function listDeadLetters(client: ServiceBusClient, entity: string): Promise<DeadLetterEntry[]> {
  // A fresh receiver starts peeking at the beginning; each further peek continues after the last one seen.
  const receiver = deadLetterReceiver(client, entity, "peekLock");
  const entries: DeadLetterEntry[] = [];
  try {
    for (;;) {
      const page = await receiver.peekMessages(100);
      if (page.length === 0) return entries;
      entries.push(...page.map((message) => entryOf(message, entity)));
    }
  } finally {
    await receiver.close();
  }
}

/**
 * Sends dead-lettered messages (all, or those with `messageId`) back to where they came from, then removes them
 * from the dead-letter queue. A copy is sent before the original is completed, so a failure in between leaves a
 * duplicate, which the consumers ignore, never a loss.
 */
export async function replayDeadLetters(
  client: ServiceBusClient,
  entity: string,
  messageId?: string,
): Promise<DeadLetterEntry[]> {
  const receiver = deadLetterReceiver(client, entity, "peekLock");
  const held: ServiceBusReceivedMessage[] = [];
  const replayed: DeadLetterEntry[] = [];
  try {
    for (;;) {
      const batch = await receiver.receiveMessages(50, { maxWaitTimeInMs: 2_000 });
      if (batch.length === 0) break;
      for (const message of batch) {
        if (messageId !== undefined && String(message.messageId) !== messageId) {
          held.push(message); // locked until the end, so the loop does not see it again
          continue;
        }
        await resend(client, receiver, message, entity);
        replayed.push(entryOf(message, entity));
      }
    }
  } finally {
    for (const message of held) await receiver.abandonMessage(message).catch(() => {});
    await receiver.close();
  }
  return replayed;
}

async function resend(
  client: ServiceBusClient,
  receiver: ServiceBusReceiver,
  message: ServiceBusReceivedMessage,
  entity: string,
): Promise<void> {
  const properties = { ...message.applicationProperties };
  for (const name of [DEAD_LETTER_SOURCE, "deadLetterReason", "deadLetterDescription"])
    delete properties[name];
  const sender = client.createSender(replayTarget(message, entity));
  try {
    await sender.sendMessages({
      body: message.body,
      ...(message.messageId === undefined ? {} : { messageId: message.messageId }),
      ...(message.correlationId === undefined ? {} : { correlationId: message.correlationId }),
      ...(message.contentType === undefined ? {} : { contentType: message.contentType }),
      ...(message.subject === undefined ? {} : { subject: message.subject }),
      applicationProperties: properties,
    });
  } finally {
    await sender.close();
  }
  await receiver.completeMessage(message);
}
