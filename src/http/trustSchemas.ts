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

/** An event id (a SET's `jti`) as a trust names it in a poll. */
const jti = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, "an event id (the SET's jti)");

/** RFC 8936 section 2.4: the poll request. Members other RFCs add are ignored, as the RFC asks. */
export const pollRequestSchema = z
  .object({
    maxEvents: z.number().int().min(0).max(100).exactOptional(),
    returnImmediately: z.boolean().exactOptional(),
    ack: z.array(jti).max(100).exactOptional(),
    setErrs: z
      .record(
        jti,
        z.object({
          err: z.string().regex(/^[A-Za-z0-9_]{1,64}$/, "an RFC 8935 error code"),
          description: z.string().max(500).exactOptional(),
        }),
      )
      .refine((errors) => Object.keys(errors).length <= 100, "at most 100 reported errors")
      .exactOptional(),
  })
  .refine((body) => !(body.ack ?? []).some((id) => body.setErrs?.[id] !== undefined), {
    message: "an event is either acknowledged or reported, not both",
    path: ["setErrs"],
  });

/** RFC 8936 section 2.5: SETs by jti; `moreAvailable` when the trust should poll again at once. */
export const pollAnswerSchema = z.object({
  sets: z.record(z.string(), z.string()),
  moreAvailable: z.boolean().optional(),
});
