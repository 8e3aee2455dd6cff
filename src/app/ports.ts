// The ports the use cases depend on: what they need from storage, Verified ID, Service Bus, keys and time.
// Adapters (src/adapters) implement them; src/app imports no adapter, so each use case runs against in-memory
// implementations in unit tests and against the real services everywhere else.

import type { JWK } from "jose";
import type { StaffClaims } from "../domain/acceptPresentation.js";
import type { AccessKey, AccessKeyChange } from "../domain/accessKey.js";
import type { AuditEntry } from "../domain/audit.js";
import type { CredentialRequest } from "../domain/credentialRequest.js";
import type { Outbox, OutboxRetry } from "../domain/outbox.js";
import type { Presentation } from "../domain/presentation.js";
import type { Share, ShareProgress } from "../domain/share.js";
import type { PayloadRemoval, PushResult, StoredShareEvent } from "../domain/shareDelivery.js";
import type { EventBody, ShareEvent } from "../domain/shareEvent.js";
import type { Stream, StreamEventBody } from "../domain/stream.js";
import type { TraceContext } from "../domain/traceContext.js";
import type { Protocol, Trust } from "../domain/trust.js";
import type { Openid4vpRecord, VerifiedIdRequest } from "../domain/verifiedIdRequest.js";
import type { CredentialQuery } from "../domain/walletQuery.js";

/** The current time; tests move it. */
export type Clock = () => Date;

/** A stored document with the ETag it was read at, for a conditional replace. */
export type Versioned<T> = { readonly value: T; readonly etag: string };

/** A trust as the search lists it: with the protocols its portal offers, so the portal can ask which wallet. */
export type TrustSummary = { id: string; name: string; protocols: readonly Protocol[] };

export type TrustDirectory = {
  get(id: string): Promise<Trust | undefined>;
  /** Active trusts whose name contains the text or whose id is the text (both in any case), sorted by name. */
  search(text: string): Promise<TrustSummary[]>;
};

/** Login and share requests as Verified ID callbacks find them: by our id, which is the callback `state`. */
export type RequestStore = {
  create(request: VerifiedIdRequest, ttlSeconds: number): Promise<void>;
  get(id: string): Promise<Versioned<VerifiedIdRequest> | undefined>;
  /** Replaces the request if it is still at `etag`; false when another writer got there first. */
  replace(request: VerifiedIdRequest, etag: string, ttlSeconds: number): Promise<boolean>;
};

/** A page position in a subject's history: the sort key of the last share the caller saw. */
export type HistoryPage = { readonly after?: string; readonly limit: number };

/** A callback's move of a share: its new progress, and the event to publish when the move stores one. */
export type ShareChange = { readonly progress: ShareProgress; readonly outbox?: Outbox };

/** Which outbox events the sweep takes: stored before `storedBefore`, not parked, and due by `now`. */
export type OutboxDue = { readonly storedBefore: Date; readonly now: Date };

/** A parked outbox event as an operator sees it: where it is and why, never the event itself. */
export type ParkedOutbox = {
  readonly id: string;
  readonly partitionKey: string;
  readonly eventId: string;
  readonly trustId: string;
  readonly tries: number;
  readonly reason: string;
  readonly parkedAt: string;
};

/** The outbox's retries on a kind of document, by the document's partition key and id. */
export type OutboxRetries = {
  /**
   * Writes a failed publish on the document's outbox in one conditional write: only while the outbox holds one try
   * fewer and is not parked, so that two sweeps never count one failure twice. False when it did not.
   */
  retryOutbox(partitionKey: string, id: string, retry: OutboxRetry): Promise<boolean>;
  /** Every parked outbox event of this kind of document (an operator's list: parking is rare). */
  parkedOutboxes(): Promise<ParkedOutbox[]>;
  countParkedOutboxes(): Promise<number>;
  /** Clears the park and the tries so that the next sweep takes the event at once; false when it was not parked. */
  releaseOutbox(partitionKey: string, id: string, now: Date): Promise<boolean>;
};

/** Shares, kept per wallet holder (the staff member's history) with their outbox. */
export type ShareStore = {
  create(share: Share): Promise<void>;
  get(subject: string, id: string): Promise<Versioned<Share> | undefined>;
  /** Replaces the share if it is still at `etag`: its new ETag, or undefined when another writer got there first. */
  replace(share: Share, etag: string): Promise<string | undefined>;
  /**
   * Moves the share on in one conditional write, without reading it first: its progress (and outbox) become the
   * change's if its stored status is one of `from`. False when it is not, or there is no such share: another
   * callback or a cancellation got there first.
   */
  advance(
    subject: string,
    id: string,
    change: ShareChange,
    from: readonly ("pending" | "scanned")[],
  ): Promise<boolean>;
  /** Drops the share's outbox once its event is published; nothing happens when it is already gone. */
  dropOutbox(subject: string, id: string): Promise<void>;
  /** The subject's shares, newest first, after the page position. */
  history(subject: string, page: HistoryPage): Promise<Share[]>;
  /** Shares whose event waits in the outbox and is due (OutboxDue), oldest first; never a parked one. */
  unpublished(due: OutboxDue, limit: number): Promise<Versioned<Share>[]>;
  /**
   * The trust's share with this id, wherever its subject's partition is: a trust knows the share id from its
   * share event, not the holder's DID. Undefined for another trust's share.
   */
  findForTrust(trustId: string, id: string): Promise<Versioned<Share> | undefined>;
} & OutboxRetries;

/** Credential requests in `credentialRequests`, partitioned by trust id. */
export type CredentialRequestStore = {
  /**
   * Stores the request once per call: the same `call` (a trust's token id) again answers the request it made
   * first, so a retried or replayed call never makes a second one.
   */
  createOnce(request: CredentialRequest, call: string): Promise<CredentialRequest>;
  get(trustId: string, id: string): Promise<Versioned<CredentialRequest> | undefined>;
  /** Replaces the request if it is still at `etag`: its new ETag, or undefined when another writer got there first. */
  replace(request: CredentialRequest, etag: string): Promise<string | undefined>;
  /** Drops the request's outbox once its event is published; nothing happens when it is already gone. */
  dropOutbox(trustId: string, id: string): Promise<void>;
  /** The open requests of the trust for the staff id, newest first. */
  openFor(trustId: string, staffId: string, limit: number): Promise<CredentialRequest[]>;
  /** Every request of the trust to this staff id, whatever its status, newest first (the subject-access export). */
  forStaff(trustId: string, staffId: string, limit: number): Promise<CredentialRequest[]>;
  /** Requests whose event waits in the outbox and is due (OutboxDue), oldest first; never a parked one. */
  unpublished(due: OutboxDue, limit: number): Promise<Versioned<CredentialRequest>[]>;
  /** Closed requests that still hold a message or a reason and were closed before `before`, in any trust. */
  closedWithTextBefore(before: Date, limit: number): Promise<Versioned<CredentialRequest>[]>;
} & OutboxRetries;

/** What a trust said of a polled event: it has it, or it could not use it and why. */
export type PollOutcome =
  | { readonly status: "delivered"; readonly at: string }
  | { readonly status: "failed"; readonly reason: string };

/** When and why an event's payload was deleted. */
export type PayloadRemovalMark = { readonly at: string; readonly why: PayloadRemoval };

/** A trust's system, as its verified token names it (API.md section 7). */
export type TrustCaller = { readonly trustId: string; readonly jti: string };

/**
 * Share event payloads (the claim check, DESIGN.md "Events"): the claim values of a share, or a decline's reason,
 * stored once by trust and event id before the event is, read to sign the trust's SETs, and deleted once the
 * trust has the event or its retention period ends.
 */
export type PayloadStore = {
  /** Stores the payload; storing the same event's payload again leaves one copy. */
  put(trustId: string, eventId: string, payload: EventBody): Promise<void>;
  /** The payload, or undefined when it was never stored or is deleted. */
  get(trustId: string, eventId: string): Promise<EventBody | undefined>;
  /** Deletes the payload; nothing happens when it is already gone. */
  delete(trustId: string, eventId: string): Promise<void>;
};

/** Publishes share events to the `share-events` topic; idempotent by `eventId` (duplicate detection). */
export type EventPublisher = {
  /** `trace` is the trace the event was stored in; the message continues it. */
  publish(event: ShareEvent, correlationId: string, trace?: TraceContext): Promise<void>;
};

/** One claim constraint; the Request Service allows exactly one operator per constraint, compared case-insensitively. */
export type PresentationConstraint =
  | { readonly claimName: string; readonly values: readonly [string, ...string[]] }
  | { readonly claimName: string; readonly contains: string }
  | { readonly claimName: string; readonly startsWith: string };

export type RequestedCredentialInput = {
  readonly type: string;
  readonly purpose: string;
  /** Never empty: the Request Service reads an empty list as "any issuer". */
  readonly acceptedIssuers: readonly [string, ...string[]];
  readonly constraints?: readonly PresentationConstraint[];
};

export type PresentationRequestInput = {
  /** Shown by the wallet as the verifier's name: the trust's name. */
  readonly clientName: string;
  readonly purpose: string;
  /** Opaque value echoed in every callback; it identifies our stored request. */
  readonly state: string;
  /** Defaults to true: the portal shows the QR code the service draws. */
  readonly includeQRCode?: boolean;
  readonly includeReceipt?: boolean;
  /** At least one; an empty list is refused before anything is sent. */
  readonly requestedCredentials: readonly RequestedCredentialInput[];
};

export type PresentationRequestCreated = {
  readonly requestId: string;
  /** The `openid-vc://` link that the wallet opens (and that the QR code encodes). */
  readonly url: string;
  /** PNG data URL, present when the QR code was requested. */
  readonly qrCode?: string;
  readonly expiresAt: Date;
  /** The fresh secret sent as the callback's `api-key` header; callers store only its hash. */
  readonly apiKey: string;
};

/** A standard wallet's answer, once decrypted and checked (API.md section 9). */
export type WalletResponse =
  /** Not a response to this request at all (undecryptable, malformed, another state): it changes nothing. */
  | { readonly kind: "unusable"; readonly message: string }
  /** A response to this request that failed a check: the request fails with this code. */
  | { readonly kind: "refused"; readonly error: { readonly code: string; readonly message: string } }
  /** Every credential checked; the acceptance rules judge the rest. */
  | { readonly kind: "presented"; readonly presentation: Presentation };

/** An OpenID4VP request as its record and its queries describe it. */
export type WalletRequest = {
  readonly id: string;
  readonly record: Openid4vpRecord;
  readonly queries: readonly CredentialQuery[];
  readonly expiresAt: Date;
};

/** The service as an OpenID4VP 1.0 verifier (HAIP 1.0 profile) for standard wallets. */
export type StandardWallets = {
  /** A fresh nonce and response key for a new request, and the `openid4vp://` link (with its QR code) to it. */
  start(id: string): Promise<{ record: Openid4vpRecord; url: string; qrCode: string }>;
  /** The signed request object the wallet fetches from the request URI. */
  requestObject(request: WalletRequest, now: Date): Promise<string>;
  /** Decrypts and checks a response posted to the request's response URI (its form fields). */
  verifyResponse(
    request: WalletRequest,
    form: Readonly<Record<string, string>>,
    now: Date,
  ): Promise<WalletResponse>;
};

/** An access key's issuance request (API.md section 10), in the ID token hint flow: claims, PIN and expiry given. */
export type IssuanceRequestInput = {
  /** The issuer DID the credential is issued by: one the trust's logins accept. */
  readonly authority: string;
  /** Shown by the wallet as the issuer's name: the trust's name. */
  readonly clientName: string;
  readonly type: string;
  /** The contract's manifest URL. */
  readonly manifest: string;
  /** Opaque value echoed in every callback; it identifies our stored request. */
  readonly state: string;
  /** The digits the person types; sent once, stored nowhere. */
  readonly pin: string;
  readonly claims: Readonly<Record<string, string>>;
  readonly expirationDate: Date;
};

/** The Verified ID Request Service. */
export type VerifiedIdClient = {
  createPresentationRequest(input: PresentationRequestInput): Promise<PresentationRequestCreated>;
  /** Answers as a presentation request does: the link, its QR code, its expiry and the fresh callback key. */
  createIssuanceRequest(input: IssuanceRequestInput): Promise<PresentationRequestCreated>;
};

/** Verified ID's Admin API: revokes the credentials whose indexed claim has this value. */
export type VerifiedIdAdmin = {
  /** How many credentials it revoked (0 when none was found); revoking one already revoked changes nothing. */
  revokeByIndexedClaim(input: {
    readonly authority: string;
    readonly manifest: string;
    readonly claimValue: string;
  }): Promise<number>;
};

/** Access keys in `accessKeys`, partitioned by trust id. */
export type AccessKeyStore = {
  create(key: AccessKey): Promise<void>;
  get(trustId: string, id: string): Promise<AccessKey | undefined>;
  /** The trust's access keys for the staff id, newest first. */
  listFor(trustId: string, staffId: string, limit: number): Promise<AccessKey[]>;
  /**
   * Applies the change in one conditional write, only while the key's stored status is `change.from` (and, with
   * `unlessRetrieved`, it was not yet retrieved): false when it is not, so a repeat changes nothing.
   */
  change(trustId: string, id: string, change: AccessKeyChange): Promise<boolean>;
};

/**
 * The key new tokens are signed with; `kid` names its public half in the JWKS. The private half may live where it
 * cannot be read (a Key Vault key), so the key is something that signs, not key material.
 */
export type SigningKey = {
  readonly kid: string;
  /** The ES256 signature of a JWS signing input: r and s, 32 bytes each (RFC 7518 section 3.4), not DER. */
  sign(signingInput: Uint8Array): Promise<Uint8Array>;
};

/** The keys that sign session tokens and share events. */
export type SigningKeys = {
  current(): Promise<SigningKey>;
  /** Public halves of the current and (during rotation) previous key, with kid, alg ES256 and use sig. */
  jwks(): Promise<{ keys: JWK[] }>;
  /**
   * Reads the store again now (at most every 30 s): another instance may already sign with a key this one has
   * not loaded yet. True when it reloaded.
   */
  reload(): Promise<boolean>;
};

export type SessionClaims = {
  readonly subject: string;
  readonly trustId: string;
  readonly staff: StaffClaims;
  readonly now: Date;
  /** Whole seconds, 1 to 900. */
  readonly ttlSeconds: number;
};

/** Signs session tokens for verified logins. */
export type SessionIssuer = {
  issue(claims: SessionClaims): Promise<string>;
};

/** A verified session, as the HTTP layer hands it to the share use cases. */
export type Session = {
  /** The wallet holder's DID. */
  readonly subject: string;
  readonly trustId: string;
  readonly staff: StaffClaims;
  readonly expiresAt: Date;
  readonly jti: string;
};

/** Identifiers and outcomes for a log line; never claims, tokens or keys. */
export type LogFields = Readonly<Record<string, string | number | boolean | undefined>>;

export type Logger = {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds these fields to every line. */
  with(fields: LogFields): Logger;
};

// The share event consumers (recordShareEvent, deliverShareEvent).

export type VersionedEvent = { readonly value: StoredShareEvent; readonly etag: string };

/** `shareEvents`, with optimistic concurrency: every write names the ETag it read, or creates only if absent. */
export type ShareEventStore = {
  get(trustId: string, eventId: string): Promise<VersionedEvent | undefined>;
  /** Creates the document; undefined when one with that id already exists. */
  create(event: StoredShareEvent): Promise<VersionedEvent | undefined>;
  /** Replaces the document if it is still at `etag`; undefined when another writer got there first. */
  replace(event: StoredShareEvent, etag: string): Promise<VersionedEvent | undefined>;
  /**
   * Marks the event recorded unless it already is, in one conditional write: false when it already was (or there
   * is no such document).
   */
  markRecorded(trustId: string, eventId: string, at: string): Promise<boolean>;
  /**
   * Takes the first attempt of an event that nothing has tried yet (pending, attempt 0) under a lease, in one
   * conditional write: the document as taken, or undefined when it is not waiting for its first attempt.
   */
  takeFirstAttempt(trustId: string, eventId: string, leaseUntil: string): Promise<VersionedEvent | undefined>;
  /**
   * Writes an attempt's outcome (the delivery, and the data once its claims are dropped) if the document is still
   * at that attempt, whatever else changed on it: false when a later attempt has been taken.
   */
  settleAttempt(event: StoredShareEvent): Promise<boolean>;
  /** Events whose payload is not yet deleted and whose retention limit is before `before`, oldest first. */
  claimsDue(before: Date, limit: number): Promise<VersionedEvent[]>;
  /** Marks the event's payload deleted, in one write that touches nothing else: false when there is no such event. */
  markPayloadRemoved(trustId: string, eventId: string, removal: PayloadRemovalMark): Promise<boolean>;
  /**
   * When the oldest event no trust has acknowledged yet happened (pending, retrying, waiting for a poll or held), or
   * undefined when every event is settled: the backlog an operator is alerted on.
   */
  oldestUnacknowledged(): Promise<string | undefined>;
  /** The events waiting for the trust's poll (oldest first), whose payload is still kept. */
  available(trustId: string, limit: number): Promise<VersionedEvent[]>;
  /**
   * Ends a polled event as the trust said (RFC 8936 `ack` or `setErrs`) if it is still waiting for a poll: false
   * when it is not (unknown, another trust's, already acknowledged or reported).
   */
  settlePoll(trustId: string, eventId: string, outcome: PollOutcome): Promise<boolean>;
};

/** What a SET says (API.md sections 3 and 7); the signer adds iss, iat and the header. */
export type SetContent = { readonly eventId: string; readonly trustId: string } & EventBody;

/**
 * Signs a SET afresh: a new `iat` every time, the same `jti` (the event id); then encrypts it to the trust's
 * encryption key when it registered one (API.md section 8). Throws EncryptionKeyUnavailable (setEncryption.ts)
 * rather than answer with a SET in the clear when the trust's keys cannot be read. `kid` is the signing key's.
 */
export type SetSigner = (content: SetContent, now: Date) => Promise<{ token: string; kid: string }>;

/** Signs one of SSF's own events (verification, stream-updated) for the stream, with `sub_id` naming the stream. */
export type StreamEventSigner = (
  content: { readonly eventId: string; readonly trustId: string } & StreamEventBody,
  now: Date,
) => Promise<{ token: string; kid: string }>;

/**
 * POSTs a SET per RFC 8935 and reports what happened; never throws for an HTTP or network outcome. An endpoint
 * that is not https to a public address (or outside `allowedHosts`, the operator's pins for the trust) is refused
 * before anything is sent.
 */
export type SetPusher = (
  endpoint: string,
  token: string,
  timeoutMs: number,
  options?: SetPushOptions,
) => Promise<PushResult>;

export type SetPushOptions = {
  /** The stream's `authorization_header` (SSF 1.0 section 6.1.1), sent as `Authorization`; never logged. */
  readonly authorization?: string | undefined;
  /** The trust document's `allowedHosts`. */
  readonly allowedHosts?: readonly string[] | undefined;
};

/** The stream a trust's events go by: its stored stream (a deleted one included), or its implicit one. */
export type StreamDirectory = {
  get(trustId: string): Promise<Stream | undefined>;
};

/** Trusts' streams in `streams` (partition /trustId, id = stream_id), which the service reads and writes. */
export type StreamStore = {
  /** The trust's stored stream, a tombstone included; undefined when it never created one. */
  get(trustId: string): Promise<Versioned<Stream> | undefined>;
  /** Creates it only if the trust has no stored stream; false when it has one. */
  create(stream: Stream): Promise<boolean>;
  /** Replaces it if it is still at `etag`; undefined when another writer got there first. */
  replace(stream: Stream, etag: string): Promise<string | undefined>;
};

/** Events held while the trust's stream is paused, released oldest first once it is enabled. */
export type HeldEvents = {
  /** The trust's oldest event held for its paused stream and not in flight, if any. */
  oldestHeld(trustId: string): Promise<VersionedEvent | undefined>;
};

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

export type DeliveryDeadLetters = DeadLetters & {
  /** Dead-letters a delivery so that a replay of it is the next attempt of a new round. */
  deadLetterDelivery(
    retry: DeliveryRetry,
    correlationId: string | undefined,
    reason: string,
    description: string,
  ): Promise<void>;
};

// The audit trail (API.md section 11).

/**
 * Append-only: an entry is written once and never changed or deleted by the service (its `ttl` ends it after the
 * retention period). Writing an entry whose id is already there changes nothing.
 */
export type AuditTrail = {
  append(entry: AuditEntry): Promise<void>;
  /** A person's entries across trusts, oldest first, from `since` on. */
  bySubject(subject: string, since?: Date): Promise<AuditEntry[]>;
  /** A trust's entries, oldest first, from `since` on. */
  byTrust(trustId: string, since?: Date): Promise<AuditEntry[]>;
};
