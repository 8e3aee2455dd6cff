// A login request and its life: pending → scanned → verified | failed, or expired when time runs out first
// (the shared rules are in requestProgress.ts). Plain JSON, stored in the `requests` container.

import type { RequestBase } from "./requestBase.js";
import {
  effectiveStatus,
  type Failed,
  type Pending,
  type RequestError,
  type Scanned,
} from "./requestProgress.js";
import type { StaffClaims } from "./staffClaims.js";

export type Verified = {
  readonly status: "verified";
  readonly verifiedAt: string;
  /** The wallet holder's DID, which every later share must be presented from. */
  readonly subject: string;
  readonly staff: StaffClaims;
};

/** Where a login stands, as stored. `expired` is never stored: it is derived from `expiresAt` (see loginView). */
export type LoginProgress = Pending | Scanned | Verified | Failed;

export type LoginRequest = RequestBase & {
  readonly kind: "login";
  /** Hash of the poll token handed to the portal. */
  readonly pollTokenHash: string;
  readonly progress: LoginProgress;
};

export type LoginStatus = LoginProgress["status"] | "expired";

/** What the poll endpoint reports: the effective status, with the outcome when there is one. */
export type LoginView = {
  readonly loginId: string;
  readonly trustId: string;
  readonly expiresAt: string;
} & (
  | { readonly status: "pending" | "scanned" | "expired" }
  | {
      readonly status: "verified";
      readonly verifiedAt: string;
      readonly subject: string;
      readonly staff: StaffClaims;
    }
  | { readonly status: "failed"; readonly error: RequestError }
);

/** The login as the portal sees it at `now`: `expired` once past `expiresAt` unless already verified or failed. */
export function loginView(login: LoginRequest, now: Date): LoginView {
  const base = { loginId: login.id, trustId: login.trustId, expiresAt: login.expiresAt };
  const { progress } = login;
  switch (progress.status) {
    case "verified":
      return {
        ...base,
        status: "verified",
        verifiedAt: progress.verifiedAt,
        subject: progress.subject,
        staff: progress.staff,
      };
    case "failed":
      return { ...base, status: "failed", error: progress.error };
    case "pending":
    case "scanned":
      return { ...base, status: effectiveStatus(login, now) as "pending" | "scanned" | "expired" };
  }
}
