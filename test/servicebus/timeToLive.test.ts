// Time-to-live: expired messages leave without stalling the emulator, however many there are (filled over raw AMQP).
import { afterEach, describe, expect, it } from "vitest";
import { queue, type Running, sleep, startWith } from "./fixtures.js";
import {
  BATCH_FORMAT,
  connectRaw,
  encodeBatch,
  openSender,
  type RawClient,
  sendAndSettle,
} from "./rawAmqp.js";

let running: Running | undefined;
let raw: RawClient | undefined;
afterEach(async () => {
  await raw?.close();
  raw = undefined;
  await running?.close();
  running = undefined;
});

/** The longest the event loop went without running a 10 ms timer while `work` ran (the emulator runs in-process). */
async function longestStall(work: () => Promise<void>): Promise<number> {
  let last = performance.now();
  let longest = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 10);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return longest;
}

describe("Service Bus emulator: time-to-live", () => {
  it("sweeps tens of thousands of expired messages in one pass without stalling", async () => {
    running = await startWith({ queues: [queue("many")] });
    const r = running;
    // Sent over raw AMQP, which is several times quicker than the SDK, so that they all expire in one sweep.
    raw = await connectRaw(r.emulator.port);
    await raw.authorize("many");
    const sender = await openSender(raw.connection, { target: { address: "many" } });
    const total = 60_000;
    const perBatch = 5_000;
    const ttl = 1500;
    const started = Date.now();
    const sends: Promise<unknown>[] = [];
    for (let first = 0; first < total; first += perBatch) {
      const batch = Array.from({ length: perBatch }, (_, i) => ({ body: first + i, ttl }));
      sends.push(sendAndSettle(sender, encodeBatch(batch), BATCH_FORMAT));
    }
    await Promise.all(sends);
    expect(Date.now() - started).toBeLessThan(ttl);
    const receiver = r.client.createReceiver("many");
    let left = 1;
    const stall = await longestStall(async () => {
      const deadline = started + ttl + 3000;
      while (left > 0 && Date.now() < deadline) {
        await sleep(100);
        left = (await receiver.peekMessages(1)).length;
      }
    });
    expect(left).toBe(0);
    // Taking expired messages out of the ready list one by one stalled the emulator for 1-2 s; one pass takes ~50 ms.
    expect(stall).toBeLessThan(500);
  });
});
