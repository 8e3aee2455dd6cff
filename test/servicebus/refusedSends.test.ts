// Sends the emulator refuses, through the real SDK: a refused send leaves nothing behind, neither a stored message
// nor a remembered message id, and a batch is stored whole or not at all.
import { afterEach, describe, expect, it } from "vitest";
import { queue, type Running, startWith } from "./fixtures.js";

let running: Running | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

const sessionQueue = queue("by-session", {
  RequiresSession: true,
  RequiresDuplicateDetection: true,
  DuplicateDetectionHistoryTimeWindow: "PT1M",
});

describe("Service Bus emulator: refused sends", () => {
  it("accepts a corrected resend that reuses the message id of a refused send", async () => {
    running = await startWith({ queues: [sessionQueue] });
    const sender = running.client.createSender("by-session");
    await expect(sender.sendMessages({ body: "no session", messageId: "m-1" })).rejects.toMatchObject({
      message: expect.stringMatching(/requires sessions/),
    });
    await sender.sendMessages({ body: "with session", messageId: "m-1", sessionId: "s" });
    const peeked = await running.client.createReceiver("by-session").peekMessages(10);
    expect(peeked.map((m) => [m.body, m.sessionId])).toEqual([["with session", "s"]]);
  });

  it("stores none of a batch when one of its messages is refused", async () => {
    running = await startWith({ queues: [sessionQueue] });
    const sender = running.client.createSender("by-session");
    await expect(
      sender.sendMessages([
        { body: "a", messageId: "a", sessionId: "s" },
        { body: "b", messageId: "b" },
      ]),
    ).rejects.toMatchObject({ message: expect.stringMatching(/requires sessions/) });
    expect(await running.client.createReceiver("by-session").peekMessages(10)).toEqual([]);
    // Nothing was remembered either: the corrected batch goes through whole.
    await sender.sendMessages([
      { body: "a", messageId: "a", sessionId: "s" },
      { body: "b", messageId: "b", sessionId: "s" },
    ]);
    const peeked = await running.client.createReceiver("by-session").peekMessages(10);
    expect(peeked.map((m) => m.body)).toEqual(["a", "b"]);
  });
});
