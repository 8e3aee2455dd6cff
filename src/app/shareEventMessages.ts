// What the share event consumers accept as a message body: a ShareEvent reference (of either type; its payload is
// in Blob storage, and anything else a body carries is dropped unread) from the topic, or a DeliveryRetry
// reference from the delivery queue. Anything else is malformed and goes to a dead-letter queue with the reason.
import * as z from "zod";
import {
  CREDENTIAL_REQUEST_DECLINED_EVENT,
  CREDENTIALS_SHARED_EVENT,
  type ShareEvent,
} from "../domain/shareEvent.js";
import type { DeliveryRetry } from "./ports.js";

const text = z.string().min(1).max(1024);
const trustId = z.string().regex(/^[A-Za-z0-9]{1,20}$/);
const eventId = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/);
const instant = z.iso.datetime({ offset: true });

const sameTrust = {
  message: "data.trustId differs from trustId",
  path: ["data", "trustId"],
};

const credentialsShared = z
  .object({
    eventId,
    type: z.literal(CREDENTIALS_SHARED_EVENT),
    trustId,
    occurredAt: instant,
    data: z.object({
      shareId: text,
      trustId,
      sharedAt: instant,
      requestId: eventId.optional(),
      credentials: z
        .array(
          z.object({
            type: text,
            issuer: text,
            issuanceDate: z.string().optional(),
            expirationDate: z.string().optional(),
            revocationStatus: text,
            format: z.enum(["jwt_vc_json", "dc+sd-jwt"]).optional(),
          }),
        )
        .min(1),
    }),
  })
  .refine((event) => event.data.trustId === event.trustId, sameTrust);

const credentialRequestDeclined = z.object({
  eventId,
  type: z.literal(CREDENTIAL_REQUEST_DECLINED_EVENT),
  trustId,
  occurredAt: instant,
  data: z.object({ requestId: eventId, staffId: text, declinedAt: instant }),
});

/** The schema a body is judged by: a decline by its own, anything else as a share, so errors name every field. */
function schemaFor(body: unknown): z.ZodType {
  const type = (body as { type?: unknown } | null)?.type;
  return type === CREDENTIAL_REQUEST_DECLINED_EVENT ? credentialRequestDeclined : credentialsShared;
}

export const deliveryRetrySchema = z.strictObject({
  eventId,
  trustId,
  attempt: z.number().int().min(1),
  round: z.number().int().min(1),
});

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

function parse<T>(schema: z.ZodType, body: unknown): Parsed<T> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return { ok: true, value: parsed.data as T };
  // Paths and messages only: zod's messages never quote the values, which may be claims.
  const problem = parsed.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join(".") || "body"}: ${issue.message}`)
    .join("; ");
  return { ok: false, problem };
}

export function parseShareEvent(body: unknown): Parsed<ShareEvent> {
  return parse<ShareEvent>(schemaFor(body), body);
}

/** A delivery message: the event itself (first attempt, from the topic) or a retry reference (the queue). */
export type DeliveryMessage =
  | { readonly kind: "event"; readonly event: ShareEvent }
  | { readonly kind: "retry"; readonly retry: DeliveryRetry };

export function parseDeliveryMessage(body: unknown): Parsed<DeliveryMessage> {
  const isRetry = typeof body === "object" && body !== null && "round" in body;
  if (isRetry) {
    const retry = parse<DeliveryRetry>(deliveryRetrySchema, body);
    return retry.ok ? { ok: true, value: { kind: "retry", retry: retry.value } } : retry;
  }
  const event = parseShareEvent(body);
  return event.ok ? { ok: true, value: { kind: "event", event: event.value } } : event;
}
