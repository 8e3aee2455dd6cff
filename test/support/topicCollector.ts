// Collects every message that reaches a topic subscription, with the real SDK in receive-and-delete mode, so a
// test can count what was published: nothing is left behind for a later peek to miss.
import { ServiceBusClient, type ServiceBusReceivedMessage } from "@azure/service-bus";

export type TopicCollector = {
  readonly messages: ServiceBusReceivedMessage[];
  /** The messages whose share event is for this share. */
  forShare(shareId: string): ServiceBusReceivedMessage[];
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
    async close() {
      await receiver.close();
      await client.close();
    },
  };
}
