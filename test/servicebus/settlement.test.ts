// Settlement through the real SDK: complete, abandon, dead-letter, defer, management settlement, lock expiry,
// lock renewal, lost locks and the delivery limit.
import type { ServiceBusReceivedMessage } from "@azure/service-bus";
import { describe, expect, it } from "vitest";
import { closedAfterEach, messagesIn, queue, type Running, sleep, startWith } from "./fixtures.js";

const opened = closedAfterEach();

async function withOne(properties: Parameters<typeof queue>[1] = {}): Promise<Running> {
  opened.running = await startWith({ queues: [queue("work", properties)] });
  await opened.running.client.createSender("work").sendMessages({ body: "job", messageId: "job-1" });
  return opened.running;
}

async function receiveOne(running: Running, options: { subQueueType?: "deadLetter" } = {}) {
  const receiver = running.client.createReceiver("work", options);
  const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 3000 });
  if (!message) throw new Error("no message arrived");
  return { receiver, message };
}

function sequenceOf(message: ServiceBusReceivedMessage) {
  if (!message.sequenceNumber) throw new Error("the message has no sequence number");
  return message.sequenceNumber;
}

describe("Service Bus emulator: settlement", () => {
  it("removes a completed message", async () => {
    const r = await withOne();
    const { receiver, message } = await receiveOne(r);
    await receiver.completeMessage(message);
    expect(await receiver.peekMessages(10)).toEqual([]);
  });

  it("redelivers an abandoned message with its delivery count raised and its properties modified", async () => {
    const r = await withOne();
    const { receiver, message } = await receiveOne(r);
    await receiver.abandonMessage(message, { retryReason: "busy" });
    const [again] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 3000 });
    expect(again?.messageId).toBe("job-1");
    expect(again?.deliveryCount).toBe(1);
    expect(again?.applicationProperties).toMatchObject({ retryReason: "busy" });
  });

  it("dead-letters a message with a reason and description readable from the dead-letter queue", async () => {
    const r = await withOne();
    const { receiver, message } = await receiveOne(r);
    await receiver.deadLetterMessage(message, {
      deadLetterReason: "Invalid",
      deadLetterErrorDescription: "bad trust",
    });
    expect(await receiver.peekMessages(10)).toEqual([]);
    const dead = await receiveOne(r, { subQueueType: "deadLetter" });
    expect(dead.message.messageId).toBe("job-1");
    expect(dead.message.deadLetterReason).toBe("Invalid");
    expect(dead.message.deadLetterErrorDescription).toBe("bad trust");
    await dead.receiver.completeMessage(dead.message);
  });

  it("refuses to dead-letter a message in the dead-letter queue and keeps it there", async () => {
    const r = await withOne();
    const { receiver, message } = await receiveOne(r);
    await receiver.deadLetterMessage(message, {
      deadLetterReason: "Invalid",
      deadLetterErrorDescription: "bad",
    });
    const dead = await receiveOne(r, { subQueueType: "deadLetter" });
    await expect(dead.receiver.deadLetterMessage(dead.message)).rejects.toMatchObject({
      message: expect.stringMatching(/dead-letter queue/),
    });
    const peeked = await dead.receiver.peekMessages(10);
    expect(peeked.map((m) => [m.messageId, m.deadLetterReason])).toEqual([["job-1", "Invalid"]]);
    // The refusal settled that delivery; once its receiver lets go, the message is received again.
    await dead.receiver.close();
    const again = await receiveOne(r, { subQueueType: "deadLetter" });
    expect(again.message.messageId).toBe("job-1");
    await again.receiver.completeMessage(again.message);
    // Peeked afresh: this client's peek position is already past job-1.
    expect(await messagesIn(r.emulator.connectionString, ["work"], { subQueueType: "deadLetter" })).toEqual(
      [],
    );
  });

  it("pages through a dead-letter queue in sequence order, whatever order messages were dead-lettered in", async () => {
    opened.running = await startWith({ queues: [queue("work")] });
    const r = opened.running;
    await r.client.createSender("work").sendMessages([1, 2, 3].map((n) => ({ body: n })));
    const receiver = r.client.createReceiver("work");
    const received = await receiver.receiveMessages(3, { maxWaitTimeInMs: 2000 });
    expect(received).toHaveLength(3);
    for (const message of [...received].reverse()) {
      await receiver.deadLetterMessage(message, { deadLetterReason: "r", deadLetterErrorDescription: "d" });
    }
    const dead = r.client.createReceiver("work", { subQueueType: "deadLetter" });
    const paged: unknown[] = [];
    for (let page = 0; page < 4; page++) paged.push(...(await dead.peekMessages(1)).map((m) => m.body));
    expect(paged).toEqual([1, 2, 3]);
  });

  it("defers a message and receives it later by sequence number", async () => {
    const r = await withOne();
    const { receiver, message } = await receiveOne(r);
    await receiver.deferMessage(message);
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toEqual([]);
    const [deferred] = await receiver.receiveDeferredMessages(sequenceOf(message));
    expect(deferred?.messageId).toBe("job-1");
    expect(deferred?.state).toBe("deferred");
    expect(deferred?.deliveryCount).toBe(1);
  });

  it("settles a deferred message through the management node", async () => {
    const r = await withOne();
    const { receiver, message } = await receiveOne(r);
    await receiver.deferMessage(message);
    const [deferred] = await receiver.receiveDeferredMessages(sequenceOf(message));
    await receiver.completeMessage(deferred as ServiceBusReceivedMessage);
    expect(await receiver.peekMessages(10)).toEqual([]);
  });

  it("abandons, defers and dead-letters a deferred message through the management node", async () => {
    const r = await withOne();
    const { receiver, message } = await receiveOne(r);
    await receiver.deferMessage(message);
    const sequenceNumber = sequenceOf(message);
    // A message received by sequence number has no delivery on a link, so the SDK settles it via update-disposition.
    const [first] = await receiver.receiveDeferredMessages(sequenceNumber);
    await receiver.abandonMessage(first as ServiceBusReceivedMessage, { step: "abandoned" });
    const [second] = await receiver.receiveDeferredMessages(sequenceNumber);
    expect(second?.deliveryCount).toBe(2);
    expect(second?.applicationProperties).toMatchObject({ step: "abandoned" });
    await receiver.deferMessage(second as ServiceBusReceivedMessage, { step: "deferred again" });
    const [third] = await receiver.receiveDeferredMessages(sequenceNumber);
    expect(third?.state).toBe("deferred");
    expect(third?.applicationProperties).toMatchObject({ step: "deferred again" });
    await receiver.deadLetterMessage(third as ServiceBusReceivedMessage, {
      deadLetterReason: "GaveUp",
      deadLetterErrorDescription: "three tries",
    });
    expect(await receiver.peekMessages(10)).toEqual([]);
    const dead = await receiveOne(r, { subQueueType: "deadLetter" });
    expect([dead.message.messageId, dead.message.deadLetterReason]).toEqual(["job-1", "GaveUp"]);
    expect(dead.message.deadLetterErrorDescription).toBe("three tries");
  });

  it("releases the locks of a receiver that closes, so its messages are delivered again", async () => {
    const r = await withOne();
    const first = await receiveOne(r);
    await first.receiver.close();
    const second = await receiveOne(r);
    expect(second.message.deliveryCount).toBe(1);
    await second.receiver.completeMessage(second.message);
  });

  it("redelivers a message whose lock expired", async () => {
    const r = await withOne({ LockDuration: "PT1S" });
    // The SDK renews locks by itself unless told not to; an expiring lock needs a receiver that lets it go.
    const first = r.client.createReceiver("work", { maxAutoLockRenewalDurationInMs: 0 });
    const [message] = await first.receiveMessages(1, { maxWaitTimeInMs: 3000 });
    if (!message) throw new Error("no message arrived");
    const lockedUntil = message.lockedUntilUtc?.getTime() ?? 0;
    const receiver = r.client.createReceiver("work");
    const [again] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5000 });
    expect(again?.messageId).toBe("job-1");
    expect(again?.deliveryCount).toBe(1);
    expect(Date.now()).toBeGreaterThanOrEqual(lockedUntil);
  });

  it("reports MessageLockLost when settling after the lock expired", async () => {
    const r = await withOne({ LockDuration: "PT1S" });
    const receiver = r.client.createReceiver("work", { maxAutoLockRenewalDurationInMs: 0 });
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 3000 });
    await sleep(1300);
    await expect(receiver.completeMessage(message as ServiceBusReceivedMessage)).rejects.toMatchObject({
      code: "MessageLockLost",
    });
  });

  it("renews a message lock, moving its expiry later", async () => {
    const r = await withOne({ LockDuration: "PT2S" });
    const receiver = r.client.createReceiver("work", { maxAutoLockRenewalDurationInMs: 0 });
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 3000 });
    const first = message?.lockedUntilUtc?.getTime() ?? 0;
    await sleep(1500);
    const renewed = await receiver.renewMessageLock(message as ServiceBusReceivedMessage);
    expect(renewed.getTime()).toBeGreaterThan(first);
    await sleep(1000);
    await receiver.completeMessage(message as ServiceBusReceivedMessage);
    expect(await receiver.peekMessages(10)).toEqual([]);
  });

  it("redelivers a message whose renewed lock expired, once its new expiry has passed", async () => {
    const r = await withOne({ LockDuration: "PT1S" });
    const first = r.client.createReceiver("work", { maxAutoLockRenewalDurationInMs: 0 });
    const [message] = await first.receiveMessages(1, { maxWaitTimeInMs: 3000 });
    if (!message) throw new Error("no message arrived");
    await sleep(500);
    const renewedUntil = (await first.renewMessageLock(message)).getTime();
    const receiver = r.client.createReceiver("work");
    const [again] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5000 });
    expect(again?.messageId).toBe("job-1");
    expect(again?.deliveryCount).toBe(1);
    expect(Date.now()).toBeGreaterThanOrEqual(renewedUntil);
  });

  it("dead-letters a message after MaxDeliveryCount deliveries with reason MaxDeliveryCountExceeded", async () => {
    const r = await withOne({ MaxDeliveryCount: 3 });
    const receiver = r.client.createReceiver("work");
    for (let attempt = 0; attempt < 3; attempt++) {
      const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 3000 });
      expect(message?.deliveryCount).toBe(attempt);
      await receiver.abandonMessage(message as ServiceBusReceivedMessage);
    }
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toEqual([]);
    const dead = await receiveOne(r, { subQueueType: "deadLetter" });
    expect(dead.message.messageId).toBe("job-1");
    expect(dead.message.deadLetterReason).toBe("MaxDeliveryCountExceeded");
  });
});
