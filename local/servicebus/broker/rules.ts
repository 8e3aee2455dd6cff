// Subscription rules: a named filter (true, false, SQL or correlation) that decides which topic messages a
// subscription receives. Every subscription starts with Service Bus's `$Default` true rule.
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

const DEFAULT_RULE_NAME = "$Default";

/**
 * The rules a subscription is created with: Service Bus's `$Default` true rule, then its configured rules.
 * Rules are OR-ed, so beside `$Default` a configured filter filters nothing, as in Azure. A configured rule
 * named `$Default` (names are case-insensitive) takes its place, as an ARM template declaring `$Default`
 * replaces it.
 */
export function subscriptionRules(configured: readonly RuleConfig[] = []): Rule[] {
  const rules = configured.map(ruleFromConfig);
  const namesDefault = rules.some((rule) => rule.name.toLowerCase() === DEFAULT_RULE_NAME.toLowerCase());
  return namesDefault ? rules : [createRule(DEFAULT_RULE_NAME, { kind: "true" }), ...rules];
}

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
