// The Config.json format of Microsoft's Service Bus emulator, as a zod schema, so that one file configures either
// emulator. Limits that only reflect Microsoft's quotas (such as the PT5M duplicate window) are not enforced here.
import { z } from "zod";
import { parseSqlFilter } from "../broker/filters/sqlParser.js";
import { parseDuration } from "./duration.js";
import { forwardingProblems, nameProblems } from "./references.js";

const duration = z
  .string()
  .refine((text) => parseDuration(text) !== undefined && (parseDuration(text) ?? 0) > 0, {
    message: "must be a positive ISO 8601 duration such as PT1M",
  });

const entityName = z.string().min(1).max(260);

// Microsoft's sample files write "" for "no forwarding", so an empty string means absent.
const forwardTarget = z.string().optional();

const queueProperties = z
  .object({
    DeadLetteringOnMessageExpiration: z.boolean().optional(),
    DefaultMessageTimeToLive: duration.optional(),
    DuplicateDetectionHistoryTimeWindow: duration.optional(),
    ForwardDeadLetteredMessagesTo: forwardTarget,
    ForwardTo: forwardTarget,
    LockDuration: duration.optional(),
    MaxDeliveryCount: z.number().int().min(1).optional(),
    RequiresDuplicateDetection: z.boolean().optional(),
    RequiresSession: z.boolean().optional(),
  })
  .strict();

const topicProperties = z
  .object({
    DefaultMessageTimeToLive: duration.optional(),
    DuplicateDetectionHistoryTimeWindow: duration.optional(),
    RequiresDuplicateDetection: z.boolean().optional(),
  })
  .strict();

const subscriptionProperties = z
  .object({
    DeadLetteringOnMessageExpiration: z.boolean().optional(),
    DefaultMessageTimeToLive: duration.optional(),
    ForwardDeadLetteredMessagesTo: forwardTarget,
    ForwardTo: forwardTarget,
    LockDuration: duration.optional(),
    MaxDeliveryCount: z.number().int().min(1).optional(),
    RequiresSession: z.boolean().optional(),
  })
  .strict();

const correlationFilter = z
  .object({
    ContentType: z.string().optional(),
    CorrelationId: z.string().optional(),
    Label: z.string().optional(),
    MessageId: z.string().optional(),
    ReplyTo: z.string().optional(),
    ReplyToSessionId: z.string().optional(),
    SessionId: z.string().optional(),
    To: z.string().optional(),
    Properties: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  })
  .strict();

function sqlProblem(expression: string): string | undefined {
  try {
    parseSqlFilter(expression);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

const sqlExpression = z
  .string()
  .min(1)
  .superRefine((expression, context) => {
    const problem = sqlProblem(expression);
    if (problem) context.addIssue({ code: "custom", message: `not a supported SQL filter: ${problem}` });
  });

// Every object is strict: a misspelt key ("Subscriptons") would otherwise be dropped silently, leaving an entity
// configured differently from what the file says.
const rule = z
  .object({
    Name: entityName,
    Properties: z
      .object({
        FilterType: z.enum(["Correlation", "Sql"]),
        CorrelationFilter: correlationFilter.optional(),
        SqlFilter: z.object({ SqlExpression: sqlExpression }).strict().optional(),
        Action: z.object({ SqlExpression: z.string() }).strict().optional(),
      })
      .strict()
      .refine(
        (p) => (p.FilterType === "Sql" ? p.SqlFilter !== undefined : p.CorrelationFilter !== undefined),
        {
          message: "a Sql rule needs SqlFilter and a Correlation rule needs CorrelationFilter",
        },
      ),
  })
  .strict();

const subscription = z
  .object({
    Name: entityName,
    Properties: subscriptionProperties.optional(),
    Rules: z.array(rule).optional(),
  })
  .strict();

const topic = z
  .object({
    Name: entityName,
    Properties: topicProperties.optional(),
    Subscriptions: z.array(subscription).default([]),
  })
  .strict();

const queue = z.object({ Name: entityName, Properties: queueProperties.optional() }).strict();

const namespace = z
  .object({
    Name: z.string().min(1),
    Queues: z.array(queue).default([]),
    Topics: z.array(topic).default([]),
  })
  .strict()
  .superRefine((entities, context) => {
    for (const problem of [...nameProblems(entities), ...forwardingProblems(entities)]) {
      context.addIssue({ code: "custom", path: problem.path, message: problem.message });
    }
  });

export const emulatorConfigSchema = z
  .object({
    UserConfig: z
      .object({
        Namespaces: z.array(namespace).min(1),
        Logging: z.object({ Type: z.string() }).strict().optional(),
      })
      .strict(),
  })
  .strict();

/** A Config.json as written (before defaults such as empty entity lists are filled in). */
export type EmulatorConfig = z.input<typeof emulatorConfigSchema>;
/** A validated Config.json. */
export type ValidEmulatorConfig = z.output<typeof emulatorConfigSchema>;
export type QueueConfig = z.output<typeof queue>;
export type TopicConfig = z.output<typeof topic>;
export type SubscriptionConfig = z.output<typeof subscription>;
export type RuleConfig = z.output<typeof rule>;
