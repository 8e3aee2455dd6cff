// The share event (API.md section 3): what a verified share tells the receiving trust. It is minted once, with
// the share, and travels unchanged: stored on the share (the outbox), published to the `share-events` topic as
// the message body, recorded in `shareEvents` and signed into a Security Event Token for delivery.
import type { StaffClaims } from "./acceptPresentation.js";

/** The SET event type of a verified share (API.md section 3). */
export const CREDENTIALS_SHARED_EVENT = "urn:nhs:staff-passport:event:credentials-shared";

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
  readonly credentials: readonly SharedCredential[];
};

/**
 * A share event: its identity (`eventId`, the SET's `jti` and the Service Bus `messageId`), its type, the trust
 * it is for, and the payload. This is the message body on the topic.
 */
export type ShareEvent = {
  readonly eventId: string;
  readonly type: typeof CREDENTIALS_SHARED_EVENT;
  readonly trustId: string;
  readonly occurredAt: string;
  readonly data: CredentialsShared;
};

/** Application properties every share event message carries (DESIGN.md, Events), for filters and tracing. */
export type ShareEventProperties = {
  readonly trustId: string;
  readonly type: string;
  readonly correlationId: string;
};
