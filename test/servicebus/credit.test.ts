// Link credit over raw AMQP, which the SDK hides (it buffers whatever arrives): the emulator sends exactly as many
// messages as the receiver granted credit for, and answers every drain with the credit it did not use.
import type { EventContext, Receiver } from "rhea";
import { describe, expect, it } from "vitest";
import { closedAfterEach, queue, sleep, startWith } from "./fixtures.js";
import { connectRaw, openReceiver, sdkBody } from "./rawAmqp.js";

const opened = closedAfterEach();

async function receiverWith(messages: number): Promise<{ receiver: Receiver; arrived: unknown[] }> {
  opened.running = await startWith({ queues: [queue("q")] });
  await opened.running.client
    .createSender("q")
    .sendMessages(Array.from({ length: messages }, (_, n) => ({ body: n + 1 })));
  opened.raw = await connectRaw(opened.running.emulator.port);
  await opened.raw.authorize("q");
  const receiver = await openReceiver(opened.raw.connection, {
    source: { address: "q" },
    credit_window: 0,
    autoaccept: false,
  });
  const arrived: unknown[] = [];
  receiver.on("message", (context: EventContext) => arrived.push(sdkBody(context.message?.body)));
  return { receiver, arrived };
}

/** The credit rhea holds for the link (left out of its typings): after a drain, what the emulator gave back. */
const creditOf = (receiver: Receiver): unknown => (receiver as unknown as { credit: unknown }).credit;

/** Resolves when the emulator answers the drain; fails after 2 s, since an unanswered drain never resolves. */
function drained(receiver: Receiver): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the drain was not answered")), 2000);
    receiver.once("receiver_drained", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

describe("Service Bus emulator: link credit", () => {
  it("sends exactly as many messages as the credit granted", async () => {
    const { receiver, arrived } = await receiverWith(5);
    receiver.add_credit(2);
    await sleep(200);
    expect(arrived).toEqual([1, 2]);
    receiver.add_credit(1);
    await sleep(200);
    expect(arrived).toEqual([1, 2, 3]);
  });

  it("locks no more messages than the credit granted: the rest go to another receiver", async () => {
    const { receiver, arrived } = await receiverWith(5);
    receiver.add_credit(1);
    await sleep(200);
    expect(arrived).toEqual([1]);
    // A message handed to a receiver beyond its credit would wait, locked, for credit that never comes.
    const other = opened.running?.client.createReceiver("q");
    const received: unknown[] = [];
    const deadline = Date.now() + 5_000;
    while (other && received.length < 4 && Date.now() < deadline) {
      const batch = await other.receiveMessages(4 - received.length, { maxWaitTimeInMs: 1_000 });
      received.push(...batch.map((message) => message.body));
    }
    expect(received).toEqual([2, 3, 4, 5]);
  });

  it("answers a drain with what is available and returns the credit left over", async () => {
    const { receiver, arrived } = await receiverWith(2);
    const answered = drained(receiver);
    receiver.drain_credit();
    receiver.add_credit(5);
    await answered;
    expect(arrived).toEqual([1, 2]);
    expect(creditOf(receiver)).toBe(0);
  });

  it("answers a drain even when the credit was all used by the messages it crossed", async () => {
    const { receiver, arrived } = await receiverWith(5);
    const answered = drained(receiver);
    receiver.drain_credit();
    receiver.add_credit(2);
    await answered;
    expect(arrived).toEqual([1, 2]);
    expect(creditOf(receiver)).toBe(0);
  });
});
