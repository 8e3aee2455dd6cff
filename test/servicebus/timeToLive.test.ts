// Time-to-live: topic and subscription defaults apply, and expired messages leave the queue, however many expire
// together (filled over raw AMQP).
import { describe, expect, it } from "vitest";
import { closedAfterEach, messagesIn, queue, sleep, startWith } from "./fixtures.js";
import { BATCH_FORMAT, connectRaw, encodeBatch, openSender, sendAndSettle } from "./rawAmqp.js";

const opened = closedAfterEach();

describe("Service Bus emulator: time-to-live", () => {
  it("sweeps thousands of messages that expire together out of the queue", async () => {
    opened.running = await startWith({ queues: [queue("many")] });
    const r = opened.running;
    // Sent over raw AMQP, which is several times quicker than the SDK. How long the sweep takes is a matter for
    // the benchmark; here it must simply leave nothing behind.
    opened.raw = await connectRaw(r.emulator.port);
    await opened.raw.authorize("many");
    const sender = await openSender(opened.raw.connection, { target: { address: "many" } });
    const total = 10_000;
    const perBatch = 2_500;
    const ttl = 2_000;
    const sends: Promise<unknown>[] = [];
    for (let first = 0; first < total; first += perBatch) {
      const batch = Array.from({ length: perBatch }, (_, i) => ({ body: first + i, ttl }));
      sends.push(sendAndSettle(sender, encodeBatch(batch), BATCH_FORMAT));
    }
    await Promise.all(sends);
    // Every batch was accepted, so every message was stored: all of them are there before they expire.
    expect(await messagesIn(r.emulator.connectionString, ["many"], { max: total })).toHaveLength(total);
    // Each check peeks from the first sequence number, so a message left anywhere in the queue is seen.
    let left = total;
    const deadline = Date.now() + ttl + 10_000;
    while (left > 0 && Date.now() < deadline) {
      await sleep(200);
      left = (await messagesIn(r.emulator.connectionString, ["many"], { max: total })).length;
    }
    expect(left).toBe(0);
  });

  it("expires a subscription's messages after its DefaultMessageTimeToLive, dead-lettering them when asked to", async () => {
    opened.running = await startWith({
      topics: [
        {
          Name: "t",
          Subscriptions: [
            {
              Name: "short",
              Properties: { DefaultMessageTimeToLive: "PT0.5S", DeadLetteringOnMessageExpiration: true },
            },
            { Name: "long" },
          ],
        },
      ],
    });
    const r = opened.running;
    await r.client.createSender("t").sendMessages({ body: "event", messageId: "e-1" });
    const dead = r.client.createReceiver("t", "short", { subQueueType: "deadLetter" });
    const [expired] = await dead.receiveMessages(1, { maxWaitTimeInMs: 3000 });
    expect([expired?.messageId, expired?.deadLetterReason]).toEqual(["e-1", "TTLExpiredException"]);
    expect(await r.client.createReceiver("t", "short").peekMessages(10)).toEqual([]);
    expect((await r.client.createReceiver("t", "long").peekMessages(10)).map((m) => m.body)).toEqual([
      "event",
    ]);
  });

  it("gives a topic's messages the shortest of their own, the topic's and the subscription's time-to-live", async () => {
    const subscription = (Name: string, ttl: string) => ({
      Name,
      Properties: { DefaultMessageTimeToLive: ttl, DeadLetteringOnMessageExpiration: true },
    });
    opened.running = await startWith({
      topics: [
        {
          Name: "t",
          Properties: { DefaultMessageTimeToLive: "PT10S" },
          Subscriptions: [subscription("shorter", "PT5S"), subscription("longer", "PT1M")],
        },
        {
          Name: "brief",
          Properties: { DefaultMessageTimeToLive: "PT0.5S" },
          Subscriptions: [subscription("s", "PT1H")],
        },
      ],
    });
    const r = opened.running;
    await r.client.createSender("t").sendMessages([{ body: "default" }, { body: "own", timeToLive: 2000 }]);
    const ttlsIn = async (name: string) =>
      (await r.client.createReceiver("t", name).peekMessages(5)).map((m) => [m.body, m.timeToLive]);
    expect(await ttlsIn("shorter")).toEqual([
      ["default", 5000],
      ["own", 2000],
    ]);
    expect(await ttlsIn("longer")).toEqual([
      ["default", 10_000],
      ["own", 2000],
    ]);
    await r.client.createSender("brief").sendMessages({ body: "gone soon" });
    const dead = r.client.createReceiver("brief", "s", { subQueueType: "deadLetter" });
    const [expired] = await dead.receiveMessages(1, { maxWaitTimeInMs: 3000 });
    expect([expired?.body, expired?.deadLetterReason]).toEqual(["gone soon", "TTLExpiredException"]);
  });
});
