// Sending and receiving through the real SDK: field round trips, batches, receive modes, credit and streaming.
import type { ServiceBusReceivedMessage } from "@azure/service-bus";
import { describe, expect, it } from "vitest";
import { closedAfterEach, queue, type Running, startWith } from "./fixtures.js";

const opened = closedAfterEach();

async function start(): Promise<Running> {
  opened.running = await startWith({ queues: [queue("orders")] });
  return opened.running;
}

describe("Service Bus emulator: sending and receiving", () => {
  it("round-trips every message field and stamps the broker's own", async () => {
    const { client } = await start();
    const scheduled = new Date(Date.now() - 1000);
    await client.createSender("orders").sendMessages({
      body: { share: "s-1", count: 2 },
      messageId: "m-1",
      correlationId: "c-1",
      subject: "share.created",
      contentType: "application/json",
      to: "trust-a",
      replyTo: "replies",
      replyToSessionId: "rs-1",
      partitionKey: "pk-1",
      timeToLive: 60_000,
      applicationProperties: { trust: "RX1", attempt: 3, urgent: true },
      scheduledEnqueueTimeUtc: scheduled,
    });
    const before = Date.now();
    const [message] = await client.createReceiver("orders").receiveMessages(1, { maxWaitTimeInMs: 2000 });
    expect(message).toBeDefined();
    const m = message as ServiceBusReceivedMessage;
    expect(m.body).toEqual({ share: "s-1", count: 2 });
    expect(m.messageId).toBe("m-1");
    expect(m.correlationId).toBe("c-1");
    expect(m.subject).toBe("share.created");
    expect(m.contentType).toBe("application/json");
    expect(m.to).toBe("trust-a");
    expect(m.replyTo).toBe("replies");
    expect(m.replyToSessionId).toBe("rs-1");
    expect(m.partitionKey).toBe("pk-1");
    expect(m.timeToLive).toBe(60_000);
    expect(m.applicationProperties).toEqual({ trust: "RX1", attempt: 3, urgent: true });
    expect(m.scheduledEnqueueTimeUtc?.getTime()).toBe(scheduled.getTime());
    expect(Number(m.sequenceNumber)).toBe(1);
    expect(m.deliveryCount).toBe(0);
    expect(m.enqueuedTimeUtc?.getTime()).toBeLessThanOrEqual(before);
    expect(m.lockedUntilUtc?.getTime()).toBeGreaterThan(before);
    expect(m.lockToken).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("round-trips string and binary bodies and a session id", async () => {
    opened.running = await startWith({ queues: [queue("bodies")] });
    const sender = opened.running.client.createSender("bodies");
    await sender.sendMessages([
      { body: "plain text" },
      { body: Buffer.from([0, 1, 254, 255]), sessionId: "s-9" },
    ]);
    const messages = await opened.running.client
      .createReceiver("bodies")
      .receiveMessages(2, { maxWaitTimeInMs: 2000 });
    expect(messages.map((m) => m.body)).toEqual(["plain text", Buffer.from([0, 1, 254, 255])]);
    expect(messages[1]?.sessionId).toBe("s-9");
  });

  it("gives every message a message id when the sender set none", async () => {
    const { client } = await start();
    await client.createSender("orders").sendMessages({ body: "no id" });
    const [message] = await client.createReceiver("orders").receiveMessages(1, { maxWaitTimeInMs: 2000 });
    expect(typeof message?.messageId).toBe("string");
  });

  it("sends a batch created by createMessageBatch and delivers each message in order", async () => {
    const { client } = await start();
    const sender = client.createSender("orders");
    const batch = await sender.createMessageBatch();
    for (let i = 0; i < 5; i++) expect(batch.tryAddMessage({ body: `b${i}` })).toBe(true);
    await sender.sendMessages(batch);
    const messages = await client.createReceiver("orders").receiveMessages(5, { maxWaitTimeInMs: 2000 });
    expect(messages.map((m) => m.body)).toEqual(["b0", "b1", "b2", "b3", "b4"]);
    expect(messages.map((m) => Number(m.sequenceNumber))).toEqual([1, 2, 3, 4, 5]);
  });

  // The SDK keeps whatever arrives beyond what it asked for, so exact credit is checked over raw AMQP (credit.test.ts).
  it("gives the SDK the messages it asks for, in order, across receives", async () => {
    const { client } = await start();
    await client.createSender("orders").sendMessages([1, 2, 3, 4, 5].map((n) => ({ body: n })));
    const receiver = client.createReceiver("orders");
    const first = await receiver.receiveMessages(2, { maxWaitTimeInMs: 2000 });
    expect(first.map((m) => m.body)).toEqual([1, 2]);
    const rest = await receiver.receiveMessages(10, { maxWaitTimeInMs: 2000 });
    expect(rest.map((m) => m.body)).toEqual([3, 4, 5]);
  });

  it("answers a drain so a receive asking for more than is available returns what there is", async () => {
    const { client } = await start();
    await client.createSender("orders").sendMessages({ body: "only one" });
    const receiver = client.createReceiver("orders");
    const messages = await receiver.receiveMessages(10, { maxWaitTimeInMs: 3000 });
    expect(messages.map((m) => m.body)).toEqual(["only one"]);
    await receiver.completeMessage(messages[0] as ServiceBusReceivedMessage);
    const none = await receiver.receiveMessages(10, { maxWaitTimeInMs: 300 });
    expect(none).toEqual([]);
  });

  it("deletes messages on receipt in receive-and-delete mode", async () => {
    const { client } = await start();
    await client.createSender("orders").sendMessages([{ body: "a" }, { body: "b" }]);
    const receiver = client.createReceiver("orders", { receiveMode: "receiveAndDelete" });
    const messages = await receiver.receiveMessages(2, { maxWaitTimeInMs: 2000 });
    expect(messages.map((m) => m.body)).toEqual(["a", "b"]);
    expect(await client.createReceiver("orders").peekMessages(10)).toEqual([]);
  });

  it("streams messages to a subscribe handler and completes them", async () => {
    const { client } = await start();
    await client.createSender("orders").sendMessages([1, 2, 3].map((n) => ({ body: n })));
    const receiver = client.createReceiver("orders");
    const seen: number[] = [];
    await new Promise<void>((resolve, reject) => {
      receiver.subscribe(
        {
          processMessage: async (message) => {
            seen.push(message.body as number);
            if (seen.length === 3) resolve();
          },
          processError: async (args) => reject(args.error),
        },
        { maxConcurrentCalls: 2 },
      );
    });
    await receiver.close();
    expect(seen.sort()).toEqual([1, 2, 3]);
    expect(await client.createReceiver("orders").peekMessages(10)).toEqual([]);
  });

  it("peeks without locking, from a given sequence number", async () => {
    const { client } = await start();
    await client.createSender("orders").sendMessages([1, 2, 3, 4].map((n) => ({ body: n })));
    const receiver = client.createReceiver("orders");
    const all = await receiver.peekMessages(10);
    expect(all.map((m) => m.body)).toEqual([1, 2, 3, 4]);
    const third = all[2]?.sequenceNumber;
    if (!third) throw new Error("no third message");
    const fromThird = await receiver.peekMessages(10, { fromSequenceNumber: third });
    expect(fromThird.map((m) => m.body)).toEqual([3, 4]);
    const received = await receiver.receiveMessages(4, { maxWaitTimeInMs: 2000 });
    expect(received).toHaveLength(4);
  });
});
