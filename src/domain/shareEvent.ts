// The share events (API.md sections 3 and 7): what the service tells a receiving trust. There are two kinds: a
// verified share (its credentials), and a credential request the staff member declined. Each is minted once, with
// the document it belongs to, and travels unchanged: stored on that document (its outbox), published to the
// `share-events` topic as the message body, recorded in `shareEvents` and signed into a Security Event Token.
import type { StaffClaims } from "./acceptPresentation.js";

/** The SET event type of a verified share (API.md section 3). */
export const CREDENTIALS_SHARED_EVENT = "urn:nhs:staff-passport:event:credentials-shared";
/** The SET event type of a credential request the staff member declined (API.md section 7). */
export const CREDENTIAL_REQUEST_DECLINED_EVENT = "urn:nhs:staff-passport:event:credential-request-declined";

/** One shared credential as the trust receives it: the claim values travel to the trust and nowhere else. */
export type SharedCredential = {
  readonly type: string;
  readonly issuer: string;
  readonly issuanceDate?: string;
  readonly expirationDate?: string;
  readonly revocationStatus: string;
  readonly claims: Readonly<Record<string, unknown>>;
};

/** The payload of the SET's `events` member for CREDENTIALS_SHARED_EVENT. */
export type CredentialsShared = {
  readonly shareId: string;
  readonly trustId: string;
  /** The wallet holder's DID. */
  readonly subject: string;
  readonly staff: StaffClaims;
  readonly sharedAt: string;
  /** The trust's credential request this share answers, when it answers one. */
  readonly requestId?: string;
  readonly credentials: readonly SharedCredential[];
};

/** The payload of the SET's `events` member for CREDENTIAL_REQUEST_DECLINED_EVENT. */
export type CredentialRequestDeclined = {
  readonly requestId: string;
  readonly staffId: string;
  /** The staff member's own words: kept no longer than the claims of a share. */
  readonly reason: string;
  readonly declinedAt: string;
};

type EventEnvelope = {
  /** The event's identity: the SET's `jti` and the Service Bus `messageId`. */
  readonly eventId: string;
  readonly trustId: string;
  readonly occurredAt: string;
};

export type CredentialsSharedEvent = EventEnvelope & {
  readonly type: typeof CREDENTIALS_SHARED_EVENT;
  readonly data: CredentialsShared;
};

export type CredentialRequestDeclinedEvent = EventEnvelope & {
  readonly type: typeof CREDENTIAL_REQUEST_DECLINED_EVENT;
  readonly data: CredentialRequestDeclined;
};

/** A share event, as the message body on the topic: its identity, its type, the trust it is for, the payload. */
export type ShareEvent = CredentialsSharedEvent | CredentialRequestDeclinedEvent;

/** What a SET says: the event's type and payload. */
export type EventBody =
  | Pick<CredentialsSharedEvent, "type" | "data">
  | Pick<CredentialRequestDeclinedEvent, "type" | "data">;

/** The SET's `txn` (RFC 8417 section 2.2): the share or the request the event is about. */
export function transactionOf(body: EventBody): string {
  return body.type === CREDENTIALS_SHARED_EVENT ? body.data.shareId : body.data.requestId;
}

/** Application properties every share event message carries (DESIGN.md, Events), for filters and tracing. */
export type ShareEventProperties = {
  readonly trustId: string;
  readonly type: string;
  readonly correlationId: string;
};
