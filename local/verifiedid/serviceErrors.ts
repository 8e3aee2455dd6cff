// Error replies in the Request Service's shape: { requestId, date, mscv, error: { code, message, innererror } },
// with the outer code mirroring the HTTP status and the inner code saying what to do about it.
import { randomBytes, randomUUID } from "node:crypto";
import type { Reply } from "./http.js";

const outerCodes: Readonly<Record<number, readonly [string, string]>> = {
  400: ["badRequest", "The request is invalid."],
  401: ["unauthorized", "The request is not authorized."],
  404: ["notFound", "The requested resource was not found."],
  405: ["methodNotAllowed", "The method is not allowed."],
  413: ["payloadTooLarge", "The request is too large."],
  415: ["unsupportedMediaType", "The media type is not supported."],
  429: ["tooManyRequests", "Too many requests."],
  500: ["internalServerError", "An internal error occurred."],
  503: ["serviceUnavailable", "The service is unavailable."],
};

export type InnerError = {
  /** `badOrMissingField`, `notFound`, `tokenError` or `transientError`. */
  readonly code: string;
  readonly message: string;
  readonly target?: string;
};

export function serviceError(
  status: number,
  inner: InnerError,
  headers?: Readonly<Record<string, string>>,
): Reply {
  const [code, message] = outerCodes[status] ?? ["error", "The request failed."];
  return {
    status,
    ...(headers !== undefined ? { headers } : {}),
    body: {
      requestId: randomUUID(),
      date: new Date().toUTCString(),
      mscv: randomBytes(12).toString("base64url"),
      error: { code, message, innererror: { ...inner } },
    },
  };
}
