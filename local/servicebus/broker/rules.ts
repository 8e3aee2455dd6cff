// Subscription rules: a named filter (true, false, SQL or correlation) that decides which topic messages a
// subscription receives. A subscription without configured rules gets Service Bus's `$Default` true rule.
import type { Message } from "rhea";
import type { RuleConfig } from "../config/schema.js";
import { type CorrelationSpec, matchesCorrelation } from "./filters/correlation.js";
import { compileSqlFilter } from "./filters/sqlEvaluate.js";

export type FilterSpec =
  | { kind: "true" }
  | { kind: "false" }
  | { kind: "sql"; expression: string }
  | { kind: "correlation"; correlation: CorrelationSpec };

export interface Rule {
  readonly name: string;
  readonly filter: FilterSpec;
  readonly action: string | undefined;
  matches(message: Message): boolean;
}

export function createRule(name: string, filter: FilterSpec, action?: string): Rule {
  let matches: (message: Message) => boolean;
  switch (filter.kind) {
    case "true":
      matches = () => true;
      break;
    case "false":
      matches = () => false;
      break;
    case "sql": {
      const trimmed = filter.expression.trim();
      matches = trimmed === "1=1" ? () => true : trimmed === "1=0" ? () => false : compileSqlFilter(trimmed);
      break;
    }
    case "correlation":
      matches = (message) => matchesCorrelation(filter.correlation, message);
      break;
  }
  return { name, filter, action, matches };
}

export const defaultRule = (): Rule => createRule("$Default", { kind: "true" });

export function ruleFromConfig(config: RuleConfig): Rule {
  const p = config.Properties;
  const action = p.Action?.SqlExpression;
  if (p.FilterType === "Sql") {
    return createRule(config.Name, { kind: "sql", expression: p.SqlFilter?.SqlExpression ?? "1=1" }, action);
  }
  const c = p.CorrelationFilter ?? {};
  const correlation: CorrelationSpec = {
    correlationId: c.CorrelationId,
    messageId: c.MessageId,
    to: c.To,
    replyTo: c.ReplyTo,
    subject: c.Label,
    sessionId: c.SessionId,
    replyToSessionId: c.ReplyToSessionId,
    contentType: c.ContentType,
    properties: c.Properties ?? {},
  };
  return createRule(config.Name, { kind: "correlation", correlation }, action);
}
