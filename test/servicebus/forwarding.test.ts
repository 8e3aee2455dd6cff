// Auto-forwarding through the real SDK: targets are checked when the config loads, and a message that cannot be
// forwarded (a target that refuses it, a chain longer than four hops) is kept in the transfer dead-letter queue
// instead of being lost.
import { ServiceBusClient } from "@azure/service-bus";
import { describe, expect, it } from "vitest";
import { startServiceBusEmulator } from "../../local/servicebus/index.js";
import { closedAfterEach, configWith, messagesIn, queue, startWith } from "./fixtures.js";

const opened = closedAfterEach();

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

  it("keeps a message its forwarding target refuses in the source's transfer dead-letter queue", async () => {
    opened.running = await startWith({
      queues: [queue("inbox", { ForwardTo: "by-session" }), queue("by-session", { RequiresSession: true })],
    });
    const { client, emulator } = opened.running;
    // The source takes it; the target, which requires sessions, refuses a message without one.
    await client.createSender("inbox").sendMessages({ body: "no session", messageId: "m-refused" });
    await client
      .createSender("inbox")
      .sendMessages({ body: "with session", messageId: "m-ok", sessionId: "s" });
    const transferred = client.createReceiver("inbox", { subQueueType: "transferDeadLetter" });
    const stuck = await transferred.receiveMessages(2, { maxWaitTimeInMs: 2000 });
    expect(stuck.map((m) => [m.body, m.messageId, m.deadLetterReason])).toEqual([
      ["no session", "m-refused", "ForwardingFailed"],
    ]);
    expect(stuck[0]?.deadLetterErrorDescription).toMatch(/requires sessions/);
    // The path Service Bus gives it, <entity>/$Transfer/$DeadLetterQueue, reaches the same queue.
    const byPath = new ServiceBusClient(emulator.connectionString);
    try {
      const peeked = await byPath.createReceiver("inbox/$Transfer/$DeadLetterQueue").peekMessages(10);
      expect(peeked.map((m) => m.messageId)).toEqual(["m-refused"]);
    } finally {
      await byPath.close();
    }
    await transferred.completeMessage(stuck[0] as NonNullable<(typeof stuck)[0]>);
    // The message with a session was forwarded; nothing stayed in the source.
    const receiver = await client.acceptSession("by-session", "s");
    const [forwarded] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    expect(forwarded?.messageId).toBe("m-ok");
    expect(await messagesIn(emulator.connectionString, ["inbox"])).toEqual([]);
    expect(
      await messagesIn(emulator.connectionString, ["inbox"], { subQueueType: "transferDeadLetter" }),
    ).toEqual([]);
  });

  it("keeps a message that would pass a fifth forwarding hop in the transfer dead-letter queue", async () => {
    const names = ["q0", "q1", "q2", "q3", "q4", "q5"];
    opened.running = await startWith({
      queues: names.map((name, i) => queue(name, i < 5 ? { ForwardTo: names[i + 1] } : {})),
    });
    await opened.running.client.createSender("q0").sendMessages({ body: "far", messageId: "m-far" });
    expect(await opened.running.client.createReceiver("q5").peekMessages(10)).toEqual([]);
    const stuck = await opened.running.client
      .createReceiver("q4", { subQueueType: "transferDeadLetter" })
      .receiveMessages(1, { maxWaitTimeInMs: 2000 });
    expect(stuck.map((m) => [m.body, m.messageId, m.deadLetterReason])).toEqual([
      ["far", "m-far", "MaxTransferHopCountExceeded"],
    ]);
    // Four hops are allowed: a message sent to q1 reaches q5.
    await opened.running.client.createSender("q1").sendMessages({ body: "near" });
    const [near] = await opened.running.client
      .createReceiver("q5")
      .receiveMessages(1, { maxWaitTimeInMs: 2000 });
    expect(near?.body).toBe("near");
  });
});
