// Starts an emulator on a free port with a config built for one test, and closes it (and its clients) afterwards.
import { ServiceBusClient, type ServiceBusReceivedMessage } from "@azure/service-bus";
import { afterEach } from "vitest";
import {
  type EmulatorConfig,
  type ServiceBusEmulator,
  startServiceBusEmulator,
} from "../../local/servicebus/index.js";
import type { RawClient } from "./rawAmqp.js";

type Namespace = EmulatorConfig["UserConfig"]["Namespaces"][number];
export type QueueDefinition = NonNullable<Namespace["Queues"]>[number];
export type TopicDefinition = NonNullable<Namespace["Topics"]>[number];

export function configWith(entities: {
  queues?: QueueDefinition[];
  topics?: TopicDefinition[];
}): EmulatorConfig {
  return {
    UserConfig: {
      Namespaces: [{ Name: "sbemulatorns", Queues: entities.queues ?? [], Topics: entities.topics ?? [] }],
      Logging: { Type: "Console" },
    },
  };
}

export interface Running {
  emulator: ServiceBusEmulator;
  client: ServiceBusClient;
  close(): Promise<void>;
}

export async function startWith(
  entities: { queues?: QueueDefinition[]; topics?: TopicDefinition[] },
  options: { key?: string } = {},
): Promise<Running> {
  const emulator = await startServiceBusEmulator({ config: configWith(entities), ...options });
  const client = new ServiceBusClient(emulator.connectionString);
  return {
    emulator,
    client,
    async close() {
      await client.close();
      await emulator.close();
    },
  };
}

/** What a test opened: set them here and they are closed after the test, the raw client first, whatever it did. */
export type Opened = { running?: Running | undefined; raw?: RawClient | undefined };

/** Registers the hook that closes, after each test, the emulator and raw AMQP client the test put in the object. */
export function closedAfterEach(): Opened {
  const opened: Opened = {};
  afterEach(async () => {
    const { running, raw } = opened;
    opened.running = undefined;
    opened.raw = undefined;
    try {
      await raw?.close();
    } finally {
      await running?.close();
    }
  });
  return opened;
}

export const queue = (Name: string, Properties: QueueDefinition["Properties"] = {}): QueueDefinition => ({
  Name,
  Properties,
});

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Every message an entity (or its dead-letter queue) holds, locked or not, peeked on a connection of its own. The
 * SDK keeps one peek position per entity and connection, and a peek without a sequence number continues after the
 * last message peeked there, so a second peek on the same client is empty whatever is left; a new connection
 * peeks from the first sequence number.
 */
export async function messagesIn(
  connectionString: string,
  entity: readonly [queue: string] | readonly [topic: string, subscription: string],
  options: { subQueueType?: "deadLetter" | "transferDeadLetter"; max?: number } = {},
): Promise<ServiceBusReceivedMessage[]> {
  const client = new ServiceBusClient(connectionString);
  try {
    const receiverOptions = options.subQueueType ? { subQueueType: options.subQueueType } : {};
    const receiver =
      entity.length === 1
        ? client.createReceiver(entity[0], receiverOptions)
        : client.createReceiver(entity[0], entity[1], receiverOptions);
    return await receiver.peekMessages(options.max ?? 1000);
  } finally {
    await client.close();
  }
}
