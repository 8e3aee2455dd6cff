// SQL rule filters through the real SDK: each subscription below holds one expression, and the test checks
// exactly which of a fixed set of messages it selects. Each rule is named `$Default`, so that it replaces the true
// rule every subscription otherwise starts with (which would select every message).
import type { ServiceBusMessage } from "@azure/service-bus";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Running, startWith, type TopicDefinition } from "./fixtures.js";

const FILTERS: Record<string, string> = {
  equals: "trust = 'RX1'",
  "not-equals": "trust <> 'RX1'",
  "less-than": "attempt < 3",
  "greater-than": "attempt > 3",
  "and-or": "trust = 'RX1' AND attempt > 1 OR sys.Label = 'audit'",
  not: "NOT (trust = 'RX1')",
  in: "trust IN ('RX2', 'RX3')",
  "not-in": "trust NOT IN ('RX2', 'RX3')",
  "is-null": "trust IS NULL",
  "is-not-null": "trust IS NOT NULL",
  exists: "EXISTS(attempt)",
  "system-properties": "sys.CorrelationId = 'c-2' OR sys.MessageId = 'm1' OR sys.ContentType = 'text/csv'",
  like: "sys.Label LIKE 'share.%'",
  negative: "attempt > -1.5 AND attempt <> -2",
};

const MESSAGES: ServiceBusMessage[] = [
  { messageId: "m1", body: 1, subject: "share.created", applicationProperties: { trust: "RX1", attempt: 2 } },
  {
    messageId: "m2",
    body: 2,
    subject: "share.created",
    correlationId: "c-2",
    applicationProperties: { trust: "RX2" },
  },
  { messageId: "m3", body: 3, subject: "audit", applicationProperties: { attempt: 5 } },
  { messageId: "m4", body: 4, contentType: "text/csv", applicationProperties: { trust: "RX3", attempt: 1 } },
];

const EXPECTED: Record<string, number[]> = {
  equals: [1],
  "not-equals": [2, 4],
  "less-than": [1, 4],
  "greater-than": [3],
  "and-or": [1, 3],
  not: [2, 4],
  in: [2, 4],
  "not-in": [1],
  "is-null": [3],
  "is-not-null": [1, 2, 4],
  exists: [1, 3, 4],
  "system-properties": [1, 2, 4],
  like: [1, 2],
  negative: [1, 3, 4],
};

const topic: TopicDefinition = {
  Name: "filtered",
  Subscriptions: Object.entries(FILTERS).map(([name, expression]) => ({
    Name: name,
    Rules: [
      { Name: "$Default", Properties: { FilterType: "Sql", SqlFilter: { SqlExpression: expression } } },
    ],
  })),
};

let running: Running;
beforeAll(async () => {
  running = await startWith({ topics: [topic] });
  await running.client.createSender("filtered").sendMessages(MESSAGES);
});
afterAll(async () => {
  await running.close();
});

describe("Service Bus emulator: SQL filters", () => {
  for (const [name, expression] of Object.entries(FILTERS)) {
    it(`selects the matching messages with ${expression}`, async () => {
      const peeked = await running.client.createReceiver("filtered", name).peekMessages(10);
      expect(peeked.map((m) => m.body)).toEqual(EXPECTED[name]);
    });
  }
});
