// The audit trail's entries: who did what with a person's data, and which authentications were refused, written by
// the use cases as they act. An entry holds identifiers, credential types, outcomes and codes, never a claim value,
// a token or a reason a person wrote (those stay with the record they belong to, and go with it).

export type AuditAction =
  | "login.started"
  | "login.verified"
  | "login.failed"
  | "share.started"
  | "share.shared"
  | "share.failed"
  | "share.cancelled"
  | "delivery.delivered"
  | "delivery.failed"
  | "delivery.dead_lettered"
  | "decision.made"
  | "credential_request.created"
  | "credential_request.declined"
  | "credential_request.withdrawn"
  | "access_key.offered"
  | "access_key.issued"
  | "access_key.revoked"
  | "auth.refused";

/** Who acted: the member of staff (by their session), a trust (by its token), the service itself, or unknown. */
export type AuditActor = "staff" | "trust" | "service" | "anonymous";

export type AuditEntry = {
  /** Unique per event: made from what happened (e.g. `share.shared:<shareId>`) so that writing it again is no change. */
  readonly id: string;
  readonly at: string;
  readonly action: AuditAction;
  readonly actor: AuditActor;
  /** The member of staff's DID, when the entry is about one. */
  readonly subject?: string;
  /** The trust concerned (for a refused authentication, the trust the caller claimed to be). */
  readonly trustId?: string;
  readonly shareId?: string;
  readonly loginId?: string;
  readonly eventId?: string;
  readonly requestId?: string;
  readonly accessKeyId?: string;
  readonly staffId?: string;
  readonly credentialTypes?: readonly string[];
  /** The outcome's code: a refusal's error code, a decision, a delivery's reason. */
  readonly code?: string;
  /** For a refused authentication: the route, and the client address it came from. */
  readonly route?: string;
  readonly clientAddress?: string;
  readonly correlationId?: string;
  /**
   * For the entry that sums up a source's refusals not written one by one (a flood, or too many writes in flight):
   * how many, and since when.
   */
  readonly count?: number;
  readonly since?: string;
};

/** An entry as it is about to be written, before the clock stamps it. */
export type NewAuditEntry = Omit<AuditEntry, "at"> & { readonly at?: string };

/** The partitions an entry is read from: the person's, and the trust's; each entry is written to each it has. */
export function auditScopes(entry: Pick<AuditEntry, "subject" | "trustId" | "at">): string[] {
  const scopes = [
    ...(entry.subject === undefined ? [] : [subjectScope(entry.subject)]),
    ...(entry.trustId === undefined ? [] : [trustScope(entry.trustId)]),
  ];
  // A refusal that names no one (no session, no trust claimed) is kept by month, for an incident's review.
  return scopes.length > 0 ? scopes : [`unattributed:${entry.at.slice(0, 7)}`];
}

export const subjectScope = (subject: string) => `subject:${subject}`;
export const trustScope = (trustId: string) => `trust:${trustId}`;
