// Auto-forwarding through the real SDK: targets are checked when the config loads, and a message that cannot be
// forwarded (a chain longer than four hops) is kept in the transfer dead-letter queue instead of being lost.
import { afterEach, describe, expect, it } from "vitest";
import { startServiceBusEmulator } from "../../local/servicebus/index.js";
import { configWith, queue, type Running, startWith } from "./fixtures.js";

let running: Running | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

describe("Service Bus emulator: forwarding", () => {
  it("refuses a config that forwards to an entity that does not exist, naming the field", async () => {
    const missing = configWith({ queues: [queue("a"), queue("b", { ForwardTo: "nowhere" })] });
    await expect(startServiceBusEmulator({ config: missing })).rejects.toThrow(
      /Queues\[1\]\.Properties\.ForwardTo: 'nowhere' is not a queue or topic/,
    );
    const deadLetters = configWith({
      topics: [
        { Name: "t", Subscriptions: [{ Name: "s", Properties: { ForwardDeadLetteredMessagesTo: "gone" } }] },
      ],
    });
    await expect(startServiceBusEmulator({ config: deadLetters })).rejects.toThrow(
      /Topics\[0\]\.Subscriptions\[0\]\.Properties\.ForwardDeadLetteredMessagesTo: 'gone'/,
    );
  });

  it("refuses a config that forwards an entity to itself", async () => {
    const queueToItself = configWith({ queues: [queue("loop", { ForwardTo: "LOOP" })] });
    await expect(startServiceBusEmulator({ config: queueToItself })).rejects.toThrow(
      /Queues\[0\]\.Properties\.ForwardTo: .*itself/,
    );
    const deadLettersToItself = configWith({
      queues: [queue("loop", { ForwardDeadLetteredMessagesTo: "loop" })],
    });
    await expect(startServiceBusEmulator({ config: deadLettersToItself })).rejects.toThrow(
      /Queues\[0\]\.Properties\.ForwardDeadLetteredMessagesTo: .*itself/,
    );
    const subscriptionToItsTopic = configWith({
      topics: [{ Name: "t", Subscriptions: [{ Name: "s", Properties: { ForwardTo: "t" } }] }],
    });
    await expect(startServiceBusEmulator({ config: subscriptionToItsTopic })).rejects.toThrow(
      /Subscriptions\[0\]\.Properties\.ForwardTo: .*own topic/,
    );
  });

  it("keeps a message that would pass a fifth forwarding hop in the transfer dead-letter queue", async () => {
    const names = ["q0", "q1", "q2", "q3", "q4", "q5"];
    running = await startWith({
      queues: names.map((name, i) => queue(name, i < 5 ? { ForwardTo: names[i + 1] } : {})),
    });
    await running.client.createSender("q0").sendMessages({ body: "far", messageId: "m-far" });
    expect(await running.client.createReceiver("q5").peekMessages(10)).toEqual([]);
    const stuck = await running.client
      .createReceiver("q4", { subQueueType: "transferDeadLetter" })
      .receiveMessages(1, { maxWaitTimeInMs: 2000 });
    expect(stuck.map((m) => [m.body, m.messageId, m.deadLetterReason])).toEqual([
      ["far", "m-far", "MaxTransferHopCountExceeded"],
    ]);
    // Four hops are allowed: a message sent to q1 reaches q5.
    await running.client.createSender("q1").sendMessages({ body: "near" });
    const [near] = await running.client.createReceiver("q5").receiveMessages(1, { maxWaitTimeInMs: 2000 });
    expect(near?.body).toBe("near");
  });
});
