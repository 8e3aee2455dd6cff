// The ports the share event consumers take (recordShareEvent, deliverShareEvent): the event store, the trust
// directory, the SET signer and pusher, the delivery scheduler and the dead-letter queue. Adapters in
// src/adapters implement them; nothing here knows Cosmos DB, Service Bus or HTTP.
import type { PushResult, StoredShareEvent } from "../domain/shareDelivery.js";
import type { CredentialsShared } from "../domain/shareEvent.js";
import type { Trust } from "../domain/trust.js";

export type VersionedEvent = { readonly value: StoredShareEvent; readonly etag: string };

/** `shareEvents`, with optimistic concurrency: every write names the ETag it read, or creates only if absent. */
export type ShareEventStore = {
  get(trustId: string, eventId: string): Promise<VersionedEvent | undefined>;
  /** Creates the document; undefined when one with that id already exists. */
  create(event: StoredShareEvent): Promise<VersionedEvent | undefined>;
  /** Replaces the document if it is still at `etag`; undefined when another writer got there first. */
  replace(event: StoredShareEvent, etag: string): Promise<VersionedEvent | undefined>;
};

export type TrustDirectory = { get(id: string): Promise<Trust | undefined> };

/** What a SET says (API.md section 3); the signer adds iss, iat and the header. */
export type SetContent = {
  readonly eventId: string;
  readonly trustId: string;
  readonly type: string;
  readonly payload: CredentialsShared;
};

/** Signs a SET afresh: a new `iat` every time, the same `jti` (the event id). */
export type SetSigner = (content: SetContent, now: Date) => Promise<{ token: string; kid: string }>;

/** POSTs a SET per RFC 8935 and reports what happened; never throws for an HTTP or network outcome. */
export type SetPusher = (endpoint: string, token: string, timeoutMs: number) => Promise<PushResult>;

/** The body of a scheduled retry on the delivery queue: a reference, never the claims. */
export type DeliveryRetry = {
  readonly eventId: string;
  readonly trustId: string;
  /** Attempt number over the event's whole life: the duplicate check. */
  readonly attempt: number;
  /** Attempt number within this round (a replay starts a new round): drives backoff and exhaustion. */
  readonly round: number;
};

export type DeliveryScheduler = {
  schedule(retry: DeliveryRetry, at: Date, correlationId: string | undefined): Promise<void>;
};

/** A message as a consumer received it, enough to dead-letter or replay it. */
export type ReceivedMessage = {
  readonly body: unknown;
  readonly messageId?: string | undefined;
  readonly correlationId?: string | undefined;
  readonly applicationProperties: Readonly<Record<string, unknown>>;
  /** The entity path it came from, e.g. `share-events/subscriptions/record` or `share-deliveries`. */
  readonly source: string;
};

export type DeadLetters = {
  /** Moves the message to a dead-letter queue with the reason, where an operator can list and replay it. */
  deadLetter(message: ReceivedMessage, reason: string, description: string): Promise<void>;
};
