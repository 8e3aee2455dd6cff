// The Service Bus side of share event delivery: retries scheduled on the delivery queue, and dead letters.
//
// A Functions handler in Node.js cannot settle the message it was triggered by (autoCompleteMessages is on, and
// settling from the worker needs an SDK-binding extension the app does not use), so the app dead-letters on its
// own: it sends the message to the parking queue, which no function listens to, with the reason in application
// properties, then receives what is there and dead-letters each message with its own reason. Every application
// dead letter therefore sits in the parking queue's dead-letter queue, reason included, with `deadLetterSource`
// naming where a replay sends it. The broker's own dead letters (MaxDeliveryCount, expiry) stay in the DLQ of
// the entity they came from.
import type { ServiceBusClient, ServiceBusMessage, ServiceBusSender } from "@azure/service-bus";
import type {
  DeliveryDeadLetters,
  DeliveryRetry,
  DeliveryScheduler,
  ReceivedMessage,
} from "../../app/ports.js";
import { CREDENTIALS_SHARED_EVENT } from "../../domain/shareEvent.js";
import { traceContextOf, traceProperties } from "../../telemetry/tracing.js";

export const SHARE_DELIVERIES_QUEUE = "share-deliveries";
export const PARKING_QUEUE = "share-dead-letters";

/** Application properties the parking queue's messages carry. */
export const DEAD_LETTER_SOURCE = "deadLetterSource";
const DEAD_LETTER_REASON = "deadLetterReason";
const DEAD_LETTER_DESCRIPTION = "deadLetterDescription";

function retryMessage(retry: DeliveryRetry, correlationId: string | undefined): ServiceBusMessage {
  return {
    body: retry,
    contentType: "application/json",
    messageId: `${retry.eventId}.${retry.attempt}`,
    ...(correlationId === undefined ? {} : { correlationId }),
    applicationProperties: {
      trustId: retry.trustId,
      type: CREDENTIALS_SHARED_EVENT,
      ...(correlationId === undefined ? {} : { correlationId }),
      // The retry continues the trace of the attempt that scheduled it.
      ...traceProperties(traceContextOf()),
    },
  };
}

/** The client, made when first used: nothing loads the Service Bus SDK when the app starts. */
export type ServiceBusRef = () => Promise<ServiceBusClient>;

export function deliveryScheduler(clientRef: ServiceBusRef): DeliveryScheduler {
  let sender: ServiceBusSender | undefined;
  return {
    async schedule(retry, at, correlationId) {
      sender ??= (await clientRef()).createSender(SHARE_DELIVERIES_QUEUE);
      await sender.scheduleMessages(retryMessage(retry, correlationId), at);
    },
  };
}

export type ShareDeadLetters = DeliveryDeadLetters;

/** Service Bus keeps dead-letter reasons short; ours are codes and a one-line description. */
const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export function parkingDeadLetters(clientRef: ServiceBusRef): ShareDeadLetters {
  let sender: ServiceBusSender | undefined;
  let draining: Promise<void> = Promise.resolve();

  const park = async (message: ServiceBusMessage, source: string, reason: string, description: string) => {
    const client = await clientRef();
    sender ??= client.createSender(PARKING_QUEUE);
    await sender.sendMessages({
      ...message,
      applicationProperties: {
        ...message.applicationProperties,
        [DEAD_LETTER_SOURCE]: source,
        [DEAD_LETTER_REASON]: clip(reason, 128),
        [DEAD_LETTER_DESCRIPTION]: clip(description, 1024),
      },
    });
    // One drain at a time in this process; another instance's drain may take our message, with its own reason.
    draining = draining.then(
      () => drain(client),
      () => drain(client),
    );
    await draining;
  };

  return {
    async deadLetter(message: ReceivedMessage, reason, description) {
      const { [DEAD_LETTER_SOURCE]: _s, ...properties } = message.applicationProperties;
      await park(
        {
          body: message.body,
          ...(message.messageId === undefined ? {} : { messageId: message.messageId }),
          ...(message.correlationId === undefined ? {} : { correlationId: message.correlationId }),
          applicationProperties: properties as ServiceBusMessage["applicationProperties"] & object,
        },
        message.source,
        reason,
        description,
      );
    },
    async deadLetterDelivery(retry, correlationId, reason, description) {
      await park(retryMessage(retry, correlationId), SHARE_DELIVERIES_QUEUE, reason, description);
    },
  };
}

/** Moves everything in the parking queue to its dead-letter queue, each with the reason it carries. */
async function drain(client: ServiceBusClient): Promise<void> {
  const receiver = client.createReceiver(PARKING_QUEUE, { receiveMode: "peekLock" });
  try {
    for (;;) {
      const messages = await receiver.receiveMessages(20, { maxWaitTimeInMs: 1_000 });
      if (messages.length === 0) return;
      for (const message of messages) {
        const properties = message.applicationProperties ?? {};
        await receiver.deadLetterMessage(message, {
          deadLetterReason: String(properties[DEAD_LETTER_REASON] ?? "Parked"),
          deadLetterErrorDescription: String(properties[DEAD_LETTER_DESCRIPTION] ?? ""),
        });
      }
    }
  } finally {
    await receiver.close();
  }
}
