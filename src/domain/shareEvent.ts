// The share events (API.md sections 3 and 7): what the service tells a receiving trust. There are two kinds: a
// verified share (its credentials), and a credential request the staff member declined. Each is minted once, in
// two parts (the claim-check pattern, DESIGN.md "Events"): the payload, which holds the claim values (or the
// staff member's reason) and goes only to Blob storage and into the trust's SETs; and the event, a reference to it
// with identifiers, types and issuers only, which is stored on its document (the outbox), published to the
// `share-events` topic as the message body and recorded in `shareEvents`.
import type { StaffClaims } from "./staffClaims.js";

/** The SET event type of a verified share (API.md section 3). */
export const CREDENTIALS_SHARED_EVENT = "urn:nhs:staff-passport:event:credentials-shared";
/** The SET event type of a credential request the staff member declined (API.md section 7). */
export const CREDENTIAL_REQUEST_DECLINED_EVENT = "urn:nhs:staff-passport:event:credential-request-declined";

/** One shared credential as the trust receives it: the claim values travel to the trust and nowhere else. */
export type SharedCredential = {
  readonly type: string;
  readonly issuer: string;
  /**
   * How the wallet presented it: `jwt_vc_json` (Verified ID) or `dc+sd-jwt` (OpenID4VP). Absent from a payload
   * stored before shares named it, which were all Verified ID's.
   */
  readonly format?: CredentialFormat;
  /**
   * An SD-JWT VC as presented, without the key binding JWT (ending with `~`): the trust checks the issuer's
   * signature on it itself. It holds the disclosed claims, so it travels like them: in the payload only.
   */
  readonly presentation?: string;
  readonly issuanceDate?: string;
  readonly expirationDate?: string;
  readonly revocationStatus: string;
  readonly claims: Readonly<Record<string, unknown>>;
};

/** The credential formats a share carries, named as OpenID4VP 1.0 Appendix B names them. */
export type CredentialFormat = "jwt_vc_json" | "dc+sd-jwt";

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
  /**
   * The wallet holder's DID, for the SET's `sub_id`: kept in the payload only, like the claims. Absent from a
   * payload stored before the holder was recorded with it, whose SET then names no holder.
   */
  readonly subject?: string;
  readonly staffId: string;
  /** The staff member's own words: kept no longer than the claims of a share. */
  readonly reason: string;
  readonly declinedAt: string;
};

/**
 * A shared credential as the event names it: what was shared and by whom it was issued, never its claims (nor the
 * presentation, which holds them).
 */
export type SharedCredentialRef = Omit<SharedCredential, "claims" | "presentation">;

/** What the event (not its payload) says of a verified share. */
export type CredentialsSharedRef = Omit<CredentialsShared, "subject" | "staff" | "credentials"> & {
  readonly credentials: readonly SharedCredentialRef[];
};

/** What the event (not its payload) says of a declined request: not the staff member's reason, nor the holder. */
export type CredentialRequestDeclinedRef = Omit<CredentialRequestDeclined, "reason" | "subject">;

type EventEnvelope = {
  /** The event's identity: the SET's `jti` and the Service Bus `messageId`. */
  readonly eventId: string;
  readonly trustId: string;
  readonly occurredAt: string;
};

export type CredentialsSharedEvent = EventEnvelope & {
  readonly type: typeof CREDENTIALS_SHARED_EVENT;
  readonly data: CredentialsSharedRef;
};

export type CredentialRequestDeclinedEvent = EventEnvelope & {
  readonly type: typeof CREDENTIAL_REQUEST_DECLINED_EVENT;
  readonly data: CredentialRequestDeclinedRef;
};

/**
 * A share event as the outbox, the topic's message body and `shareEvents` hold it: its identity, its type, the
 * trust it is for, and a reference to its payload (the payload store finds it by trust and event id).
 */
export type ShareEvent = CredentialsSharedEvent | CredentialRequestDeclinedEvent;

/** What a SET says (its `events` member): the event's type and its payload, claim values included. */
export type EventBody =
  | { readonly type: typeof CREDENTIALS_SHARED_EVENT; readonly data: CredentialsShared }
  | { readonly type: typeof CREDENTIAL_REQUEST_DECLINED_EVENT; readonly data: CredentialRequestDeclined };

/** A share event as it is minted: the reference that travels, and the payload that goes to Blob storage only. */
export type MintedEvent = { readonly event: ShareEvent; readonly payload: EventBody };

/** The event's envelope and its payload, reduced to the reference that may travel and be stored. */
export function mintEvent(envelope: EventEnvelope, payload: EventBody): MintedEvent {
  if (payload.type === CREDENTIALS_SHARED_EVENT) {
    const { subject: _subject, staff: _staff, credentials, ...rest } = payload.data;
    const data = {
      ...rest,
      credentials: credentials.map(
        ({ claims: _claims, presentation: _presentation, ...credential }) => credential,
      ),
    };
    return { event: { ...envelope, type: payload.type, data }, payload };
  }
  const { reason: _reason, subject: _subject, ...data } = payload.data;
  return { event: { ...envelope, type: payload.type, data }, payload };
}

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
