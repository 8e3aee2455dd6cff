// The share endpoints' request and response shapes (API.md section 1), shared by their function files and the
// OpenAPI document.

import * as z from "zod";
import { ACCESS_KEY_TYPE, SHAREABLE_CREDENTIAL_TYPES, shareableCredentialType } from "../domain/catalogue.js";
import { PROTOCOLS } from "../domain/trust.js";

const credentialType = z
  .string()
  .max(100)
  .refine((type) => type !== ACCESS_KEY_TYPE, "the access key is never shared")
  .refine(
    (type) => type === ACCESS_KEY_TYPE || shareableCredentialType(type) !== undefined,
    "not a shareable credential type (see GET /api/credential-types)",
  );

/** A list of shareable credential types, each once: what a share carries and what a trust may ask for. */
export function credentialTypeList(emptyMessage: string) {
  return z
    .array(credentialType)
    .min(1, emptyMessage)
    .max(SHAREABLE_CREDENTIAL_TYPES.length)
    .superRefine((types, ctx) => {
      types.forEach((type, index) => {
        if (types.indexOf(type) !== index) {
          ctx.addIssue({ code: "custom", path: [index], message: `${type} is listed more than once` });
        }
      });
    });
}

/** Identifiers the service mints are 22 URL-safe characters; a longer value is refused before any lookup. */
export const mintedIdParam = z.string().max(64);

/** `verifiedid` (Microsoft Authenticator) or `openid4vp` (a standard wallet): one the trust offers. */
export const protocolParam = z.enum(PROTOCOLS).exactOptional();

export const startShareSchema = z.strictObject({
  credentialTypes: credentialTypeList("choose at least one credential to share"),
  /** The trust's credential request this share answers (GET /api/credential-requests). */
  requestId: mintedIdParam.exactOptional(),
  /** The session's wallet's protocol, which is the default (API.md section 9). */
  protocol: protocolParam,
});

export const startedShareSchema = z.object({
  shareId: z.string(),
  trustId: z.string(),
  credentialTypes: z.array(z.string()),
  url: z.string(),
  qrCode: z.string(),
  expiresAt: z.string(),
});

export const shareViewSchema = z.object({
  shareId: z.string(),
  trustId: z.string(),
  status: z.enum(["pending", "scanned", "shared", "failed", "expired", "cancelled"]),
  credentialTypes: z.array(z.string()),
  createdAt: z.string(),
  expiresAt: z.string(),
  sharedAt: z.string().optional(),
  credentials: z
    .array(
      z.object({
        type: z.string(),
        issuer: z.string(),
        decision: z
          .object({
            decision: z.enum(["accepted", "rejected"]),
            reason: z.string().optional(),
            decidedAt: z.string(),
          })
          .optional(),
      }),
    )
    .optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  requestId: z.string().optional(),
  missingTypes: z.array(z.string()).optional(),
});

export const shareIdParams = z.object({ shareId: mintedIdParam });
