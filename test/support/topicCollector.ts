// Collects every message that reaches a topic subscription, with the real SDK in receive-and-delete mode, so a
// test can count what was published: nothing is left behind for a later peek to miss.
import { ServiceBusClient, type ServiceBusReceivedMessage } from "@azure/service-bus";
import { CREDENTIAL_REQUEST_DECLINED_EVENT } from "../../src/domain/shareEvent.js";

export type TopicCollector = {
  readonly messages: ServiceBusReceivedMessage[];
  /** The messages whose share event is for this share. */
  forShare(shareId: string): ServiceBusReceivedMessage[];
  /** The messages whose share event is the decline of this credential request. */
  forDeclinedRequest(requestId: string): ServiceBusReceivedMessage[];
  close(): Promise<void>;
};

export function collectSubscription(
  connectionString: string,
  topic: string,
  subscription: string,
): TopicCollector {
  const client = new ServiceBusClient(connectionString);
  const receiver = client.createReceiver(topic, subscription, { receiveMode: "receiveAndDelete" });
  const messages: ServiceBusReceivedMessage[] = [];
  receiver.subscribe({
    processMessage: async (message) => {
      messages.push(message);
    },
    processError: async () => {},
  });
  return {
    messages,
    forShare: (shareId) =>
      messages.filter(
        (message) => (message.body as { data?: { shareId?: string } }).data?.shareId === shareId,
      ),
    forDeclinedRequest: (requestId) =>
      messages.filter((message) => {
        const body = message.body as { type?: string; data?: { requestId?: string } };
        return body.type === CREDENTIAL_REQUEST_DECLINED_EVENT && body.data?.requestId === requestId;
      }),
    async close() {
      await receiver.close();
      await client.close();
    },
  };
}
