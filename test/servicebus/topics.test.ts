// Topics and subscriptions through the real SDK: fan-out, correlation and SQL rules, duplicate detection,
// forwarding, and time-to-live.
import { describe, expect, it } from "vitest";
import { closedAfterEach, queue, type Running, sleep, startWith, type TopicDefinition } from "./fixtures.js";

const opened = closedAfterEach();

async function bodiesIn(r: Running, topic: string, subscription: string): Promise<unknown[]> {
  const messages = await r.client.createReceiver(topic, subscription).peekMessages(20);
  return messages.map((m) => m.body);
}

// The filtered subscriptions name their rule `$Default`, so that it replaces the true rule a subscription otherwise
// starts with and is the subscription's only filter.
const eventsTopic: TopicDefinition = {
  Name: "share-events",
  Properties: { RequiresDuplicateDetection: true, DuplicateDetectionHistoryTimeWindow: "PT10M" },
  Subscriptions: [
    { Name: "record" },
    {
      Name: "trust-rx1",
      Rules: [
        {
          Name: "$Default",
          Properties: {
            FilterType: "Correlation",
            CorrelationFilter: { Label: "share.created", Properties: { trust: "RX1" } },
          },
        },
      ],
    },
    {
      Name: "urgent",
      Rules: [
        {
          Name: "$Default",
          Properties: {
            FilterType: "Sql",
            SqlFilter: {
              SqlExpression: "priority > 5 AND sys.Label <> 'share.deleted' OR attempt IN (3, 4)",
            },
          },
        },
      ],
    },
  ],
};

describe("Service Bus emulator: topics and subscriptions", () => {
  it("copies each message to every subscription whose rule matches", async () => {
    opened.running = await startWith({ topics: [eventsTopic] });
    const sender = opened.running.client.createSender("share-events");
    await sender.sendMessages([
      { body: "a", subject: "share.created", applicationProperties: { trust: "RX1", priority: 1 } },
      { body: "b", subject: "share.created", applicationProperties: { trust: "RX2", priority: 9 } },
      { body: "c", subject: "share.deleted", applicationProperties: { trust: "RX1", priority: 9 } },
      { body: "d", subject: "share.deleted", applicationProperties: { attempt: 3 } },
    ]);
    expect(await bodiesIn(opened.running, "share-events", "record")).toEqual(["a", "b", "c", "d"]);
    expect(await bodiesIn(opened.running, "share-events", "trust-rx1")).toEqual(["a"]);
    expect(await bodiesIn(opened.running, "share-events", "urgent")).toEqual(["b", "d"]);
  });

  it("matches entity names case-insensitively", async () => {
    opened.running = await startWith({ topics: [eventsTopic] });
    await opened.running.client.createSender("SHARE-EVENTS").sendMessages({ body: "upper" });
    expect(await bodiesIn(opened.running, "Share-Events", "RECORD")).toEqual(["upper"]);
  });

  it("drops a message whose id was already sent within the duplicate detection window", async () => {
    opened.running = await startWith({ topics: [eventsTopic] });
    const sender = opened.running.client.createSender("share-events");
    await sender.sendMessages({ body: "first", messageId: "evt-1" });
    await sender.sendMessages({ body: "again", messageId: "evt-1" });
    await sender.sendMessages({ body: "other", messageId: "evt-2" });
    expect(await bodiesIn(opened.running, "share-events", "record")).toEqual(["first", "other"]);
  });

  it("keeps one of several messages with the same id sent in one batch", async () => {
    opened.running = await startWith({ topics: [eventsTopic] });
    const sender = opened.running.client.createSender("share-events");
    const batch = await sender.createMessageBatch();
    for (const message of [
      { body: "first", messageId: "evt-1" },
      { body: "copy", messageId: "evt-1" },
      { body: "other", messageId: "evt-2" },
      { body: "copy again", messageId: "evt-1" },
    ]) {
      expect(batch.tryAddMessage(message)).toBe(true);
    }
    await sender.sendMessages(batch);
    expect(await bodiesIn(opened.running, "share-events", "record")).toEqual(["first", "other"]);
    // And the id is remembered: a later send of it is dropped too.
    await sender.sendMessages({ body: "late copy", messageId: "evt-1" });
    const received = await opened.running.client
      .createReceiver("share-events", "record")
      .receiveMessages(10, { maxWaitTimeInMs: 1000 });
    expect(received.map((m) => m.body)).toEqual(["first", "other"]);
  });

  it("accepts the same message id again once the duplicate window has passed", async () => {
    opened.running = await startWith({
      queues: [queue("q", { RequiresDuplicateDetection: true, DuplicateDetectionHistoryTimeWindow: "PT1S" })],
    });
    const sender = opened.running.client.createSender("q");
    await sender.sendMessages({ body: 1, messageId: "same" });
    await sender.sendMessages({ body: 2, messageId: "same" });
    await sleep(1200);
    await sender.sendMessages({ body: 3, messageId: "same" });
    const received = await opened.running.client.createReceiver("q").peekMessages(10);
    expect(received.map((m) => m.body)).toEqual([1, 3]);
  });

  it("adds, lists and removes subscription rules through the rule manager", async () => {
    opened.running = await startWith({ topics: [{ Name: "t", Subscriptions: [{ Name: "s" }] }] });
    const rules = opened.running.client.createRuleManager("t", "s");
    await rules.createRule("only-red", { sqlExpression: "colour = 'red'" });
    await rules.createRule("by-correlation", { correlationId: "c-1" });
    await rules.deleteRule("$Default");
    const listed = [];
    for await (const rule of rules.listRules()) listed.push(rule.name);
    expect(listed).toEqual(["only-red", "by-correlation"]);
    const sender = opened.running.client.createSender("t");
    await sender.sendMessages([
      { body: "red", applicationProperties: { colour: "red" } },
      { body: "blue", applicationProperties: { colour: "blue" } },
      { body: "correlated", correlationId: "c-1" },
    ]);
    expect(await bodiesIn(opened.running, "t", "s")).toEqual(["red", "correlated"]);
  });

  it("forwards messages to the entity named by ForwardTo", async () => {
    opened.running = await startWith({
      queues: [queue("inbox", { ForwardTo: "outbox" }), queue("outbox")],
      topics: [{ Name: "t", Subscriptions: [{ Name: "to-outbox", Properties: { ForwardTo: "outbox" } }] }],
    });
    await opened.running.client.createSender("inbox").sendMessages({ body: "via queue" });
    await opened.running.client.createSender("t").sendMessages({ body: "via subscription" });
    const received = await opened.running.client
      .createReceiver("outbox")
      .receiveMessages(2, { maxWaitTimeInMs: 2000 });
    expect(received.map((m) => m.body).sort()).toEqual(["via queue", "via subscription"]);
  });

  it("forwards dead-lettered messages to ForwardDeadLetteredMessagesTo with their dead-letter source", async () => {
    opened.running = await startWith({
      queues: [queue("work", { ForwardDeadLetteredMessagesTo: "failures" }), queue("failures")],
    });
    await opened.running.client.createSender("work").sendMessages({ body: "doomed" });
    const receiver = opened.running.client.createReceiver("work");
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    if (!message) throw new Error("no message arrived");
    await receiver.deadLetterMessage(message, {
      deadLetterReason: "Poison",
      deadLetterErrorDescription: "unreadable",
    });
    const [forwarded] = await opened.running.client
      .createReceiver("failures")
      .receiveMessages(1, { maxWaitTimeInMs: 2000 });
    expect(forwarded?.body).toBe("doomed");
    expect(forwarded?.deadLetterReason).toBe("Poison");
    expect(forwarded?.deadLetterSource).toBe("work");
  });

  it("dead-letters an expired message when DeadLetteringOnMessageExpiration is set, and drops it otherwise", async () => {
    opened.running = await startWith({
      queues: [queue("keeps", { DeadLetteringOnMessageExpiration: true }), queue("drops")],
    });
    await opened.running.client.createSender("keeps").sendMessages({ body: "stale", timeToLive: 200 });
    await opened.running.client.createSender("drops").sendMessages({ body: "stale", timeToLive: 200 });
    await sleep(1300);
    expect(
      await opened.running.client.createReceiver("keeps").receiveMessages(1, { maxWaitTimeInMs: 300 }),
    ).toEqual([]);
    const dead = opened.running.client.createReceiver("keeps", { subQueueType: "deadLetter" });
    const [expired] = await dead.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    expect(expired?.body).toBe("stale");
    expect(expired?.deadLetterReason).toBe("TTLExpiredException");
    expect(await opened.running.client.createReceiver("drops").peekMessages(10)).toEqual([]);
    expect(
      await opened.running.client.createReceiver("drops", { subQueueType: "deadLetter" }).peekMessages(10),
    ).toEqual([]);
  });

  it("dead-letters from a subscription into its own dead-letter queue, where it is received", async () => {
    opened.running = await startWith({
      topics: [{ Name: "t", Subscriptions: [{ Name: "s" }, { Name: "other" }] }],
    });
    await opened.running.client.createSender("t").sendMessages({ body: "poison", messageId: "p-1" });
    const receiver = opened.running.client.createReceiver("t", "s");
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    if (!message) throw new Error("no message arrived");
    await receiver.deadLetterMessage(message, {
      deadLetterReason: "Bad",
      deadLetterErrorDescription: "bad data",
    });
    const dead = opened.running.client.createReceiver("t", "s", { subQueueType: "deadLetter" });
    const [dlq] = await dead.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    expect([dlq?.body, dlq?.messageId, dlq?.deadLetterReason]).toEqual(["poison", "p-1", "Bad"]);
    await dead.completeMessage(dlq as NonNullable<typeof dlq>);
    expect(await dead.peekMessages(10)).toEqual([]);
    expect(await bodiesIn(opened.running, "t", "other")).toEqual(["poison"]);
  });
});
