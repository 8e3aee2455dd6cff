// $management operations of the subscription rule manager: add, remove and list rules, with rule descriptions
// in the described-type encoding the SDK decodes.
import rhea from "rhea";
import { BrokerError, Condition } from "../broker/errors.js";
import type { CorrelationSpec } from "../broker/filters/correlation.js";
import { SqlSyntaxError } from "../broker/filters/sqlLexer.js";
import { createRule, type FilterSpec, type Rule } from "../broker/rules.js";
import { noContent, type Operation, ok } from "./operation.js";

const t = rhea.types;
const described = (code: number, fields: unknown[]): unknown =>
  t.described(t.wrap_ulong(code), t.wrap_list(fields));
const text = (value: string | undefined): unknown => (value === undefined ? null : t.wrap_string(value));

function encodeFilter(filter: FilterSpec): unknown {
  switch (filter.kind) {
    case "true":
      return described(0x1370000007, []);
    case "false":
      return described(0x1370000008, []);
    case "sql":
      return described(0x1370000006, [t.wrap_string(filter.expression)]);
    case "correlation": {
      const c = filter.correlation;
      return described(0x1370000009, [
        text(c.correlationId),
        text(c.messageId),
        text(c.to),
        text(c.replyTo),
        text(c.subject),
        text(c.sessionId),
        text(c.replyToSessionId),
        text(c.contentType),
        t.wrap_map(c.properties),
      ]);
    }
  }
}

function encodeRule(rule: Rule): unknown {
  const action =
    rule.action === undefined
      ? described(0x13700000005, [])
      : described(0x13700000006, [t.wrap_string(rule.action)]);
  return described(0x13700000004, [encodeFilter(rule.filter), action, t.wrap_string(rule.name)]);
}

const field = (map: Record<string, unknown>, key: string): string | undefined => {
  const value = map[key];
  return typeof value === "string" ? value : undefined;
};

function decodeFilter(description: Record<string, unknown>): FilterSpec {
  const sql = description["sql-filter"] as Record<string, unknown> | undefined;
  if (sql) return { kind: "sql", expression: field(sql, "expression") ?? "1=1" };
  const c = description["correlation-filter"] as Record<string, unknown> | undefined;
  if (!c) return { kind: "true" };
  const correlation: CorrelationSpec = {
    correlationId: field(c, "correlation-id"),
    messageId: field(c, "message-id"),
    to: field(c, "to"),
    replyTo: field(c, "reply-to"),
    subject: field(c, "label"),
    sessionId: field(c, "session-id"),
    replyToSessionId: field(c, "reply-to-session-id"),
    contentType: field(c, "content-type"),
    properties: (c.properties as Record<string, unknown> | undefined) ?? {},
  };
  return { kind: "correlation", correlation };
}

export const ruleOperations: Record<string, Operation> = {
  "com.microsoft:add-rule": ({ entityPath, body, namespace }) => {
    const subscription = namespace.subscription(entityPath);
    const name = field(body, "rule-name");
    const description = (body["rule-description"] ?? {}) as Record<string, unknown>;
    if (!name) throw new BrokerError(Condition.argumentError, "rule-name is required.");
    if (subscription.rules.some((rule) => rule.name.toLowerCase() === name.toLowerCase())) {
      throw new BrokerError(Condition.argumentError, `The rule '${name}' already exists.`);
    }
    const action = description["sql-rule-action"] as Record<string, unknown> | undefined;
    try {
      const expression = action ? field(action, "expression") : undefined;
      subscription.rules.push(createRule(name, decodeFilter(description), expression));
    } catch (error) {
      if (error instanceof SqlSyntaxError) throw new BrokerError(Condition.argumentError, error.message);
      throw error;
    }
    return ok();
  },

  "com.microsoft:remove-rule": ({ entityPath, body, namespace }) => {
    const subscription = namespace.subscription(entityPath);
    const name = field(body, "rule-name") ?? "";
    const index = subscription.rules.findIndex((rule) => rule.name.toLowerCase() === name.toLowerCase());
    if (index < 0) throw new BrokerError(Condition.notFound, `The rule '${name}' does not exist.`);
    subscription.rules.splice(index, 1);
    return ok();
  },

  "com.microsoft:enumerate-rules": ({ entityPath, body, namespace }) => {
    const subscription = namespace.subscription(entityPath);
    const skip = typeof body.skip === "number" ? body.skip : 0;
    const top = typeof body.top === "number" ? body.top : 100;
    const page = subscription.rules.slice(skip, skip + top);
    if (page.length === 0) return noContent();
    return ok({ rules: t.wrap_list(page.map((rule) => ({ "rule-description": encodeRule(rule) }))) });
  },
};
