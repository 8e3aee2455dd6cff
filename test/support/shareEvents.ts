// Share events for the consumer tests: made-up events published to the topic exactly as the callback and the
// outbox publish them (the payload stored in Blob storage first, then the reference as the message body, with
// messageId = eventId and application properties trustId, type, correlationId), and reading back the stored
// documents, the stored payloads and what the demo trust received.
import { randomBytes } from "node:crypto";
import { ServiceBusClient } from "@azure/service-bus";
import type { LocalSystem } from "../../local/system.js";
import { services } from "../../src/composition.js";
import type { StoredCredentialsShared } from "../../src/domain/shareDelivery.js";
import {
  CREDENTIALS_SHARED_EVENT,
  type CredentialsShared,
  type CredentialsSharedEvent,
  type EventBody,
  mintEvent,
  type ShareEvent,
} from "../../src/domain/shareEvent.js";
import { call } from "./system.js";

export const newId = () => randomBytes(16).toString("base64url");

/** The claim value every made-up share carries: no message, document or log line may ever hold it. */
export const CLAIM_VALUE = "001234567890";

/** The full payload of each event `shareEvent` made, by event id: what the callback writes to Blob storage. */
const payloads = new Map<string, EventBody>();

/**
 * A share event as the callback mints it: the reference that travels (returned), and its payload with the holder,
 * the staff member and the claim values (kept here, see `payloadOf`; `publish` stores it).
 */
export function shareEvent(
  trustId = "RTH",
  overrides: Partial<Omit<CredentialsSharedEvent, "data">> = {},
): CredentialsSharedEvent {
  const now = new Date().toISOString();
  const data: CredentialsShared = {
    shareId: newId(),
    trustId,
    subject: "did:jwk:holder",
    staff: { staffId: "S-1", givenName: "Ada", familyName: "Lovelace", jobTitle: "Nurse" },
    sharedAt: now,
    credentials: [
      {
        type: "StaffPassportDbsCheck",
        issuer: "did:web:dbs.staffpassport.nhs.uk",
        issuanceDate: "2026-01-01T00:00:00Z",
        revocationStatus: "VALID",
        claims: { certificateNumber: CLAIM_VALUE, level: "enhanced" },
      },
    ],
  };
  const payload: EventBody = { type: CREDENTIALS_SHARED_EVENT, data };
  const { event } = mintEvent({ eventId: newId(), trustId, occurredAt: now }, payload);
  if (event.type !== CREDENTIALS_SHARED_EVENT)
    throw new Error("a share's payload minted another kind of event");
  const made = { ...event, ...overrides };
  payloads.set(made.eventId, payload);
  return made;
}

/** The payload of an event `shareEvent` made: what the trust's SET says of it. */
export function payloadOf(event: Pick<ShareEvent, "eventId">): EventBody {
  const payload = payloads.get(event.eventId);
  if (payload === undefined) throw new Error(`no payload was made for event ${event.eventId}`);
  return payload;
}

/** Stores the event's payload in Blob storage as the callback does before it marks the share shared. */
export async function storePayload(event: Pick<ShareEvent, "eventId" | "trustId">): Promise<void> {
  await services().payloads.put(event.trustId, event.eventId, payloadOf(event));
}

/** The event's payload as Blob storage holds it now, or undefined once it is deleted. */
export async function storedPayload(
  event: Pick<ShareEvent, "eventId" | "trustId">,
): Promise<EventBody | undefined> {
  return services().payloads.get(event.trustId, event.eventId);
}

/**
 * Publishes as the callback and the outbox do: the payload of an event `shareEvent` made is stored first (through
 * the system's settings), then the reference is sent. `messageId` differs only where a test needs a second copy
 * past deduplication.
 */
export async function publish(
  system: LocalSystem,
  event: ShareEvent | unknown,
  options: { correlationId?: string; messageId?: string; trustId?: string } = {},
): Promise<string> {
  const correlationId = options.correlationId ?? `corr-${newId()}`;
  const e = event as Partial<ShareEvent>;
  if (e.eventId !== undefined && e.trustId !== undefined && payloads.has(e.eventId)) {
    await storePayload({ eventId: e.eventId, trustId: e.trustId });
  }
  const client = new ServiceBusClient(system.settings.ServiceBusConnection ?? "");
  const sender = client.createSender("share-events");
  try {
    await sender.sendMessages({
      body: event,
      contentType: "application/json",
      messageId: options.messageId ?? e.eventId ?? newId(),
      correlationId,
      applicationProperties: {
        trustId: options.trustId ?? e.trustId ?? "RTH",
        type: e.type ?? "unknown",
        correlationId,
      },
    });
  } finally {
    await sender.close();
    await client.close();
  }
  return correlationId;
}

export async function storedEvent(
  event: Pick<ShareEvent, "eventId" | "trustId">,
): Promise<StoredCredentialsShared | undefined> {
  const { resource } = await (await services().database())
    .container("shareEvents")
    .item(event.eventId, event.trustId)
    .read<StoredCredentialsShared & { _etag: string }>();
  return resource;
}

export async function documentsFor(eventId: string): Promise<number> {
  const { resources } = await (await services().database())
    .container("shareEvents")
    .items.query({
      query: "SELECT c.id FROM c WHERE c.id = @id",
      parameters: [{ name: "@id", value: eventId }],
    })
    .fetchAll();
  return resources.length;
}

export type Received = {
  jti: string | null;
  aud: string | null;
  verified: boolean;
  duplicate: boolean;
  claims: Record<string, unknown> | null;
  token: string;
  /** It arrived as a JWE encrypted to the trust; `claims` are those of the SET inside. */
  encrypted?: boolean;
  via?: "push" | "poll";
  /** The push's traceparent header, when it came with one. */
  traceparent?: string;
};

export async function received(system: LocalSystem): Promise<Received[]> {
  return (await call<{ events: Received[] }>(`${system.urls.demoTrust}/events`)).body.events;
}

export async function setMode(system: LocalSystem, mode: string): Promise<void> {
  const response = await call(`${system.urls.demoTrust}/control`, { body: { mode } });
  if (response.status !== 200) throw new Error(`demo trust refused mode ${mode}`);
}

/** Settings that make retries take well under a second each, so a whole schedule runs within a test. */
export const FAST_RETRIES = {
  SHARE_DELIVERY_MAX_ATTEMPTS: "5",
  SHARE_DELIVERY_FIRST_RETRY_SECONDS: "0.3",
  SHARE_DELIVERY_BACKOFF_MULTIPLIER: "2",
  SHARE_DELIVERY_MAX_RETRY_SECONDS: "1",
  SHARE_DELIVERY_JITTER: "0.2",
  SHARE_DELIVERY_TIMEOUT_SECONDS: "1",
};
