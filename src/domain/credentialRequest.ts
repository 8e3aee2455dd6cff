// A receiving trust's request for credentials from one member of staff (API.md section 7): open until the staff
// member answers it with a share (fulfilled), declines it with a reason, or the trust withdraws it. The document
// lives in `credentialRequests` under the trust's id; a decline carries its share event in an outbox, written in
// the same write, as a share does.
import type { Outbox } from "./outbox.js";
import { missingTypes } from "./share.js";
import { CREDENTIAL_REQUEST_DECLINED_EVENT, type EventBody, mintEvent } from "./shareEvent.js";

export type RequestState =
  | { readonly status: "open" }
  | {
      readonly status: "fulfilled";
      readonly shareId: string;
      /** The types the answering share carried; the view lists the requested ones it left out. */
      readonly sharedTypes: readonly string[];
      readonly fulfilledAt: string;
    }
  /** `reason` is the staff member's own words: dropped once the request has been closed for the retention period. */
  | { readonly status: "declined"; readonly reason?: string; readonly declinedAt: string }
  | { readonly status: "withdrawn"; readonly withdrawnAt: string };

export type RequestStatus = RequestState["status"];

export type CredentialRequest = {
  readonly id: string;
  /** The partition key: a trust reads its own requests by id, and a staff member's open ones at that trust. */
  readonly trustId: string;
  /** The access key's staff id the request is for. */
  readonly staffId: string;
  readonly credentialTypes: readonly string[];
  readonly message?: string;
  readonly createdAt: string;
  readonly state: RequestState;
  /** Present from the write that declines the request until its event is published. */
  readonly outbox?: Outbox;
  /** When the trust's message and the staff member's reason were dropped, the retention period after closing. */
  readonly redactedAt?: string;
};

export type NewCredentialRequest = Pick<
  CredentialRequest,
  "id" | "trustId" | "staffId" | "credentialTypes"
> & {
  readonly message?: string;
};

export function newCredentialRequest(input: NewCredentialRequest, now: Date): CredentialRequest {
  return { ...input, createdAt: now.toISOString(), state: { status: "open" } };
}

/** The request as the trust and the staff member see it. */
export type CredentialRequestView = {
  readonly requestId: string;
  readonly trustId: string;
  readonly staffId: string;
  readonly credentialTypes: readonly string[];
  readonly message?: string;
  readonly status: RequestStatus;
  readonly createdAt: string;
  readonly shareId?: string;
  /** For a fulfilled request: the requested types the answering share left out. */
  readonly missingTypes?: readonly string[];
  readonly fulfilledAt?: string;
  readonly reason?: string;
  readonly declinedAt?: string;
  readonly withdrawnAt?: string;
};

export function credentialRequestView(request: CredentialRequest): CredentialRequestView {
  const { state } = request;
  const base = {
    requestId: request.id,
    trustId: request.trustId,
    staffId: request.staffId,
    credentialTypes: request.credentialTypes,
    ...(request.message === undefined ? {} : { message: request.message }),
    status: state.status,
    createdAt: request.createdAt,
  };
  switch (state.status) {
    case "open":
      return base;
    case "fulfilled":
      return {
        ...base,
        shareId: state.shareId,
        missingTypes: missingTypes(request.credentialTypes, state.sharedTypes),
        fulfilledAt: state.fulfilledAt,
      };
    case "declined":
      return {
        ...base,
        ...(state.reason === undefined ? {} : { reason: state.reason }),
        declinedAt: state.declinedAt,
      };
    case "withdrawn":
      return { ...base, withdrawnAt: state.withdrawnAt };
  }
}

export type RequestChange =
  /** `payload`: a share event's payload that must be in the payload store before the request is written. */
  | { readonly ok: true; readonly request: CredentialRequest; readonly payload?: EventBody }
  /** Already in the state asked for: nothing to write. */
  | { readonly ok: true; readonly request: CredentialRequest; readonly unchanged: true }
  | { readonly ok: false };

/** The trust withdraws an open request; withdrawing it again changes nothing. */
export function withdrawRequest(request: CredentialRequest, now: Date): RequestChange {
  if (request.state.status !== "open") return { ok: false };
  return {
    ok: true,
    request: { ...request, state: { status: "withdrawn", withdrawnAt: now.toISOString() } },
  };
}

/** The staff member declines an open request: `declined`, with the trust's event in the outbox. */
export function declineRequest(
  request: CredentialRequest,
  decline: {
    readonly reason: string;
    readonly eventId: string;
    readonly correlationId: string;
    /** The wallet holder's DID, named by the SET's `sub_id`. */
    readonly subject: string;
  },
  now: Date,
): RequestChange {
  if (request.state.status !== "open") return { ok: false };
  const declinedAt = now.toISOString();
  const { event, payload } = mintEvent(
    { eventId: decline.eventId, trustId: request.trustId, occurredAt: declinedAt },
    {
      type: CREDENTIAL_REQUEST_DECLINED_EVENT,
      data: {
        requestId: request.id,
        staffId: request.staffId,
        subject: decline.subject,
        reason: decline.reason,
        declinedAt,
      },
    },
  );
  return {
    ok: true,
    request: {
      ...request,
      state: { status: "declined", reason: decline.reason, declinedAt },
      outbox: { event, correlationId: decline.correlationId, storedAt: declinedAt },
    },
    payload,
  };
}

/** A share answering the request is `shared`: the request is fulfilled by it, unless it is already closed. */
export function fulfilRequest(
  request: CredentialRequest,
  share: { readonly shareId: string; readonly credentialTypes: readonly string[] },
  now: Date,
): RequestChange {
  const { state } = request;
  if (state.status === "fulfilled" && state.shareId === share.shareId)
    return { ok: true, request, unchanged: true };
  if (state.status !== "open") return { ok: false };
  return {
    ok: true,
    request: {
      ...request,
      state: {
        status: "fulfilled",
        shareId: share.shareId,
        sharedTypes: share.credentialTypes,
        fulfilledAt: now.toISOString(),
      },
    },
  };
}

/** When the request was closed (fulfilled, declined or withdrawn); undefined while it is open. */
export function closedAt(request: CredentialRequest): string | undefined {
  const { state } = request;
  switch (state.status) {
    case "open":
      return undefined;
    case "fulfilled":
      return state.fulfilledAt;
    case "declined":
      return state.declinedAt;
    case "withdrawn":
      return state.withdrawnAt;
  }
}

/**
 * The request without its free text (the trust's message, the staff member's reason), once it has been closed for
 * the retention period: the record of what was asked and how it ended stays. Undefined when there is nothing to
 * drop yet.
 */
export function redactClosedRequest(
  request: CredentialRequest,
  now: Date,
  retentionMs: number,
): CredentialRequest | undefined {
  const closed = closedAt(request);
  if (closed === undefined || Date.parse(closed) + retentionMs > now.getTime()) return undefined;
  const { state } = request;
  const hasReason = state.status === "declined" && state.reason !== undefined;
  if (request.message === undefined && !hasReason) return undefined;
  const { message: _message, ...kept } = request;
  const keptState =
    state.status === "declined" ? { status: state.status, declinedAt: state.declinedAt } : state;
  return { ...kept, state: keptState, redactedAt: now.toISOString() };
}
