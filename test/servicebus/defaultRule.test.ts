// A subscription's `$Default` rule through the real SDK: like Service Bus, the emulator gives every
// subscription a true rule named `$Default` beside the rules its configuration adds, unless the configuration
// names a rule `$Default` itself; rules are OR-ed, so a filter only filters once `$Default` is gone.
import type { RuleProperties } from "@azure/service-bus";
import { describe, expect, it } from "vitest";
import { closedAfterEach, messagesIn, type Running, startWith, type TopicDefinition } from "./fixtures.js";

const opened = closedAfterEach();

/** A topic with one subscription whose configuration holds the given rules. */
const topicWith = (
  rules: NonNullable<TopicDefinition["Subscriptions"]>[number]["Rules"],
): TopicDefinition => ({
  Name: "share-events",
  Subscriptions: [{ Name: "trust-R0A", Rules: rules }],
});

/** A configured correlation rule that takes the messages for trust R0A. */
const forR0A = (name: string) => ({
  Name: name,
  Properties: {
    FilterType: "Correlation" as const,
    CorrelationFilter: { Properties: { trustId: "R0A" } },
  },
});

async function sendForTrusts(r: Running, trusts: readonly string[]): Promise<void> {
  const sender = r.client.createSender("share-events");
  await sender.sendMessages(trusts.map((trustId) => ({ body: trustId, applicationProperties: { trustId } })));
  await sender.close();
}

async function bodiesIn(r: Running): Promise<unknown[]> {
  return (await messagesIn(r.emulator.connectionString, ["share-events", "trust-R0A"])).map((m) => m.body);
}

async function listedRules(r: Running): Promise<RuleProperties[]> {
  const listed: RuleProperties[] = [];
  for await (const rule of r.client.createRuleManager("share-events", "trust-R0A").listRules()) {
    listed.push(rule);
  }
  return listed;
}

describe("Service Bus emulator: a subscription's $Default rule", () => {
  it("delivers every message to a subscription configured with a correlation rule, through its $Default rule", async () => {
    opened.running = await startWith({ topics: [topicWith([forR0A("trust")])] });
    await sendForTrusts(opened.running, ["R0A", "RTH"]);
    expect(await bodiesIn(opened.running)).toEqual(["R0A", "RTH"]);
  });

  it("lists $Default as the true filter 1=1 beside the configured rule", async () => {
    opened.running = await startWith({ topics: [topicWith([forR0A("trust")])] });
    const listed = await listedRules(opened.running);
    expect(listed.map((rule) => [rule.name, rule.filter])).toEqual([
      ["$Default", { sqlExpression: "1=1" }],
      ["trust", expect.objectContaining({ applicationProperties: { trustId: "R0A" } })],
    ]);
  });

  it("lists $Default alone for a subscription configured without rules", async () => {
    opened.running = await startWith({
      topics: [{ Name: "share-events", Subscriptions: [{ Name: "trust-R0A" }] }],
    });
    const listed = await listedRules(opened.running);
    expect(listed.map((rule) => [rule.name, rule.filter])).toEqual([["$Default", { sqlExpression: "1=1" }]]);
  });

  it("filters by the configured rule alone once $Default is deleted through the rule manager", async () => {
    opened.running = await startWith({ topics: [topicWith([forR0A("trust")])] });
    await opened.running.client.createRuleManager("share-events", "trust-R0A").deleteRule("$Default");
    expect((await listedRules(opened.running)).map((rule) => rule.name)).toEqual(["trust"]);
    await sendForTrusts(opened.running, ["R0A", "RTH"]);
    expect(await bodiesIn(opened.running)).toEqual(["R0A"]);
  });

  it("refuses to create $Default through the rule manager while it exists, and takes a new one once it is deleted", async () => {
    opened.running = await startWith({ topics: [topicWith([forR0A("trust")])] });
    const rules = opened.running.client.createRuleManager("share-events", "trust-R0A");
    await expect(rules.createRule("$Default", { sqlExpression: "trustId = 'RTH'" })).rejects.toThrow(
      /already exists/,
    );
    await rules.deleteRule("$Default");
    await rules.createRule("$Default", { sqlExpression: "trustId = 'RTH'" });
    await sendForTrusts(opened.running, ["R0A", "RTH", "RJ1"]);
    expect(await bodiesIn(opened.running)).toEqual(["R0A", "RTH"]);
  });

  it("takes a configured rule named $Default as the subscription's $Default rule, with no true rule beside it", async () => {
    opened.running = await startWith({ topics: [topicWith([forR0A("$Default")])] });
    const listed = await listedRules(opened.running);
    expect(listed.map((rule) => [rule.name, rule.filter])).toEqual([
      ["$Default", expect.objectContaining({ applicationProperties: { trustId: "R0A" } })],
    ]);
    await sendForTrusts(opened.running, ["R0A", "RTH"]);
    expect(await bodiesIn(opened.running)).toEqual(["R0A"]);
  });

  it("matches a configured $Default rule's name regardless of case, as Service Bus matches rule names", async () => {
    opened.running = await startWith({ topics: [topicWith([forR0A("$DEFAULT")])] });
    expect(await listedRules(opened.running)).toHaveLength(1);
    await sendForTrusts(opened.running, ["R0A", "RTH"]);
    expect(await bodiesIn(opened.running)).toEqual(["R0A"]);
  });
});
