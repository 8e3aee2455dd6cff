// The local Functions host's Service Bus queue triggers, started as `npm start` starts it (host.json settings and
// app settings), against the project's Service Bus emulator through the real SDK.
import { describe, expect, it, onTestFinished } from "vitest";
import type { ServiceBusQueueFunctionDefinition } from "../../functions/definition.js";
import { type HostJson, type LocalHost, startLocalHost } from "../../local/host/index.js";
import { messagesIn, queue, type Running, sleep, startWith } from "../servicebus/fixtures.js";
import { until } from "../support/until.js";

type Invocation = { body: unknown; deliveryCount: unknown };
type Handler = (body: unknown) => Promise<void>;

function queueFunction(
  queueName: string,
  handler: Handler,
  seen: Invocation[],
): ServiceBusQueueFunctionDefinition {
  return {
    kind: "serviceBusQueue",
    name: `on-${queueName}`,
    options: {
      connection: "ServiceBusConnection",
      queueName,
      handler: async (message, context) => {
        seen.push({ body: message, deliveryCount: context.triggerMetadata?.deliveryCount });
        await handler(message);
      },
    },
  };
}

/** An emulator with one queue and the local host serving one queue trigger on it; both stop when the test ends. */
async function hostWith(
  queueProperties: Parameters<typeof queue>[1],
  handler: Handler,
  hostJson: HostJson = {},
): Promise<{ running: Running; host: LocalHost; seen: Invocation[] }> {
  const running = await startWith({ queues: [queue("work", queueProperties)] });
  onTestFinished(() => running.close());
  const seen: Invocation[] = [];
  const host = await startLocalHost([queueFunction("work", handler, seen)], {
    port: 0,
    hostJson,
    settings: { ServiceBusConnection: running.emulator.connectionString },
  });
  onTestFinished(() => host.close());
  return { running, host, seen };
}

/** Nothing left on the queue, locked or not, and nothing dead-lettered. */
async function queueIsEmpty(running: Running): Promise<boolean> {
  const { connectionString } = running.emulator;
  const [left, dead] = await Promise.all([
    messagesIn(connectionString, ["work"]),
    messagesIn(connectionString, ["work"], { subQueueType: "deadLetter" }),
  ]);
  return left.length === 0 && dead.length === 0;
}

describe("local Functions host: Service Bus queue triggers", () => {
  it("hands a queue message to its function once and completes it", async () => {
    const { running, seen } = await hostWith({ LockDuration: "PT5S" }, async () => {});
    await running.client.createSender("work").sendMessages({ body: { shareId: "s-1" }, messageId: "q-1" });
    await until(() => seen.length === 1);
    // Completed well before its 5 s lock could lapse.
    await until(() => queueIsEmpty(running), 3_000);
    expect(seen).toEqual([{ body: { shareId: "s-1" }, deliveryCount: 1 }]);
  });

  it("renews the lock of a handler that outlives it, so the message is neither redelivered nor lost", async () => {
    const { running, seen } = await hostWith(
      { LockDuration: "PT1S", MaxDeliveryCount: 5 },
      () => sleep(3_500),
      {
        extensions: { serviceBus: { maxConcurrentCalls: 4, maxAutoLockRenewalDuration: "00:01:00" } },
      },
    );
    await running.client.createSender("work").sendMessages({ body: "long job", messageId: "q-long" });
    await until(() => seen.length >= 1);
    await until(() => queueIsEmpty(running));
    // Had the lock lapsed, an idle concurrent call would have received the message again within the 3.5 s.
    expect(seen).toEqual([{ body: "long job", deliveryCount: 1 }]);
  });

  it("lets a running handler finish on close() and completes its message before stopping", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let finished = false;
    const { running, host, seen } = await hostWith({ LockDuration: "PT5S" }, async () => {
      await gate;
      finished = true;
    });
    await running.client.createSender("work").sendMessages({ body: "in flight", messageId: "q-close" });
    await until(() => seen.length === 1);
    let closed = false;
    const closing = host.close().then(() => {
      closed = true;
    });
    // Past the 3 s that each broker step of close() may take before it goes on regardless: a close that gave up
    // on running handlers after one of those would be done by now.
    await sleep(3_500);
    expect(closed).toBe(false);
    release();
    await closing;
    expect(finished).toBe(true);
    expect(await queueIsEmpty(running)).toBe(true);
    expect(seen).toHaveLength(1);
  });

  it("runs at most host.json's maxConcurrentCalls handlers at once", async () => {
    let active = 0;
    let mostActive = 0;
    const { running, seen } = await hostWith(
      { LockDuration: "PT5S" },
      async () => {
        active++;
        mostActive = Math.max(mostActive, active);
        await sleep(200);
        active--;
      },
      { extensions: { serviceBus: { maxConcurrentCalls: 3 } } },
    );
    await running.client
      .createSender("work")
      .sendMessages(Array.from({ length: 12 }, (_, i) => ({ body: i, messageId: `c-${i}` })));
    await until(() => seen.length === 12 && active === 0);
    await until(() => queueIsEmpty(running));
    expect(mostActive).toBe(3);
  });
});
