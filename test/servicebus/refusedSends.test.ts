// Sends the emulator refuses: a refused send leaves nothing behind, neither a stored message nor a remembered message
// id; a batch is stored whole or not at all; and a transfer over 256 KiB, single or batch, is refused with
// amqp:link:message-size-exceeded (checked over raw AMQP, since the SDK sizes its own batches).
import type { Delivery } from "rhea";
import { describe, expect, it } from "vitest";
import { closedAfterEach, queue, startWith } from "./fixtures.js";
import { BATCH_FORMAT, connectRaw, encodeBatch, openSender, sendAndSettle } from "./rawAmqp.js";

const opened = closedAfterEach();

const sessionQueue = queue("by-session", {
  RequiresSession: true,
  RequiresDuplicateDetection: true,
  DuplicateDetectionHistoryTimeWindow: "PT1M",
});

describe("Service Bus emulator: refused sends", () => {
  it("accepts a corrected resend that reuses the message id of a refused send", async () => {
    opened.running = await startWith({ queues: [sessionQueue] });
    const sender = opened.running.client.createSender("by-session");
    await expect(sender.sendMessages({ body: "no session", messageId: "m-1" })).rejects.toMatchObject({
      message: expect.stringMatching(/requires sessions/),
    });
    await sender.sendMessages({ body: "with session", messageId: "m-1", sessionId: "s" });
    const peeked = await opened.running.client.createReceiver("by-session").peekMessages(10);
    expect(peeked.map((m) => [m.body, m.sessionId])).toEqual([["with session", "s"]]);
  });

  it("stores none of a batch when one of its messages is refused", async () => {
    opened.running = await startWith({ queues: [sessionQueue] });
    const sender = opened.running.client.createSender("by-session");
    await expect(
      sender.sendMessages([
        { body: "a", messageId: "a", sessionId: "s" },
        { body: "b", messageId: "b" },
      ]),
    ).rejects.toMatchObject({ message: expect.stringMatching(/requires sessions/) });
    expect(await opened.running.client.createReceiver("by-session").peekMessages(10)).toEqual([]);
    // Nothing was remembered either: the corrected batch goes through whole.
    await sender.sendMessages([
      { body: "a", messageId: "a", sessionId: "s" },
      { body: "b", messageId: "b", sessionId: "s" },
    ]);
    const peeked = await opened.running.client.createReceiver("by-session").peekMessages(10);
    expect(peeked.map((m) => m.body)).toEqual(["a", "b"]);
  });

  it("refuses a single message over 256 KiB with MessageSizeExceeded, and takes one under it", async () => {
    opened.running = await startWith({ queues: [queue("large")] });
    const sender = opened.running.client.createSender("large");
    await expect(sender.sendMessages({ body: Buffer.alloc(300 * 1024) })).rejects.toMatchObject({
      code: "MessageSizeExceeded",
    });
    await sender.sendMessages({ body: Buffer.alloc(200 * 1024) });
    const [received] = await opened.running.client
      .createReceiver("large")
      .receiveMessages(1, { maxWaitTimeInMs: 2000 });
    expect(Buffer.isBuffer(received?.body) && received.body.length).toBe(200 * 1024);
    expect(await opened.running.client.createReceiver("large").peekMessages(10)).toHaveLength(1);
  });
});

describe("Service Bus emulator: transfer size over raw AMQP", () => {
  async function rawSender() {
    opened.running = await startWith({ queues: [queue("large")] });
    opened.raw = await connectRaw(opened.running.emulator.port);
    await opened.raw.authorize("large");
    return openSender(opened.raw.connection, { target: { address: "large" } });
  }

  function refusal(delivery: Delivery): unknown {
    const state = delivery.remote_state as { error?: { condition?: unknown } } | undefined;
    return state?.error?.condition;
  }

  it("refuses a single transfer over 256 KiB with amqp:link:message-size-exceeded", async () => {
    const sender = await rawSender();
    const delivery = await sendAndSettle(sender, { body: Buffer.alloc(300 * 1024) });
    expect(refusal(delivery)).toBe("amqp:link:message-size-exceeded");
    expect(await opened.running?.client.createReceiver("large").peekMessages(10)).toEqual([]);
  });

  it("refuses a batch whose messages fit one by one but not together", async () => {
    const sender = await rawSender();
    const part = { body: Buffer.alloc(150 * 1024) };
    const delivery = await sendAndSettle(sender, encodeBatch([part, part]), BATCH_FORMAT);
    expect(refusal(delivery)).toBe("amqp:link:message-size-exceeded");
    expect(await opened.running?.client.createReceiver("large").peekMessages(10)).toEqual([]);
    // The link stays usable: a batch under the limit goes through.
    const small = await sendAndSettle(sender, encodeBatch([{ body: "a" }, { body: "b" }]), BATCH_FORMAT);
    expect(refusal(small)).toBeUndefined();
    expect(
      (await opened.running?.client.createReceiver("large").peekMessages(10))?.map((m) => m.body),
    ).toEqual(["a", "b"]);
  });
});
