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

/** Describes a caught error for a log line without its stack or any data it may carry. */
export function describeError(error: unknown): LogFields {
  if (error instanceof ServiceError) {
    return { errorName: error.name, errorCode: error.code, ...error.logDetails() };
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      errorName: error.name,
      errorCode: typeof code === "string" || typeof code === "number" ? code : undefined,
    };
  }
  return { errorName: typeof error };
}
