// Scheduled messages through the real SDK: held until their time, cancellable, visible to peek meanwhile.
import { describe, expect, it } from "vitest";
import { closedAfterEach, queue, sleep, startWith } from "./fixtures.js";

/**
 * How late a scheduled message may arrive: the emulator's 50 ms clock tick plus delivery, with room for a busy
 * machine. What matters is that arrival follows the scheduled time, not the send.
 */
const ON_TIME_TOLERANCE_MS = 1_500;

const opened = closedAfterEach();

describe("Service Bus emulator: scheduled messages", () => {
  it("holds a scheduled message until its enqueue time, then delivers it", async () => {
    opened.running = await startWith({ queues: [queue("later")] });
    const at = new Date(Date.now() + 1000);
    const [sequenceNumber] = await opened.running.client
      .createSender("later")
      .scheduleMessages({ body: "wake up" }, at);
    expect(Number(sequenceNumber)).toBeGreaterThan(0);
    const receiver = opened.running.client.createReceiver("later");
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toEqual([]);
    const [peeked] = await receiver.peekMessages(1);
    expect(peeked?.state).toBe("scheduled");
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 3000 });
    const arrived = Date.now();
    expect(message?.body).toBe("wake up");
    // On time: not before the scheduled time, and within the emulator's clock tick (plus delivery) after it.
    expect(arrived).toBeGreaterThanOrEqual(at.getTime());
    expect(arrived - at.getTime()).toBeLessThan(ON_TIME_TOLERANCE_MS);
    expect(message?.scheduledEnqueueTimeUtc?.getTime()).toBe(at.getTime());
  });

  it("enqueues a scheduled message at its scheduled time, and counts its time-to-live from then", async () => {
    opened.running = await startWith({ queues: [queue("later")] });
    const at = new Date(Date.now() + 1200);
    await opened.running.client
      .createSender("later")
      .scheduleMessages({ body: "short-lived", timeToLive: 800 }, at);
    const [message] = await opened.running.client
      .createReceiver("later")
      .receiveMessages(1, { maxWaitTimeInMs: 3000 });
    expect(message?.body).toBe("short-lived");
    const enqueued = message?.enqueuedTimeUtc?.getTime() ?? 0;
    expect(enqueued).toBeGreaterThanOrEqual(at.getTime());
    expect(enqueued - at.getTime()).toBeLessThan(ON_TIME_TOLERANCE_MS);
    expect(message?.expiresAtUtc?.getTime()).toBe(enqueued + 800);
  });

  it("cancels a scheduled message so it never arrives", async () => {
    opened.running = await startWith({ queues: [queue("later")] });
    const sender = opened.running.client.createSender("later");
    const at = new Date(Date.now() + 600);
    const [cancelled] = await sender.scheduleMessages({ body: "cancelled" }, at);
    await sender.scheduleMessages({ body: "kept" }, at);
    if (!cancelled) throw new Error("no sequence number");
    await sender.cancelScheduledMessages(cancelled);
    await sleep(800);
    const received = await opened.running.client
      .createReceiver("later")
      .receiveMessages(5, { maxWaitTimeInMs: 1000 });
    expect(received.map((m) => m.body)).toEqual(["kept"]);
  });

  it("schedules and cancels messages sent to a topic", async () => {
    opened.running = await startWith({ topics: [{ Name: "t", Subscriptions: [{ Name: "s" }] }] });
    const sender = opened.running.client.createSender("t");
    const at = new Date(Date.now() + 1_000);
    const [cancelled] = await sender.scheduleMessages({ body: "cancelled" }, at);
    await sender.scheduleMessages({ body: "kept" }, at);
    if (!cancelled) throw new Error("no sequence number");
    await sender.cancelScheduledMessages(cancelled);
    const receiver = opened.running.client.createReceiver("t", "s");
    // Held until its time, whatever the machine's load: the broker stamps the scheduled time as its enqueued time.
    const [message] = await receiver.receiveMessages(5, { maxWaitTimeInMs: 5_000 });
    expect(message?.body).toBe("kept");
    expect(message?.enqueuedTimeUtc?.getTime()).toBeGreaterThanOrEqual(at.getTime());
    expect(Date.now()).toBeGreaterThanOrEqual(at.getTime());
    if (message) await receiver.completeMessage(message);
    // The cancelled one never arrives.
    expect(await receiver.receiveMessages(5, { maxWaitTimeInMs: 1_500 })).toEqual([]);
  });

  it("holds a message sent with scheduledEnqueueTimeUtc in the future", async () => {
    opened.running = await startWith({ queues: [queue("later")] });
    const at = new Date(Date.now() + 800);
    await opened.running.client
      .createSender("later")
      .sendMessages({ body: "held", scheduledEnqueueTimeUtc: at });
    const receiver = opened.running.client.createReceiver("later");
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 200 })).toEqual([]);
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 3000 });
    expect(message?.body).toBe("held");
  });
});
