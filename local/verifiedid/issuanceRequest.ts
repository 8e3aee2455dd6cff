// Validation of createIssuanceRequest bodies as Microsoft documents them (issuance-request-api): unknown fields,
// missing or mistyped fields, a PIN outside 4 to 16 digits, callback headers other than api-key/Authorization and
// an expirationDate not in the future are 400 badOrMissingField naming the field in `target`.
import { createHash, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { InnerError } from "./serviceErrors.js";

const nonEmpty = z.string().min(1);
const did = z.string().regex(/^did:[a-z0-9]+:.+$/, "The value is not a valid DID.");
const httpUrl = z.string().refine(isHttpUrl, "URL is not a valid absolute http(s) URL.");

// Only these may be forwarded to the callback; anything else is an "invalid callback header" in the real service.
const ALLOWED_CALLBACK_HEADERS = new Set(["api-key", "authorization"]);

/** The PIN's documented bounds: "The default length is 6, the minimum is 4, and the maximum is 16." */
export const PIN_DEFAULT_LENGTH = 6;
const PIN_MIN_LENGTH = 4;
const PIN_MAX_LENGTH = 16;

const callbackSchema = z.strictObject({
  url: httpUrl,
  state: nonEmpty,
  headers: z
    .record(z.string(), z.string())
    .superRefine((headers, context) => {
      for (const name of Object.keys(headers)) {
        if (!ALLOWED_CALLBACK_HEADERS.has(name.toLowerCase())) {
          context.addIssue({
            code: "custom",
            message: `Invalid callback header '${name}': only api-key and Authorization are supported.`,
          });
        }
      }
    })
    .optional(),
});

// A numeric PIN in plain text, or hashed as Microsoft documents it: `value` is Base64(SHA-256(salt + PIN)), with
// `salt`, `alg: "sha256"` and `iterations: 1` all given.
const pinSchema = z
  .strictObject({
    value: nonEmpty,
    type: z.literal("numeric").optional(),
    length: z.number().int().min(PIN_MIN_LENGTH).max(PIN_MAX_LENGTH).default(PIN_DEFAULT_LENGTH),
    salt: z.string().optional(),
    alg: z.literal("sha256").optional(),
    iterations: z.literal(1).optional(),
  })
  .superRefine((pin, context) => {
    const hashed = pin.salt !== undefined || pin.alg !== undefined || pin.iterations !== undefined;
    if (hashed) {
      for (const field of ["salt", "alg", "iterations"] as const) {
        if (pin[field] === undefined) {
          context.addIssue({ code: "custom", path: [field], message: `A hashed PIN needs '${field}'.` });
        }
      }
      if (!/^[A-Za-z0-9+/]{43}=$/.test(pin.value)) {
        context.addIssue({
          code: "custom",
          path: ["value"],
          message: "A hashed PIN's value must be a Base64 SHA-256 hash.",
        });
      }
      return;
    }
    if (!/^\d+$/.test(pin.value)) {
      context.addIssue({ code: "custom", path: ["value"], message: "The PIN value must be digits only." });
    } else if (pin.value.length !== pin.length) {
      context.addIssue({
        code: "custom",
        path: ["value"],
        message: `The PIN value must have ${pin.length} digits.`,
      });
    }
  });

export type IssuancePin = z.infer<typeof pinSchema>;

/** Whether the PIN the person typed is the offer's, for a plain or a hashed PIN. */
export function pinMatches(pin: IssuancePin, typed: string): boolean {
  if (!/^\d+$/.test(typed) || typed.length !== pin.length) return false;
  const expected = pin.salt === undefined ? Buffer.from(pin.value, "utf8") : Buffer.from(pin.value, "base64");
  const given =
    pin.salt === undefined
      ? Buffer.from(typed, "utf8")
      : createHash("sha256")
          .update(pin.salt + typed, "utf8")
          .digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const issuanceRequestSchema = z.strictObject({
  authority: did,
  includeQRCode: z.boolean().optional(),
  registration: z.strictObject({
    clientName: nonEmpty,
    logoUrl: httpUrl.optional(),
    termsOfServiceUrl: httpUrl.optional(),
  }),
  callback: callbackSchema,
  type: nonEmpty,
  manifest: httpUrl,
  pin: pinSchema.optional(),
  claims: z.record(z.string(), z.string()).optional(),
  expirationDate: z.iso.datetime({ offset: true, message: "The value is not an ISO 8601 date." }).optional(),
});

export type IssuanceRequestBody = z.infer<typeof issuanceRequestSchema>;

export function validateIssuanceRequest(
  json: unknown,
  now: Date,
):
  | { readonly ok: true; readonly body: IssuanceRequestBody }
  | { readonly ok: false; readonly inner: InnerError } {
  const parsed = issuanceRequestSchema.safeParse(json);
  if (!parsed.success) return { ok: false, inner: innerErrorOf(parsed.error, json) };
  const body = parsed.data;
  // A credential that expires before it could be accepted would be useless; the service refuses it up front.
  if (body.expirationDate !== undefined && Date.parse(body.expirationDate) <= now.getTime()) {
    return {
      ok: false,
      inner: {
        code: "badOrMissingField",
        message: "The expirationDate must be in the future.",
        target: "expirationDate",
      },
    };
  }
  return { ok: true, body };
}

/** The manifest URL's contract id: `.../contracts/<contractId>/manifest`, or its last segment otherwise. */
export function contractIdOf(manifest: string): string {
  const segments = new URL(manifest).pathname.split("/").filter((segment) => segment !== "");
  const last = segments.at(-1) ?? "";
  return decodeURIComponent(last === "manifest" ? (segments.at(-2) ?? "") : last);
}

// The real service reports one field at a time.
function innerErrorOf(error: z.ZodError, json: unknown): InnerError {
  const issue = error.issues[0];
  if (issue === undefined) return { code: "badOrMissingField", message: "The request is invalid." };
  const path = issue.code === "unrecognized_keys" ? [...issue.path, issue.keys[0] ?? ""] : issue.path;
  const target = formatTarget(path);
  const message =
    issue.code === "unrecognized_keys"
      ? `Unknown field '${target}'.`
      : issue.code === "invalid_type"
        ? valueAt(json, issue.path) === undefined
          ? `Missing required field '${target}'.`
          : `Field '${target}' must be of type ${issue.expected}.`
        : issue.message;
  return { code: "badOrMissingField", message, ...(target !== "" ? { target } : {}) };
}

/** Field path in the service's style: `callback.headers`, `pin.value`. */
function formatTarget(path: readonly PropertyKey[]): string {
  let target = "";
  for (const part of path) {
    if (typeof part === "number") target += `[${part}]`;
    else target += target === "" ? String(part) : `.${String(part)}`;
  }
  return target;
}

// Zod does not report the offending input by default; look it up to tell "missing" from "wrong type".
function valueAt(json: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = json;
  for (const part of path) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[part];
  }
  return current;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "https:" || url.protocol === "http:") && url.hostname !== "";
  } catch {
    return false;
  }
}
