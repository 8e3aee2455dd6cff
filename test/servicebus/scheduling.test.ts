// Scheduled messages through the real SDK: held until their time, cancellable, visible to peek meanwhile.
import { afterEach, describe, expect, it } from "vitest";
import { queue, type Running, sleep, startWith } from "./fixtures.js";

let running: Running | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

describe("Service Bus emulator: scheduled messages", () => {
  it("holds a scheduled message until its enqueue time, then delivers it", async () => {
    running = await startWith({ queues: [queue("later")] });
    const at = new Date(Date.now() + 1000);
    const [sequenceNumber] = await running.client
      .createSender("later")
      .scheduleMessages({ body: "wake up" }, at);
    expect(Number(sequenceNumber)).toBeGreaterThan(0);
    const receiver = running.client.createReceiver("later");
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toEqual([]);
    const [peeked] = await receiver.peekMessages(1);
    expect(peeked?.state).toBe("scheduled");
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 3000 });
    expect(message?.body).toBe("wake up");
    expect(Date.now()).toBeGreaterThanOrEqual(at.getTime());
    expect(message?.scheduledEnqueueTimeUtc?.getTime()).toBe(at.getTime());
  });

  it("cancels a scheduled message so it never arrives", async () => {
    running = await startWith({ queues: [queue("later")] });
    const sender = running.client.createSender("later");
    const at = new Date(Date.now() + 600);
    const [cancelled] = await sender.scheduleMessages({ body: "cancelled" }, at);
    await sender.scheduleMessages({ body: "kept" }, at);
    if (!cancelled) throw new Error("no sequence number");
    await sender.cancelScheduledMessages(cancelled);
    await sleep(800);
    const received = await running.client
      .createReceiver("later")
      .receiveMessages(5, { maxWaitTimeInMs: 1000 });
    expect(received.map((m) => m.body)).toEqual(["kept"]);
  });

  it("schedules and cancels messages sent to a topic", async () => {
    running = await startWith({ topics: [{ Name: "t", Subscriptions: [{ Name: "s" }] }] });
    const sender = running.client.createSender("t");
    const at = new Date(Date.now() + 600);
    const [cancelled] = await sender.scheduleMessages({ body: "cancelled" }, at);
    await sender.scheduleMessages({ body: "kept" }, at);
    if (!cancelled) throw new Error("no sequence number");
    await sender.cancelScheduledMessages(cancelled);
    const receiver = running.client.createReceiver("t", "s");
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 200 })).toEqual([]);
    const [message] = await receiver.receiveMessages(5, { maxWaitTimeInMs: 3000 });
    expect(message?.body).toBe("kept");
  });

  it("holds a message sent with scheduledEnqueueTimeUtc in the future", async () => {
    running = await startWith({ queues: [queue("later")] });
    const at = new Date(Date.now() + 800);
    await running.client.createSender("later").sendMessages({ body: "held", scheduledEnqueueTimeUtc: at });
    const receiver = running.client.createReceiver("later");
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 200 })).toEqual([]);
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 3000 });
    expect(message?.body).toBe("held");
  });
});
