// A share and its life: pending → scanned → shared | failed | cancelled, or expired when time runs out first
// (the shared rules are in requestProgress.ts). The share document lives in the `shares` container under the
// wallet holder's DID, which makes it the staff member's history, and it is the outbox of its share event: the
// event is written in the same write that marks the share `shared`, and dropped once published.
import type { AcceptedCredential, StaffClaims } from "./acceptPresentation.js";
import {
  effectiveStatus,
  type Failed,
  hasExpired,
  isOpen,
  type Pending,
  type RequestError,
  type Scanned,
} from "./requestProgress.js";
import { CREDENTIALS_SHARED_EVENT, type ShareEvent } from "./shareEvent.js";
import type { RequestBase } from "./verifiedIdRequest.js";

/** The request record a share leaves for its callbacks: where to find the share (its subject's partition). */
export type ShareRequest = RequestBase & {
  readonly kind: "share";
  /** The wallet holder's DID from the session; the share document's partition. */
  readonly subject: string;
};

/** What the share view shows of a shared credential: never its claim values. */
export type SharedCredentialSummary = { readonly type: string; readonly issuer: string };

export type Shared = {
  readonly status: "shared";
  readonly sharedAt: string;
  readonly eventId: string;
  readonly credentials: readonly SharedCredentialSummary[];
};

export type Cancelled = { readonly status: "cancelled"; readonly cancelledAt: string };

export type ShareProgress = Pending | Scanned | Shared | Failed | Cancelled;

export type ShareStatus = ShareProgress["status"] | "expired";

/** The share event waiting to be published, with the correlation id it travels with. */
export type Outbox = {
  readonly event: ShareEvent;
  readonly correlationId: string;
  readonly storedAt: string;
};

export type Share = {
  readonly id: string;
  /** The wallet holder's DID: the partition key, so a staff member's history is one partition. */
  readonly subject: string;
  readonly trustId: string;
  /** The access key's staff claims from the session that made the share. */
  readonly staff: StaffClaims;
  readonly credentialTypes: readonly string[];
  readonly createdAt: string;
  readonly expiresAt: string;
  /** Sorts the history newest first: createdAt then id, so that equal times still have one order. */
  readonly historyKey: string;
  readonly progress: ShareProgress;
  /** Present from the write that marks the share `shared` until the event is published. */
  readonly outbox?: Outbox;
};

export type NewShare = Pick<Share, "id" | "subject" | "trustId" | "staff" | "credentialTypes" | "expiresAt">;

export function newShare(input: NewShare, now: Date): Share {
  const createdAt = now.toISOString();
  return { ...input, createdAt, historyKey: `${createdAt}|${input.id}`, progress: { status: "pending" } };
}

/** The share as its owner sees it (API.md section 1, share view). */
export type ShareView = {
  readonly shareId: string;
  readonly trustId: string;
  readonly status: ShareStatus;
  readonly credentialTypes: readonly string[];
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly sharedAt?: string;
  readonly credentials?: readonly SharedCredentialSummary[];
  readonly error?: RequestError;
};

export function shareView(share: Share, now: Date): ShareView {
  const base = {
    shareId: share.id,
    trustId: share.trustId,
    status: effectiveStatus(share, now),
    credentialTypes: share.credentialTypes,
    createdAt: share.createdAt,
    expiresAt: share.expiresAt,
  };
  const { progress } = share;
  if (progress.status === "shared")
    return { ...base, sharedAt: progress.sharedAt, credentials: progress.credentials };
  if (progress.status === "failed") return { ...base, error: progress.error };
  return base;
}

/** A share the wallet presented and the rules accepted: `shared`, with its event in the outbox. */
export function shareAccepted(
  share: Share,
  accepted: { readonly eventId: string; readonly credentials: readonly AcceptedCredential[] },
  now: Date,
  correlationId: string,
): Share {
  const sharedAt = now.toISOString();
  const event: ShareEvent = {
    eventId: accepted.eventId,
    type: CREDENTIALS_SHARED_EVENT,
    trustId: share.trustId,
    occurredAt: sharedAt,
    data: {
      shareId: share.id,
      trustId: share.trustId,
      subject: share.subject,
      staff: share.staff,
      sharedAt,
      credentials: accepted.credentials,
    },
  };
  return {
    ...share,
    progress: {
      status: "shared",
      sharedAt,
      eventId: accepted.eventId,
      credentials: accepted.credentials.map(({ type, issuer }) => ({ type, issuer })),
    },
    outbox: { event, correlationId, storedAt: sharedAt },
  };
}

/** The share once its event is on the topic: the outbox, and with it the claim values, is gone. */
export function sharePublished(share: Share): Share {
  const { outbox: _published, ...rest } = share;
  return rest;
}

export type Cancellation = { readonly ok: true; readonly share: Share } | { readonly ok: false };

/** Cancels a share that still waits for the wallet; a finished or expired share cannot be cancelled. */
export function cancelShare(share: Share, now: Date): Cancellation {
  if (!isOpen(share.progress) || hasExpired(share, now)) return { ok: false };
  return { ok: true, share: { ...share, progress: { status: "cancelled", cancelledAt: now.toISOString() } } };
}
