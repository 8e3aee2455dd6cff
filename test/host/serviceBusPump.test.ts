// The local host's Service Bus trigger pump, against the project's Service Bus emulator through the real SDK.
import { ServiceBusClient } from "@azure/service-bus";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServiceBusTopicFunctionDefinition } from "../../functions/definition.js";
import { type ServiceBusPump, startServiceBusPump } from "../../local/host/serviceBusPump.js";
import { type ServiceBusEmulator, startServiceBusEmulator } from "../../local/servicebus/index.js";
import { messagesIn } from "../servicebus/fixtures.js";
import { until } from "../support/until.js";

type Seen = { body: unknown; metadata: Record<string, unknown> };

/** A subscription that takes the messages whose subject is its own name. */
const subscription = (name: string, maxDeliveryCount: number) => ({
  Name: name,
  Properties: {
    LockDuration: "PT5S",
    MaxDeliveryCount: maxDeliveryCount,
    DeadLetteringOnMessageExpiration: false,
  },
  Rules: [
    {
      Name: "$Default",
      Properties: { FilterType: "Correlation" as const, CorrelationFilter: { Label: name } },
    },
  ],
});

let emulator: ServiceBusEmulator;
let client: ServiceBusClient;
let pump: ServiceBusPump;
const seen: Seen[] = [];
let active = 0;
let mostActive = 0;
let failingAttempts = 0;

function topicFunction(
  name: string,
  subscriptionName: string,
  handler: (message: unknown, metadata: Record<string, unknown>) => Promise<void>,
): ServiceBusTopicFunctionDefinition {
  return {
    kind: "serviceBusTopic",
    name,
    options: {
      connection: "ServiceBusConnection",
      topicName: "jobs",
      subscriptionName,
      handler: async (message, context) => handler(message, context.triggerMetadata ?? {}),
    },
  };
}

beforeAll(async () => {
  emulator = await startServiceBusEmulator({
    config: {
      UserConfig: {
        Namespaces: [
          {
            Name: "test",
            Queues: [],
            Topics: [
              {
                Name: "jobs",
                Properties: {},
                Subscriptions: [
                  subscription("work", 3),
                  subscription("failing", 3),
                  subscription("slow", 10),
                ],
              },
            ],
          },
        ],
        Logging: { Type: "Console" },
      },
    },
  });
  client = new ServiceBusClient(emulator.connectionString);
  pump = startServiceBusPump(
    [
      topicFunction("work", "work", async (body, metadata) => {
        seen.push({ body, metadata });
      }),
      topicFunction("failing", "failing", async () => {
        failingAttempts++;
        throw new Error("handler failed");
      }),
      topicFunction("slow", "slow", async () => {
        active++;
        mostActive = Math.max(mostActive, active);
        await new Promise((resolve) => setTimeout(resolve, 150));
        active--;
      }),
    ],
    { settings: { ServiceBusConnection: emulator.connectionString }, maxConcurrentCalls: 2 },
  );
});

afterAll(async () => {
  await pump.close();
  await client.close();
  await emulator.close();
});

describe("Service Bus trigger pump", () => {
  it("hands the body and trigger metadata to the handler and completes the message", async () => {
    const sender = client.createSender("jobs");
    await sender.sendMessages({
      body: { shareId: "s-1" },
      messageId: "m-1",
      subject: "work",
      applicationProperties: { trustId: "RTH" },
    });
    await sender.close();
    const delivered = await until(() => seen.find((s) => s.metadata.messageId === "m-1"));
    expect(delivered.body).toEqual({ shareId: "s-1" });
    expect(delivered.metadata).toMatchObject({
      messageId: "m-1",
      deliveryCount: 1,
      applicationProperties: { trustId: "RTH" },
    });
    // Completed: nothing is left on the subscription, locked or not, well before its 5 s lock could lapse, and
    // nothing was dead-lettered.
    await until(
      async () =>
        (await messagesIn(emulator.connectionString, ["jobs", "work"])).length === 0 ? true : undefined,
      3_000,
    );
    expect(
      await messagesIn(emulator.connectionString, ["jobs", "work"], { subQueueType: "deadLetter" }),
    ).toEqual([]);
    expect(seen.filter((s) => s.metadata.messageId === "m-1")).toHaveLength(1);
  });

  it("abandons on a thrown error until MaxDeliveryCount, then the message is dead-lettered", async () => {
    const sender = client.createSender("jobs");
    await sender.sendMessages({ body: "boom", messageId: "m-fail", subject: "failing" });
    await sender.close();
    const deadLetters = client.createReceiver("jobs", "failing", { subQueueType: "deadLetter" });
    const [dead] = await until(async () => {
      const messages = await deadLetters.receiveMessages(1, { maxWaitTimeInMs: 500 });
      return messages.length > 0 ? messages : undefined;
    });
    expect(dead?.messageId).toBe("m-fail");
    expect(dead?.deadLetterReason).toBe("MaxDeliveryCountExceeded");
    expect(failingAttempts).toBe(3);
    if (dead) await deadLetters.completeMessage(dead);
    await deadLetters.close();
  });

  it("runs at most maxConcurrentCalls handlers at once per function", async () => {
    const sender = client.createSender("jobs");
    const batch = await sender.createMessageBatch();
    for (let i = 0; i < 8; i++) batch.tryAddMessage({ body: i, messageId: `slow-${i}`, subject: "slow" });
    await sender.sendMessages(batch);
    await sender.close();
    // Every message completed (none left, locked or not) long before a lapsed lock could redeliver one.
    await until(
      async () =>
        active === 0 && (await messagesIn(emulator.connectionString, ["jobs", "slow"])).length === 0,
    );
    expect(mostActive).toBe(2);
  });
});
