// Publishes share events to the `share-events` topic: `messageId` = `eventId`, so that the topic's duplicate
// detection drops a second publish of the same event, and the application properties that subscriptions filter
// on. Each publish is bounded in time: the caller has a share to answer for, and the outbox sweep tries again.
import type { ServiceBusClient, ServiceBusSender } from "@azure/service-bus";
import type { EventPublisher } from "../../app/ports.js";

export const SHARE_EVENTS_TOPIC = "share-events";

export function serviceBusEventPublisher(
  clientRef: () => Promise<ServiceBusClient>,
  options: { timeoutMs: number } = { timeoutMs: 3_000 },
): EventPublisher {
  let sender: ServiceBusSender | undefined;
  return {
    async publish(event, correlationId) {
      sender ??= (await clientRef()).createSender(SHARE_EVENTS_TOPIC);
      await sender.sendMessages(
        {
          messageId: event.eventId,
          body: event,
          contentType: "application/json",
          correlationId,
          applicationProperties: { trustId: event.trustId, type: event.type, correlationId },
        },
        { abortSignal: AbortSignal.timeout(options.timeoutMs) },
      );
    },
  };
}
