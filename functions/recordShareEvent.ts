// Service Bus trigger on share-events/record: writes each share event once into `shareEvents`.

import { SHARE_EVENTS_TOPIC } from "../src/adapters/servicebus/eventPublisher.js";
import { consume, receivedMessage } from "../src/adapters/servicebus/trigger.js";
import { recordShareEvent as record } from "../src/app/recordShareEvent.js";
import { services } from "../src/composition.js";
import type { ServiceBusTopicFunctionDefinition } from "./definition.js";

const SUBSCRIPTION = "record";

export const recordShareEvent: ServiceBusTopicFunctionDefinition = {
  kind: "serviceBusTopic",
  name: "recordShareEvent",
  options: {
    connection: "ServiceBusConnection",
    topicName: SHARE_EVENTS_TOPIC,
    subscriptionName: SUBSCRIPTION,
    handler: async (body, context) => {
      const message = receivedMessage(body, context, `${SHARE_EVENTS_TOPIC}/subscriptions/${SUBSCRIPTION}`);
      await consume(context, message, (log) => record(services().shareEventRecording, message, log));
    },
  },
};
