// Sharing credentials with the session's trust: starting a share (one presentation request for every chosen
// type), reading it, cancelling it, and the staff member's history across trusts.
import { shareableCredentialType } from "../domain/catalogue.js";
import { JWK_THUMBPRINT_URI } from "../domain/presentation.js";
import { MINTED_ID } from "../domain/secrets.js";
import {
  cancelShare as cancel,
  newShare,
  type ShareRequest,
  type ShareView,
  shareView,
} from "../domain/share.js";
import type { Protocol, Trust } from "../domain/trust.js";
import { ServiceError } from "../errors.js";
import { measure } from "../telemetry/metrics.js";
import { traceContextOf } from "../telemetry/tracing.js";
import type { AuditRecorder } from "./audit.js";
import { requestToAnswer } from "./credentialRequests.js";
import { chosenProtocol } from "./logins.js";
import type {
  Clock,
  CredentialRequestStore,
  RequestedCredentialInput,
  RequestStore,
  Session,
  ShareStore,
  StandardWallets,
  TrustDirectory,
  VerifiedIdClient,
} from "./ports.js";
import { startPresentationRequest } from "./presentationRequests.js";

export type ShareDeps = {
  trusts: TrustDirectory;
  requests: RequestStore;
  shares: ShareStore;
  credentialRequests: CredentialRequestStore;
  verifiedId: VerifiedIdClient;
  wallets: StandardWallets;
  clock: Clock;
  audit: AuditRecorder;
};

/** A page of the history holds at most this many shares (API.md section 1). */
export const HISTORY_PAGE_SIZE = 50;

/** The session's trust has been deactivated since the login: no new share may go to it. */
export class TrustInactive extends ServiceError {
  constructor() {
    super("trust_inactive", "The trust of this session is no longer active; shares to it cannot be made.");
  }
}

/** The same answer for a share that does not exist and one that belongs to another staff member. */
export class ShareNotFound extends ServiceError {
  constructor() {
    super("not_found", "No share with that id belongs to this session's staff member.");
  }
}

export class ShareFinished extends ServiceError {
  constructor() {
    super("conflict", "The share has already finished and can no longer be cancelled.");
  }
}

export class BadContinuation extends ServiceError {
  readonly errors = [
    { path: "query.continuation", message: "Not a continuation token this service issued." },
  ];

  constructor() {
    super("validation_failed", "The continuation token is not valid.");
  }
}

export type StartedShare = {
  shareId: string;
  trustId: string;
  credentialTypes: readonly string[];
  url: string;
  qrCode: string;
  expiresAt: string;
};

/** The catalogue's request for a type; the HTTP layer has already refused unknown types and the access key. */
function requestedCredential(type: string): RequestedCredentialInput {
  const entry = shareableCredentialType(type);
  if (entry === undefined) throw new RangeError(`${type} is not a shareable credential type`);
  return { type, purpose: entry.purpose, acceptedIssuers: entry.acceptedIssuers };
}

/** A share asked for over another protocol than its session's login: its wallet could never match the login's. */
export class ProtocolNotSessions extends ServiceError {
  readonly errors = [
    {
      path: "body.protocol",
      message: "A share is presented from the wallet that logged in, over its protocol.",
    },
  ];

  constructor() {
    super("validation_failed", "This session's wallet logged in over another protocol.");
  }
}

/**
 * The share goes over the protocol the session's wallet logged in with (its subject says which: a standard
 * wallet's is a JWK thumbprint URI, Authenticator's a DID), which the trust must still offer.
 */
function shareProtocol(trust: Trust, session: Session, asked: Protocol | undefined): Protocol {
  const sessions: Protocol = session.subject.startsWith(JWK_THUMBPRINT_URI) ? "openid4vp" : "verifiedid";
  if (asked !== undefined && asked !== sessions) throw new ProtocolNotSessions();
  return chosenProtocol(trust, sessions);
}

/**
 * One presentation request for every chosen type, under the trust's name, then the share in the staff member's
 * history. The request record is stored first, so that a callback never finds a share it cannot authenticate.
 * A share may answer an open credential request of the session's trust for the session's staff id; it may carry
 * fewer types than were asked for (the view says which are missing) or more.
 */
export async function startShare(
  deps: ShareDeps,
  session: Session,
  credentialTypes: readonly string[],
  requestId?: string,
  protocol?: Protocol,
): Promise<StartedShare> {
  const requestedCredentials = credentialTypes.map(requestedCredential);
  const trust = await deps.trusts.get(session.trustId);
  if (!trust?.active) throw new TrustInactive();
  const chosen = shareProtocol(trust, session, protocol);
  // Checked before Verified ID is asked, so that a wrong request id spends no quota.
  const answers = requestId === undefined ? undefined : await requestToAnswer(deps, session, requestId);
  const trace = traceContextOf();
  const { request, started } = await startPresentationRequest(
    deps,
    trust.id,
    chosen,
    {
      clientName: trust.name,
      purpose: `Share your credentials with ${trust.name}`,
      includeQRCode: true,
      includeReceipt: false,
      requestedCredentials,
    },
    (base): ShareRequest => ({
      ...base,
      kind: "share",
      subject: session.subject,
      staff: session.staff,
      credentialTypes: [...credentialTypes],
      ...(answers === undefined ? {} : { answers }),
      ...(trace === undefined ? {} : { trace }),
    }),
  );
  measure.shareStarted(chosen);
  await deps.audit({
    id: `share.started:${request.id}`,
    action: "share.started",
    actor: "staff",
    subject: session.subject,
    trustId: trust.id,
    shareId: request.id,
    credentialTypes: [...credentialTypes],
    ...(answers === undefined ? {} : { requestId: answers.requestId }),
  });
  const share = newShare(
    {
      id: request.id,
      subject: session.subject,
      trustId: trust.id,
      staff: session.staff,
      credentialTypes: [...credentialTypes],
      expiresAt: request.expiresAt,
      ...(answers === undefined ? {} : { answers }),
      ...(trace === undefined ? {} : { trace }),
    },
    deps.clock(),
  );
  await deps.shares.create(share);
  return {
    shareId: share.id,
    trustId: share.trustId,
    credentialTypes: share.credentialTypes,
    url: started.url,
    qrCode: started.qrCode,
    expiresAt: share.expiresAt,
  };
}

async function ownShare(deps: Pick<ShareDeps, "shares">, session: Session, shareId: string) {
  // An id we could never have minted is unknown without asking the store.
  const stored = MINTED_ID.test(shareId) ? await deps.shares.get(session.subject, shareId) : undefined;
  if (stored === undefined) throw new ShareNotFound();
  return stored;
}

export async function readShare(deps: ShareDeps, session: Session, shareId: string): Promise<ShareView> {
  const stored = await ownShare(deps, session, shareId);
  return shareView(stored.value, deps.clock());
}

/** Optimistic concurrency retries; each retry re-reads, so a lost race normally ends in "already final". */
const MAX_ATTEMPTS = 5;

/** Cancels a share still waiting for the wallet; a callback that arrives afterwards changes nothing. */
export async function cancelShare(deps: ShareDeps, session: Session, shareId: string): Promise<void> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const stored = await ownShare(deps, session, shareId);
    const cancellation = cancel(stored.value, deps.clock());
    if (!cancellation.ok) throw new ShareFinished();
    if ((await deps.shares.replace(cancellation.share, stored.etag)) !== undefined) {
      measure.shareFinished("cancelled");
      await deps.audit({
        id: `share.cancelled:${shareId}`,
        action: "share.cancelled",
        actor: "staff",
        subject: session.subject,
        trustId: stored.value.trustId,
        shareId,
      });
      return;
    }
  }
  throw new ServiceError("dependency_unavailable", "The share is changing too often; try again.");
}

export type ShareHistory = { shares: ShareView[]; continuation?: string };

const HISTORY_KEY = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z\|[A-Za-z0-9_-]{22}$/;

function decodeContinuation(token: string): string {
  const key = /^[A-Za-z0-9_-]{1,200}$/.test(token) ? Buffer.from(token, "base64url").toString("utf8") : "";
  if (!HISTORY_KEY.test(key)) throw new BadContinuation();
  return key;
}

/** The session subject's shares with every trust, newest first, a page at a time. */
export async function listShares(
  deps: ShareDeps,
  session: Session,
  continuation: string | undefined,
): Promise<ShareHistory> {
  const after = continuation === undefined ? undefined : decodeContinuation(continuation);
  // One more than a page tells whether another page follows without a second query.
  const found = await deps.shares.history(session.subject, {
    ...(after === undefined ? {} : { after }),
    limit: HISTORY_PAGE_SIZE + 1,
  });
  const page = found.slice(0, HISTORY_PAGE_SIZE);
  const now = deps.clock();
  const last = page.at(-1);
  const shares = page.map((share) => shareView(share, now));
  return found.length > HISTORY_PAGE_SIZE && last !== undefined
    ? { shares, continuation: Buffer.from(last.historyKey, "utf8").toString("base64url") }
    : { shares };
}
