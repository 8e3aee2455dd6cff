// Collects every message that reaches a topic subscription, with the real SDK in receive-and-delete mode, so a
// test can count what was published: nothing is left behind for a later peek to miss.
import { randomUUID } from "node:crypto";
import { ServiceBusClient, type ServiceBusReceivedMessage } from "@azure/service-bus";
import { CREDENTIAL_REQUEST_DECLINED_EVENT } from "../../src/domain/shareEvent.js";
import { until } from "./until.js";

export type TopicCollector = {
  /** Every message collected so far; throws if the receiver failed, since a count it missed would mislead. */
  messages(): ServiceBusReceivedMessage[];
  /** The messages whose share event is for this share. */
  forShare(shareId: string): ServiceBusReceivedMessage[];
  /** The messages whose share event is the decline of this credential request. */
  forDeclinedRequest(requestId: string): ServiceBusReceivedMessage[];
  /**
   * Sends a marker through the topic and resolves once it is collected. The subscription hands messages over in
   * the order they were sent, so everything published before this call has been collected by then: a test can
   * then count what arrived, instead of waiting a while and hoping it was long enough.
   */
  caughtUp(): Promise<void>;
  close(): Promise<void>;
};

const MARKER = "test-marker";

export function collectSubscription(
  connectionString: string,
  topic: string,
  subscription: string,
): TopicCollector {
  const client = new ServiceBusClient(connectionString);
  const receiver = client.createReceiver(topic, subscription, { receiveMode: "receiveAndDelete" });
  const collected: ServiceBusReceivedMessage[] = [];
  const markers = new Set<string>();
  const errors: Error[] = [];
  receiver.subscribe({
    processMessage: async (message) => {
      if (message.subject === MARKER) markers.add(String(message.messageId));
      else collected.push(message);
    },
    processError: async ({ error }) => {
      errors.push(error);
    },
  });
  // A receiver that failed may have lost messages, which would make any count wrong: the test fails instead.
  const messages = () => {
    const [error] = errors;
    if (error !== undefined)
      throw new Error(`the ${subscription} collector's receiver failed: ${error.message}`);
    return collected;
  };
  return {
    messages,
    forShare: (shareId) =>
      messages().filter(
        (message) => (message.body as { data?: { shareId?: string } }).data?.shareId === shareId,
      ),
    forDeclinedRequest: (requestId) =>
      messages().filter((message) => {
        const body = message.body as { type?: string; data?: { requestId?: string } };
        return body.type === CREDENTIAL_REQUEST_DECLINED_EVENT && body.data?.requestId === requestId;
      }),
    async caughtUp() {
      const markerId = randomUUID();
      const sender = client.createSender(topic);
      try {
        await sender.sendMessages({ body: {}, subject: MARKER, messageId: markerId });
      } finally {
        await sender.close();
      }
      await until(() => messages() && markers.has(markerId), {
        what: `the ${subscription} collector's marker`,
      });
    },
    async close() {
      await receiver.close();
      await client.close();
      messages();
    },
  };
}
