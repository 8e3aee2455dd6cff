// Service Bus triggers that push share events to trusts: the first attempt from share-events/deliver, every
// retry from the share-deliveries queue. Both run the same handler; only the trigger differs.
import type { InvocationContext } from "@azure/functions";
import { SHARE_EVENTS_TOPIC } from "../src/adapters/servicebus/eventPublisher.js";
import { SHARE_DELIVERIES_QUEUE } from "../src/adapters/servicebus/shareDeliveries.js";
import { consume, receivedMessage } from "../src/adapters/servicebus/trigger.js";
import { deliverShareEvent as deliver } from "../src/app/deliverShareEvent.js";
import { services } from "../src/composition.js";
import type { ServiceBusQueueFunctionDefinition, ServiceBusTopicFunctionDefinition } from "./definition.js";

const SUBSCRIPTION = "deliver";

function handlerFor(source: string) {
  return async (body: unknown, context: InvocationContext) => {
    const message = receivedMessage(body, context, source);
    await consume(context, message, (log) => deliver(services().shareEventDelivery, message, log));
  };
}

export const deliverShareEvent: ServiceBusTopicFunctionDefinition = {
  kind: "serviceBusTopic",
  name: "deliverShareEvent",
  options: {
    connection: "ServiceBusConnection",
    topicName: SHARE_EVENTS_TOPIC,
    subscriptionName: SUBSCRIPTION,
    handler: handlerFor(`${SHARE_EVENTS_TOPIC}/subscriptions/${SUBSCRIPTION}`),
  },
};

export const retryShareDelivery: ServiceBusQueueFunctionDefinition = {
  kind: "serviceBusQueue",
  name: "retryShareDelivery",
  options: {
    connection: "ServiceBusConnection",
    queueName: SHARE_DELIVERIES_QUEUE,
    handler: handlerFor(SHARE_DELIVERIES_QUEUE),
  },
};
