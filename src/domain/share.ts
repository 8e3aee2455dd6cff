// A share and its life: pending → scanned → shared | failed | cancelled, or expired when time runs out first
// (the shared rules are in requestProgress.ts). The share document lives in the `shares` container under the
// wallet holder's DID, which makes it the staff member's history, and it is the outbox of its share event: the
// event (a reference, never the claims) is written in the same write that marks the share `shared`, after its
// payload is in Blob storage, and dropped once published. The receiving
// trust's decisions on the shared credentials are written on it too (decision.ts).
import type { AcceptedCredential } from "./acceptPresentation.js";
import type { Outbox } from "./outbox.js";
import type { RequestBase } from "./requestBase.js";
import {
  effectiveStatus,
  type Failed,
  hasExpired,
  isOpen,
  type Pending,
  type RequestError,
  type Scanned,
} from "./requestProgress.js";
import { CREDENTIALS_SHARED_EVENT, type EventBody, mintEvent } from "./shareEvent.js";
import type { StaffClaims } from "./staffClaims.js";
import type { TraceContext } from "./traceContext.js";

/**
 * The request record a share leaves for its callbacks: where the share is (its subject's partition) and what it
 * asked for, so that a callback judges the presentation and moves the share on without reading the share.
 */
export type ShareRequest = RequestBase & {
  readonly kind: "share";
  /** The wallet holder's DID from the session; the share document's partition. */
  readonly subject: string;
  readonly staff: StaffClaims;
  readonly credentialTypes: readonly string[];
  readonly answers?: AnsweredRequest;
  /** The trace of POST /api/shares, which the callback and everything after it continue. */
  readonly trace?: TraceContext;
};

/** The receiving trust's verdict on one shared credential (API.md section 7); a reason comes with a rejection. */
export type CredentialDecision = {
  readonly decision: "accepted" | "rejected";
  readonly reason?: string;
  readonly decidedAt: string;
};

/** What the share view shows of a shared credential: never its claim values. */
export type SharedCredentialSummary = {
  readonly type: string;
  readonly issuer: string;
  readonly decision?: CredentialDecision;
};

export type Shared = {
  readonly status: "shared";
  readonly sharedAt: string;
  readonly eventId: string;
  readonly credentials: readonly SharedCredentialSummary[];
};

export type Cancelled = { readonly status: "cancelled"; readonly cancelledAt: string };

export type ShareProgress = Pending | Scanned | Shared | Failed | Cancelled;

export type ShareStatus = ShareProgress["status"] | "expired";

/** The trust's credential request a share answers, with the types it asked for. */
export type AnsweredRequest = { readonly requestId: string; readonly credentialTypes: readonly string[] };

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
  /** Present when the share answers a credential request of its trust. */
  readonly answers?: AnsweredRequest;
  /** Present from the write that marks the share `shared` until the event is published. */
  readonly outbox?: Outbox;
  /** The trace of POST /api/shares (as on its request record), for an operator to find the share's trace by. */
  readonly trace?: TraceContext;
};

export type NewShare = Pick<
  Share,
  "id" | "subject" | "trustId" | "staff" | "credentialTypes" | "expiresAt"
> & {
  readonly answers?: AnsweredRequest;
  readonly trace?: TraceContext;
};

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
  /** The credential request the share answers, and which of its types the share leaves out. */
  readonly requestId?: string;
  readonly missingTypes?: readonly string[];
};

/** The requested types a share leaves out: what the trust still lacks once it is shared. */
export function missingTypes(requested: readonly string[], shared: readonly string[]): string[] {
  return requested.filter((type) => !shared.includes(type));
}

export function shareView(share: Share, now: Date): ShareView {
  const base = {
    shareId: share.id,
    trustId: share.trustId,
    status: effectiveStatus(share, now),
    credentialTypes: share.credentialTypes,
    createdAt: share.createdAt,
    expiresAt: share.expiresAt,
    ...(share.answers === undefined
      ? {}
      : {
          requestId: share.answers.requestId,
          missingTypes: missingTypes(share.answers.credentialTypes, share.credentialTypes),
        }),
  };
  const { progress } = share;
  if (progress.status === "shared")
    return { ...base, sharedAt: progress.sharedAt, credentials: progress.credentials };
  if (progress.status === "failed") return { ...base, error: progress.error };
  return base;
}

/** What the share event of a share tells about it; a share and its request record both hold it. */
export type SharedBy = Pick<Share, "id" | "subject" | "trustId" | "staff" | "answers">;

/** A share the wallet presented and the rules accepted: `shared`, with its event for the outbox. */
export function shareAccepted(
  share: SharedBy,
  accepted: { readonly eventId: string; readonly credentials: readonly AcceptedCredential[] },
  now: Date,
  correlationId: string,
): { readonly progress: Shared; readonly outbox: Outbox; readonly payload: EventBody } {
  const sharedAt = now.toISOString();
  const { event, payload } = mintEvent(
    { eventId: accepted.eventId, trustId: share.trustId, occurredAt: sharedAt },
    {
      type: CREDENTIALS_SHARED_EVENT,
      data: {
        shareId: share.id,
        trustId: share.trustId,
        subject: share.subject,
        staff: share.staff,
        sharedAt,
        ...(share.answers === undefined ? {} : { requestId: share.answers.requestId }),
        credentials: accepted.credentials,
      },
    },
  );
  return {
    progress: {
      status: "shared",
      sharedAt,
      eventId: accepted.eventId,
      credentials: accepted.credentials.map(({ type, issuer }) => ({ type, issuer })),
    },
    outbox: { event, correlationId, storedAt: sharedAt },
    payload,
  };
}

export type Cancellation = { readonly ok: true; readonly share: Share } | { readonly ok: false };

/** Cancels a share that still waits for the wallet; a finished or expired share cannot be cancelled. */
export function cancelShare(share: Share, now: Date): Cancellation {
  if (!isOpen(share.progress) || hasExpired(share, now)) return { ok: false };
  return { ok: true, share: { ...share, progress: { status: "cancelled", cancelledAt: now.toISOString() } } };
}
