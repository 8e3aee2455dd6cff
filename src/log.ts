// Structured logging: one JSON object per line, always with the correlation id. Callers pass identifiers and
// outcomes only; bodies, claims, tokens and keys never reach a log line.
import type { InvocationContext } from "@azure/functions";
import type { LogFields, Logger } from "./app/ports.js";
import { ServiceError } from "./errors.js";

export type { LogFields, Logger };

type Sink = (level: "info" | "warn" | "error", line: string) => void;

function makeLogger(sink: Sink, base: LogFields): Logger {
  const write = (level: "info" | "warn" | "error", message: string, fields?: LogFields) =>
    sink(level, JSON.stringify({ level, message, ...base, ...fields }));
  return {
    info: (message, fields) => write("info", message, fields),
    warn: (message, fields) => write("warn", message, fields),
    error: (message, fields) => write("error", message, fields),
    with: (fields) => makeLogger(sink, { ...base, ...fields }),
  };
}

/** A logger that writes through the Functions invocation context, so lines land in Application Insights. */
export function invocationLogger(context: InvocationContext, base: LogFields = {}): Logger {
  return makeLogger(
    (level, line) => {
      if (level === "error") context.error(line);
      else if (level === "warn") context.warn(line);
      else context.info(line);
    },
    { functionName: context.functionName, invocationId: context.invocationId, ...base },
  );
}

/** A logger outside any invocation (the Functions host takes a worker's console lines as its logs). */
export function processLogger(base: LogFields = {}): Logger {
  return makeLogger((level, line) => {
    if (level === "error") console.error(line);
    else if (level === "warn") console.warn(line);
    else console.info(line);
  }, base);
}

/**
 * What Cosmos DB says about a failed call that an operator needs to find it in the service's own diagnostics:
 * status, substatus and activity id (from the error or its `x-ms-activity-id` header). Never the body, which
 * may quote the request.
 */
function cosmosFailureFields(error: unknown): LogFields {
  if (typeof error !== "object" || error === null) return {};
  const failure = error as {
    code?: unknown;
    substatus?: unknown;
    activityId?: unknown;
    headers?: Record<string, unknown>;
  };
  const headerActivityId = failure.headers?.["x-ms-activity-id"];
  const activityId = typeof failure.activityId === "string" ? failure.activityId : headerActivityId;
  const headerSubstatus = Number(failure.headers?.["x-ms-substatus"]);
  const substatus =
    typeof failure.substatus === "number"
      ? failure.substatus
      : Number.isInteger(headerSubstatus)
        ? headerSubstatus
        : 0; // Cosmos DB leaves out x-ms-substatus when it is 0, "none".
  if (typeof failure.code !== "number" && typeof activityId !== "string") return {};
  return {
    cosmosStatus: typeof failure.code === "number" ? failure.code : undefined,
    cosmosSubstatus: typeof failure.code === "number" ? substatus : undefined,
    cosmosActivityId: typeof activityId === "string" ? activityId : undefined,
  };
}

/** Describes a caught error for a log line without its stack or any data it may carry. */
export function describeError(error: unknown): LogFields {
  if (error instanceof ServiceError) {
    return {
      errorName: error.name,
      errorCode: error.code,
      ...error.logDetails(),
      ...(error.code === "dependency_unavailable" ? cosmosFailureFields(error.cause) : {}),
    };
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      errorName: error.name,
      errorCode: typeof code === "string" || typeof code === "number" ? code : undefined,
      ...cosmosFailureFields(error),
    };
  }
  return { errorName: typeof error };
}
