// Starts an emulator on a free port with a config built for one test, and closes it (and its clients) afterwards.
import { ServiceBusClient } from "@azure/service-bus";
import {
  type EmulatorConfig,
  type ServiceBusEmulator,
  startServiceBusEmulator,
} from "../../local/servicebus/index.js";

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

export const queue = (Name: string, Properties: QueueDefinition["Properties"] = {}): QueueDefinition => ({
  Name,
  Properties,
});

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
