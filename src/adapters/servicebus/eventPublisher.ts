// Publishes share events to the `share-events` topic: `messageId` = `eventId`, so that the topic's duplicate
// detection drops a second publish of the same event, and the application properties that subscriptions filter
// on. Each publish is bounded in time: the caller has a share to answer for, and the outbox sweep tries again.
import type { ServiceBusClient, ServiceBusSender } from "@azure/service-bus";
import type { EventPublisher } from "../../app/ports.js";
import { inSpan, SpanKind, traceContextOf, traceProperties } from "../../telemetry/tracing.js";

export const SHARE_EVENTS_TOPIC = "share-events";

export function serviceBusEventPublisher(
  clientRef: () => Promise<ServiceBusClient>,
  options: { timeoutMs: number } = { timeoutMs: 3_000 },
): EventPublisher {
  let sender: ServiceBusSender | undefined;
  return {
    async publish(event, correlationId, trace) {
      sender ??= (await clientRef()).createSender(SHARE_EVENTS_TOPIC);
      const topic = sender;
      // A producer span in the trace the event was stored in; the message carries the span's own context.
      await inSpan(
        `send ${SHARE_EVENTS_TOPIC}`,
        {
          kind: SpanKind.PRODUCER,
          parent: trace,
          attributes: {
            "messaging.system": "servicebus",
            "messaging.operation.type": "send",
            "messaging.destination.name": SHARE_EVENTS_TOPIC,
            "messaging.message.id": event.eventId,
          },
        },
        () =>
          topic.sendMessages(
            {
              messageId: event.eventId,
              body: event,
              contentType: "application/json",
              correlationId,
              applicationProperties: {
                trustId: event.trustId,
                type: event.type,
                correlationId,
                ...traceProperties(traceContextOf()),
              },
            },
            { abortSignal: AbortSignal.timeout(options.timeoutMs) },
          ),
      );
    },
  };
}
