// Correlation filters: every field that is set must equal the message's, and every listed property must match.
import type { Message } from "rhea";
import { applicationProperty, type FilterValue, systemProperty } from "./properties.js";

export interface CorrelationSpec {
  correlationId?: string | undefined;
  messageId?: string | undefined;
  to?: string | undefined;
  replyTo?: string | undefined;
  subject?: string | undefined;
  sessionId?: string | undefined;
  replyToSessionId?: string | undefined;
  contentType?: string | undefined;
  properties: Record<string, unknown>;
}

const SYSTEM_FIELDS: ReadonlyArray<[keyof CorrelationSpec, string]> = [
  ["correlationId", "CorrelationId"],
  ["messageId", "MessageId"],
  ["to", "To"],
  ["replyTo", "ReplyTo"],
  ["subject", "Label"],
  ["sessionId", "SessionId"],
  ["replyToSessionId", "ReplyToSessionId"],
  ["contentType", "ContentType"],
];

function same(actual: FilterValue, expected: unknown): boolean {
  if (actual instanceof Date && expected instanceof Date) return actual.getTime() === expected.getTime();
  return actual === expected;
}

export function matchesCorrelation(spec: CorrelationSpec, message: Message): boolean {
  for (const [field, systemName] of SYSTEM_FIELDS) {
    const expected = spec[field];
    if (typeof expected === "string" && systemProperty(message, systemName) !== expected) return false;
  }
  for (const [name, expected] of Object.entries(spec.properties)) {
    if (!same(applicationProperty(message, name), expected)) return false;
  }
  return true;
}
