// The trust API's and the credential request endpoints' request and response shapes (API.md section 7), shared
// by their function files and the OpenAPI document.
import * as z from "zod";
import { credentialTypeList, mintedIdParam } from "./shareSchemas.js";

/** Reasons and messages are read by people: at most 500 characters (API.md section 7), and not blank. */
const REASON_MAX = 500;
const reason = z
  .string()
  .max(REASON_MAX, `at most ${REASON_MAX} characters`)
  .refine((text) => text.trim() !== "", "must not be blank");

export const decisionSchema = z
  .strictObject({
    decision: z.enum(["accepted", "rejected"]),
    reason: reason.exactOptional(),
  })
  .refine((body) => body.decision !== "rejected" || body.reason !== undefined, {
    message: "a rejection needs a reason",
    path: ["reason"],
  });

export const decisionParams = z.object({ shareId: mintedIdParam, type: z.string().max(100) });

export const decisionViewSchema = z.object({
  shareId: z.string(),
  type: z.string(),
  decision: z.enum(["accepted", "rejected"]),
  reason: z.string().optional(),
  decidedAt: z.string(),
});

export const newCredentialRequestSchema = z.strictObject({
  staffId: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[\x21-\x7e]+$/, "printable ASCII without spaces"),
  credentialTypes: credentialTypeList("ask for at least one credential"),
  message: reason.exactOptional(),
});

export const declineSchema = z.strictObject({ reason });

export const requestIdParams = z.object({ requestId: mintedIdParam });

export const credentialRequestViewSchema = z.object({
  requestId: z.string(),
  trustId: z.string(),
  staffId: z.string(),
  credentialTypes: z.array(z.string()),
  message: z.string().optional(),
  status: z.enum(["open", "fulfilled", "declined", "withdrawn"]),
  createdAt: z.string(),
  shareId: z.string().optional(),
  missingTypes: z.array(z.string()).optional(),
  fulfilledAt: z.string().optional(),
  reason: z.string().optional(),
  declinedAt: z.string().optional(),
  withdrawnAt: z.string().optional(),
});

export const credentialRequestListSchema = z.object({ requests: z.array(credentialRequestViewSchema) });
