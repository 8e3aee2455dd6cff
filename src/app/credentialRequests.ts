// Credential requests (API.md section 7): a trust asks one member of staff for credentials; the staff member sees
// the open ones at the session's trust, declines one with a reason (the trust hears it as a share event), or
// answers it with a share, which fulfils it once shared. The trust reads and withdraws its own.
import {
  type CredentialRequest,
  type CredentialRequestView,
  credentialRequestView,
  declineRequest,
  fulfilRequest,
  newCredentialRequest,
  type RequestChange,
  withdrawRequest,
} from "../domain/credentialRequest.js";
import { MINTED_ID, mintId } from "../domain/secrets.js";
import type { AnsweredRequest } from "../domain/share.js";
import { ServiceError } from "../errors.js";
import type { AuditRecorder } from "./audit.js";
import { credentialRequestOutbox, type OutboxDeps, publishFromOutbox } from "./outbox.js";
import type {
  Clock,
  CredentialRequestStore,
  Logger,
  PayloadStore,
  Session,
  TrustCaller,
  Versioned,
} from "./ports.js";

export type CredentialRequestDeps = {
  credentialRequests: CredentialRequestStore;
  clock: Clock;
  audit: AuditRecorder;
};

/** At most this many open requests are listed for one member of staff; a trust never needs more open at once. */
export const OPEN_REQUESTS_LIMIT = 100;
const MAX_ATTEMPTS = 5;

/** The same answer for an unknown request, another trust's, and another member of staff's. */
export class CredentialRequestNotFound extends ServiceError {
  constructor() {
    super("not_found", "No credential request with that id is open to this caller.");
  }
}

export class CredentialRequestClosed extends ServiceError {
  constructor(status: string) {
    super("conflict", `The credential request is ${status}, no longer open.`);
  }
}

export type NewRequestInput = {
  readonly staffId: string;
  readonly credentialTypes: readonly string[];
  readonly message?: string;
};

export async function createCredentialRequest(
  deps: CredentialRequestDeps,
  caller: TrustCaller,
  input: NewRequestInput,
): Promise<CredentialRequestView> {
  const request = newCredentialRequest(
    {
      id: mintId(),
      trustId: caller.trustId,
      staffId: input.staffId,
      credentialTypes: [...input.credentialTypes],
      ...(input.message === undefined ? {} : { message: input.message }),
    },
    deps.clock(),
  );
  const created = await deps.credentialRequests.createOnce(request, caller.jti);
  await deps.audit({
    id: `credential_request.created:${created.id}`,
    action: "credential_request.created",
    actor: "trust",
    trustId: caller.trustId,
    requestId: created.id,
    staffId: created.staffId,
    credentialTypes: created.credentialTypes,
  });
  return credentialRequestView(created);
}

/** The trust's own request; another trust's is unknown, since the partition is the caller's. */
async function trustRequest(
  deps: CredentialRequestDeps,
  trustId: string,
  requestId: string,
): Promise<Versioned<CredentialRequest>> {
  // An id we could never have minted is unknown without asking the store.
  const stored = MINTED_ID.test(requestId)
    ? await deps.credentialRequests.get(trustId, requestId)
    : undefined;
  if (stored === undefined) throw new CredentialRequestNotFound();
  return stored;
}

/** The request addressed to the session's staff member at the session's trust. */
async function staffRequest(
  deps: CredentialRequestDeps,
  session: Session,
  requestId: string,
): Promise<Versioned<CredentialRequest>> {
  const stored = await trustRequest(deps, session.trustId, requestId);
  if (session.staff.staffId === undefined || stored.value.staffId !== session.staff.staffId) {
    throw new CredentialRequestNotFound();
  }
  return stored;
}

export async function readCredentialRequest(
  deps: CredentialRequestDeps,
  caller: TrustCaller,
  requestId: string,
): Promise<CredentialRequestView> {
  return credentialRequestView((await trustRequest(deps, caller.trustId, requestId)).value);
}

/** Applies a change with the ETag guard, re-reading after a lost race; a refused change is a conflict. */
async function change(
  deps: CredentialRequestDeps,
  read: () => Promise<Versioned<CredentialRequest>>,
  next: (request: CredentialRequest, now: Date) => RequestChange,
  payloads?: PayloadStore,
): Promise<Versioned<CredentialRequest>> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const stored = await read();
    const changed = next(stored.value, deps.clock());
    if (!changed.ok) throw new CredentialRequestClosed(stored.value.state.status);
    if ("unchanged" in changed) return stored;
    if ("payload" in changed && changed.payload !== undefined) {
      const event = changed.request.outbox?.event;
      if (event === undefined || payloads === undefined)
        throw new Error(
          "A change with a payload stores it in the payload store and its event in the outbox.",
        );
      // The payload first (the claim check): a request written with its event always has its payload.
      await payloads.put(event.trustId, event.eventId, changed.payload);
    }
    const etag = await deps.credentialRequests.replace(changed.request, stored.etag);
    if (etag !== undefined) return { value: changed.request, etag };
  }
  throw new ServiceError(
    "dependency_unavailable",
    "The credential request is changing too often; try again.",
  );
}

/** Withdraws an open request; any other (already withdrawn, fulfilled or declined) is a conflict. */
export async function withdrawCredentialRequest(
  deps: CredentialRequestDeps,
  caller: TrustCaller,
  requestId: string,
): Promise<void> {
  await change(deps, () => trustRequest(deps, caller.trustId, requestId), withdrawRequest);
  await deps.audit({
    id: `credential_request.withdrawn:${requestId}`,
    action: "credential_request.withdrawn",
    actor: "trust",
    trustId: caller.trustId,
    requestId,
  });
}

/** The open requests of the session's trust for the session's staff id, newest first. */
export async function listOpenRequests(
  deps: CredentialRequestDeps,
  session: Session,
): Promise<{ requests: CredentialRequestView[] }> {
  const { staffId } = session.staff;
  if (staffId === undefined) return { requests: [] };
  const open = await deps.credentialRequests.openFor(session.trustId, staffId, OPEN_REQUESTS_LIMIT);
  return { requests: open.map(credentialRequestView) };
}

/** Declines the request with the staff member's reason; the trust hears it as a share event. */
export async function declineCredentialRequest(
  deps: CredentialRequestDeps & Omit<OutboxDeps, "credentialRequests"> & { payloads: PayloadStore },
  session: Session,
  requestId: string,
  reason: string,
  correlationId: string,
): Promise<CredentialRequestView> {
  // The event is minted once: a lost race re-reads a request that is declined already, and is refused.
  const eventId = mintId();
  const declined = await change(
    deps,
    () => staffRequest(deps, session, requestId),
    (request, now) =>
      declineRequest(request, { reason, eventId, correlationId, subject: session.subject }, now),
    deps.payloads,
  );
  await deps.audit({
    id: `credential_request.declined:${requestId}`,
    action: "credential_request.declined",
    actor: "staff",
    subject: session.subject,
    trustId: session.trustId,
    requestId,
    staffId: declined.value.staffId,
    eventId,
  });
  await publishFromOutbox(deps, credentialRequestOutbox(deps.credentialRequests), declined.value);
  return credentialRequestView(declined.value);
}

/** The open request a new share answers; 404 when it is not the session's, 409 when it is no longer open. */
export async function requestToAnswer(
  deps: CredentialRequestDeps,
  session: Session,
  requestId: string,
): Promise<AnsweredRequest> {
  const { value } = await staffRequest(deps, session, requestId);
  if (value.state.status !== "open") throw new CredentialRequestClosed(value.state.status);
  return { requestId: value.id, credentialTypes: value.credentialTypes };
}

export type AnsweringShare = {
  readonly trustId: string;
  readonly requestId: string;
  readonly shareId: string;
  readonly credentialTypes: readonly string[];
};

/**
 * Marks the request fulfilled by a share that is now `shared`. Idempotent: run right after the callback and again
 * by the record consumer, so that a failure of the first leaves the second to finish. A request closed meanwhile
 * (withdrawn, declined, or answered by another share) stays as it is.
 */
export async function fulfilCredentialRequest(
  deps: CredentialRequestDeps,
  share: AnsweringShare,
  log: Logger,
): Promise<void> {
  const fields = { requestId: share.requestId, shareId: share.shareId, trustId: share.trustId };
  try {
    await change(
      deps,
      () => trustRequest(deps, share.trustId, share.requestId),
      (request, now) => fulfilRequest(request, share, now),
    );
    log.info("credential request fulfilled", fields);
  } catch (error) {
    if (!(error instanceof CredentialRequestNotFound || error instanceof CredentialRequestClosed))
      throw error;
    log.info("credential request not fulfilled: no longer open", fields);
  }
}
