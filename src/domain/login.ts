// A login request and its life: pending → scanned → verified | failed, or expired when time runs out first.
// Plain JSON (dates as RFC 3339 strings) because it is stored as a document in the requests container.

import type { StaffClaims } from "./acceptPresentation.js";

/** A stored error on a failed request: a refusal code or the Request Service's own `presentation_error`. */
export type RequestError = { readonly code: string; readonly message: string };

/** Where a login stands, as stored. `expired` is never stored: it is derived from `expiresAt` (see loginView). */
export type LoginProgress =
  | { readonly status: "pending" }
  | { readonly status: "scanned"; readonly scannedAt: string }
  | {
      readonly status: "verified";
      readonly verifiedAt: string;
      /** The wallet holder's DID, which every later share must be presented from. */
      readonly subject: string;
      readonly staff: StaffClaims;
    }
  | { readonly status: "failed"; readonly failedAt: string; readonly error: RequestError };

export type LoginRecord = {
  readonly kind: "login";
  readonly id: string;
  readonly trustId: string;
  /** The Request Service's `requestId`; a callback must name it together with `callbackState`. */
  readonly verifiedIdRequestId: string;
  /** The opaque `state` we put in the presentation request and Verified ID echoes in every callback. */
  readonly callbackState: string;
  /** Hash of the per-request `api-key` the callback must carry. */
  readonly apiKeyHash: string;
  /** Hash of the poll token handed to the portal. */
  readonly pollTokenHash: string;
  readonly createdAt: string;
  readonly expiresAt: string;
};

export type LoginRequest = LoginRecord & LoginProgress;

export type LoginStatus = LoginProgress["status"] | "expired";

/** What the Verified ID callback reported, already judged by the acceptance rules for `verified`. */
export type LoginEvent =
  | { readonly type: "retrieved" }
  | { readonly type: "verified"; readonly subject: string; readonly staff: StaffClaims }
  | { readonly type: "failed"; readonly error: RequestError };

/** Why an event changed nothing: the login had already finished, had expired, or was already scanned. */
export type IgnoredReason = "final" | "expired" | "repeated";

export type LoginTransition =
  | { readonly changed: true; readonly next: LoginRequest }
  | { readonly changed: false; readonly reason: IgnoredReason };

export type NewLogin = Omit<LoginRecord, "kind" | "createdAt" | "expiresAt"> & { readonly expiresAt: Date };

/** A fresh login, pending until the wallet fetches the request. */
export function newLoginRequest(input: NewLogin, now: Date): LoginRequest {
  return {
    kind: "login",
    id: input.id,
    trustId: input.trustId,
    verifiedIdRequestId: input.verifiedIdRequestId,
    callbackState: input.callbackState,
    apiKeyHash: input.apiKeyHash,
    pollTokenHash: input.pollTokenHash,
    createdAt: now.toISOString(),
    expiresAt: input.expiresAt.toISOString(),
    status: "pending",
  };
}

/** Whether a verified or failed request: nothing moves it any more. */
export function isFinal(progress: { readonly status: string }): boolean {
  return progress.status === "verified" || progress.status === "failed";
}

/** Whether `now` is at or past `expiresAt`. Shared by every request kind that expires. */
export function hasExpired(request: { readonly expiresAt: string }, now: Date): boolean {
  return now.getTime() >= Date.parse(request.expiresAt);
}

/**
 * Applies a callback event. Callbacks may repeat or arrive late, so anything that cannot move the login forward
 * changes nothing and says why; the caller answers 200 either way. A `verified` or `failed` event is taken from
 * `pending` too, because a `request_retrieved` callback may be lost or arrive after the result.
 */
export function applyLoginEvent(login: LoginRequest, event: LoginEvent, now: Date): LoginTransition {
  if (isFinal(login)) return { changed: false, reason: "final" };
  if (hasExpired(login, now)) return { changed: false, reason: "expired" };

  const at = now.toISOString();
  const record = recordOf(login);
  switch (event.type) {
    case "retrieved":
      if (login.status !== "pending") return { changed: false, reason: "repeated" };
      return { changed: true, next: { ...record, status: "scanned", scannedAt: at } };
    case "verified":
      return {
        changed: true,
        next: { ...record, status: "verified", verifiedAt: at, subject: event.subject, staff: event.staff },
      };
    case "failed":
      return {
        changed: true,
        next: {
          ...record,
          status: "failed",
          failedAt: at,
          error: { code: event.error.code, message: event.error.message },
        },
      };
  }
}

/** What the poll endpoint reports: the effective status, with the outcome when there is one. */
export type LoginView = {
  readonly loginId: string;
  readonly trustId: string;
  readonly expiresAt: string;
} & (
  | { readonly status: "pending" | "scanned" | "expired" }
  | { readonly status: "verified"; readonly subject: string; readonly staff: StaffClaims }
  | { readonly status: "failed"; readonly error: RequestError }
);

/** The login as the portal sees it at `now`: `expired` once past `expiresAt` unless already verified or failed. */
export function loginView(login: LoginRequest, now: Date): LoginView {
  const base = { loginId: login.id, trustId: login.trustId, expiresAt: login.expiresAt };
  switch (login.status) {
    case "verified":
      return { ...base, status: "verified", subject: login.subject, staff: login.staff };
    case "failed":
      return { ...base, status: "failed", error: login.error };
    case "pending":
    case "scanned":
      return { ...base, status: hasExpired(login, now) ? "expired" : login.status };
  }
}

/** The record without its progress fields, so a transition never carries a stale field over. */
function recordOf(login: LoginRequest): LoginRecord {
  return {
    kind: login.kind,
    id: login.id,
    trustId: login.trustId,
    verifiedIdRequestId: login.verifiedIdRequestId,
    callbackState: login.callbackState,
    apiKeyHash: login.apiKeyHash,
    pollTokenHash: login.pollTokenHash,
    createdAt: login.createdAt,
    expiresAt: login.expiresAt,
  };
}
