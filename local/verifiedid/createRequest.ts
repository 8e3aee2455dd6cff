// Validation of createPresentationRequest bodies as strictly as the Request Service: unknown fields, missing
// required fields, callback headers other than api-key/Authorization and malformed URLs are 400 badOrMissingField
// naming the field in `target`. Unlike the real service, local callback URLs are allowed.
import { z } from "zod";
import type { InnerError } from "./serviceErrors.js";

const nonEmpty = z.string().min(1);
const did = z.string().regex(/^did:[a-z0-9]+:.+$/, "The value is not a valid DID.");
const httpUrl = z.string().refine(isHttpUrl, "URL is not a valid absolute http(s) URL.");

// Only these may be forwarded to the callback; anything else is an "invalid callback header" in the real service.
const ALLOWED_CALLBACK_HEADERS = new Set(["api-key", "authorization"]);

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

const constraintSchema = z.union(
  [
    z.strictObject({ claimName: nonEmpty, values: z.array(nonEmpty).min(1) }),
    z.strictObject({ claimName: nonEmpty, contains: nonEmpty }),
    z.strictObject({ claimName: nonEmpty, startsWith: nonEmpty }),
  ],
  "A constraint needs claimName and exactly one of values, contains or startsWith.",
);

const requestedCredentialSchema = z.strictObject({
  type: nonEmpty,
  purpose: z.string().optional(),
  acceptedIssuers: z.array(did).optional(),
  configuration: z
    .strictObject({
      validation: z
        .strictObject({
          allowRevoked: z.boolean().optional(),
          validateLinkedDomain: z.boolean().optional(),
          faceCheck: z
            .strictObject({
              sourcePhotoClaimName: nonEmpty,
              matchConfidenceThreshold: z.number().int().min(50).max(100).optional(),
            })
            .optional(),
        })
        .optional(),
    })
    .optional(),
  constraints: z.array(constraintSchema).optional(),
});

export const createRequestSchema = z.strictObject({
  authority: did,
  includeQRCode: z.boolean().optional(),
  includeReceipt: z.boolean().optional(),
  registration: z.strictObject({
    clientName: nonEmpty,
    purpose: z.string().optional(),
    logoUrl: httpUrl.optional(),
    termsOfServiceUrl: httpUrl.optional(),
  }),
  callback: callbackSchema,
  requestedCredentials: z
    .array(requestedCredentialSchema)
    .min(1, "At least one requested credential is required."),
});

export type CreateRequestBody = z.infer<typeof createRequestSchema>;
export type RequestedCredential = CreateRequestBody["requestedCredentials"][number];
export type Constraint = NonNullable<RequestedCredential["constraints"]>[number];

export function validateCreateRequest(
  json: unknown,
):
  | { readonly ok: true; readonly body: CreateRequestBody }
  | { readonly ok: false; readonly inner: InnerError } {
  const parsed = createRequestSchema.safeParse(json);
  if (parsed.success) return { ok: true, body: parsed.data };
  // The real service reports one field at a time.
  const issue = parsed.error.issues[0];
  if (issue === undefined) {
    return { ok: false, inner: { code: "badOrMissingField", message: "The request is invalid." } };
  }
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
  return { ok: false, inner: { code: "badOrMissingField", message, ...(target !== "" ? { target } : {}) } };
}

/** Field path in the service's style: `requestedCredentials[0].type`, `callback.url`. */
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
