// Applies a Verified ID callback to the request it names. The per-request api-key is the only thing trusted and
// is checked before anything else of the body; `kind` picks the state machine and the acceptance rules. Repeats
// and late callbacks change nothing; racing callbacks are settled by ETag so exactly one transition wins.
import {
  type AcceptedCredential,
  acceptLoginPresentation,
  acceptSharePresentation,
} from "../domain/acceptPresentation.js";
import { type AccessKeyRequest, issuanceChange } from "../domain/accessKey.js";
import type { LoginRequest, Verified } from "../domain/login.js";
import type { CallbackReport, Presentation } from "../domain/presentation.js";
import {
  advance,
  hasExpired,
  type ProgressEvent,
  type RequestError,
  whyIgnored,
} from "../domain/requestProgress.js";
import { hashSecret, MINTED_ID, mintId, mintSecret, secretMatchesHash } from "../domain/secrets.js";
import { type ShareRequest, shareAccepted } from "../domain/share.js";
import type { Trust } from "../domain/trust.js";
import type { VerifiedIdRequest } from "../domain/verifiedIdRequest.js";
import { ServiceError, TrustDocumentInvalid } from "../errors.js";
import { describeError } from "../log.js";
import { measure } from "../telemetry/metrics.js";
import { inSpan, linkToActive, traceContextOf } from "../telemetry/tracing.js";
import type { AuditRecorder } from "./audit.js";
import { fulfilCredentialRequest } from "./credentialRequests.js";
import { type OutboxDeps, publishFromOutbox, shareOutbox } from "./outbox.js";
import type {
  AccessKeyStore,
  Clock,
  PayloadStore,
  RequestStore,
  ShareChange,
  TrustDirectory,
  Versioned,
} from "./ports.js";
import { REQUEST_TTL_SECONDS } from "./presentationRequests.js";

export type CallbackDeps = OutboxDeps & {
  trusts: TrustDirectory;
  accessKeys: AccessKeyStore;
  requests: RequestStore;
  payloads: PayloadStore;
  clock: Clock;
  audit: AuditRecorder;
};

/** Missing or wrong api-key, or a state/requestId pair we did not issue. One answer for all, so none is revealed. */
export class InvalidCallback extends ServiceError {
  constructor() {
    super("invalid_callback", "The callback does not match a request this service made.");
  }
}

export type CallbackOutcome =
  | { applied: true; requestId: string; kind: string; status: string; error?: RequestError }
  | { applied: false; requestId: string; kind: string; reason: string };

/** Optimistic concurrency retries; each retry re-reads, so a lost race normally ends in "already final". */
const MAX_ATTEMPTS = 5;

/** Compared against when no request is found, so that timing does not tell a known state from an unknown one. */
const DECOY_HASH = hashSecret(mintSecret());

/**
 * Where a callback came in: at its request's own URL, whose last segment is `state` ("path"), or at the endpoint's
 * old URL, which only requests made before the change were given, with `state` only in the body ("body").
 */
export type CallbackRoute = "path" | "body";

/**
 * The stored request a callback names, if its api-key matches. `state` comes from the callback's path, or at the
 * old URL from the body, and is used only to find the request, so a caller without the key learns nothing about
 * the rest of the schema.
 */
export async function authenticateCallback(
  deps: { requests: RequestStore },
  apiKey: string | null,
  state: unknown,
  route: CallbackRoute = "path",
): Promise<Versioned<VerifiedIdRequest>> {
  const id = typeof state === "string" && MINTED_ID.test(state) ? state : undefined;
  const stored = id === undefined ? undefined : await deps.requests.get(id);
  // The key is compared whether or not the request exists, so timing reveals nothing either.
  const keyMatches = secretMatchesHash(apiKey ?? "", stored?.value.apiKeyHash ?? DECOY_HASH);
  // A request given its own callback URL is never called back at the old one, so that the old URL (which reads
  // the body to find the request) serves only requests made before the change, and none once they have expired.
  const routeMatches = route === "path" || stored?.value.callbackInPath === undefined;
  // A standard wallet's request is answered at its response URI, never by a Verified ID callback.
  const isVerifiedIds = stored?.value.openid4vp === undefined;
  if (stored === undefined || !keyMatches || !routeMatches || !isVerifiedIds) throw new InvalidCallback();
  return stored;
}

/** Applies an authenticated callback to its request, by the request's kind. */
export async function applyCallback(
  deps: CallbackDeps,
  stored: Versioned<VerifiedIdRequest>,
  report: CallbackReport,
  correlationId: string,
): Promise<CallbackOutcome> {
  const request = stored.value;
  if (report.state !== request.id || report.requestId !== request.verifiedIdRequestId)
    throw new InvalidCallback();
  switch (request.kind) {
    case "login":
      return applyToLogin(deps, stored as Versioned<LoginRequest>, report);
    case "share":
      // The rest of the share's trace, started by POST /api/shares, linked to the HTTP request it arrived in.
      return inSpan(
        "share callback",
        {
          parent: request.trace,
          links: linkToActive(),
          attributes: { "staff_passport.share_id": request.id, "staff_passport.trust_id": request.trustId },
        },
        async (span) => {
          const outcome = await applyToShare(deps, request, report, correlationId);
          span.setAttribute(
            "staff_passport.callback.outcome",
            outcome.applied ? outcome.status : outcome.reason,
          );
          countCallback(outcome);
          return outcome;
        },
      );
    case "accessKey":
      return applyToAccessKey(deps, request, report);
    default:
      // A document of a kind this code does not know is never applied.
      throw new InvalidCallback();
  }
}

/** A login's end, verified (the person is known from here on) or failed with its code. */
async function auditLogin(deps: CallbackDeps, login: LoginRequest): Promise<void> {
  const { progress } = login;
  if (progress.status === "verified")
    await deps.audit({
      id: `login.verified:${login.id}`,
      action: "login.verified",
      actor: "staff",
      subject: progress.subject,
      trustId: login.trustId,
      loginId: login.id,
    });
  else if (progress.status === "failed")
    await deps.audit({
      id: `login.failed:${login.id}`,
      action: "login.failed",
      actor: "anonymous",
      trustId: login.trustId,
      loginId: login.id,
      code: progress.error.code,
    });
}

/** A share's end: shared with the types and event, or failed with its code. */
async function auditShare(deps: CallbackDeps, share: ShareRequest, change: ShareChange): Promise<void> {
  const base = { actor: "staff", subject: share.subject, trustId: share.trustId, shareId: share.id } as const;
  const { progress } = change;
  if (progress.status === "shared")
    await deps.audit({
      ...base,
      id: `share.shared:${share.id}`,
      action: "share.shared",
      eventId: progress.eventId,
      credentialTypes: progress.credentials.map((credential) => credential.type),
      ...(share.answers === undefined ? {} : { requestId: share.answers.requestId }),
    });
  else if (progress.status === "failed")
    await deps.audit({
      ...base,
      id: `share.failed:${share.id}`,
      action: "share.failed",
      code: progress.error.code,
    });
}

/** Counts a share's callback by outcome, and the share's end when it made one. */
function countCallback(outcome: CallbackOutcome): void {
  if (!outcome.applied) measure.callback("ignored");
  else if (outcome.status === "failed") {
    measure.callback("refused", outcome.error?.code);
    measure.shareFinished("failed");
  } else {
    measure.callback("accepted");
    if (outcome.status === "shared") measure.shareFinished("shared");
  }
}

/** What the callback means for the request, judged by `judge` when it reports a presentation. */
async function progressEventOf<Done>(
  report: CallbackReport,
  judge: (presentation: Presentation) => Promise<ProgressEvent<Done>>,
): Promise<ProgressEvent<Done>> {
  switch (report.status) {
    case "retrieved":
      return { type: "retrieved" };
    case "error":
      return {
        type: "failed",
        error: { code: "presentation_error", message: "The wallet could not present the credentials." },
      };
    case "refused":
      return { type: "failed", error: report.error };
    case "issued":
    case "issuanceFailed":
      // Only an issuance request is called back with these; a presentation request never is.
      throw new InvalidCallback();
    case "verified":
      return report.presentation.ok
        ? judge(report.presentation)
        : {
            type: "failed",
            error: {
              code: "presentation_incomplete",
              message: "A presented credential lacks a field the service needs to check it.",
            },
          };
  }
}

const TRUST_GONE = {
  type: "failed",
  error: { code: "unknown_trust", message: "The trust is no longer active in the directory." },
} as const;

const TRUST_INVALID = {
  type: "failed",
  error: { code: "trust_invalid", message: "The trust's entry in the directory cannot be read." },
} as const;

/**
 * The trust a presentation is judged against. A document that is not a valid trust fails the request (logged
 * for the operator) rather than answering 503 forever: Verified ID gives up on a callback, and the holder's
 * presentation cannot be judged without the trust.
 */
async function trustFor(deps: CallbackDeps, trustId: string): Promise<Trust | "invalid" | undefined> {
  try {
    return await deps.trusts.get(trustId);
  } catch (error) {
    if (!(error instanceof TrustDocumentInvalid)) throw error;
    deps.log.error("trust document is not valid; the request fails", describeError(error));
    return "invalid";
  }
}

async function applyToLogin(
  deps: CallbackDeps,
  first: Versioned<LoginRequest>,
  report: CallbackReport,
): Promise<CallbackOutcome> {
  let stored: Versioned<VerifiedIdRequest> | undefined = first;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    if (stored?.value.kind !== "login") throw new InvalidCallback();
    const login: LoginRequest = stored.value;
    const now = deps.clock();
    const ignored = whyIgnored(login, now);
    if (ignored !== undefined)
      return { applied: false, requestId: login.id, kind: login.kind, reason: ignored };

    const event = await progressEventOf<Verified>(report, async (presentation) => {
      const trust = await trustFor(deps, login.trustId);
      if (trust === "invalid") return TRUST_INVALID;
      if (!trust?.active) return TRUST_GONE;
      const accepted = acceptLoginPresentation(trust, presentation, now);
      if (!accepted.ok) return { type: "failed", error: accepted.error };
      const verified: Verified = {
        status: "verified",
        verifiedAt: now.toISOString(),
        subject: accepted.subject,
        staff: accepted.staff,
      };
      return { type: "done", progress: verified };
    });
    const step = advance(login, event, now);
    if (!step.changed) return { applied: false, requestId: login.id, kind: login.kind, reason: step.reason };
    const next: LoginRequest = { ...login, progress: step.progress };
    if (await deps.requests.replace(next, stored.etag, REQUEST_TTL_SECONDS)) {
      await auditLogin(deps, next);
      return { applied: true, requestId: login.id, kind: login.kind, ...outcomeOf(step.progress) };
    }
    stored = await deps.requests.get(login.id);
  }
  throw new ServiceError("dependency_unavailable", "The request is changing too often; try again.");
}

/**
 * Fulfils the request the share answers, at once so that the staff member and the trust see it. Never throws:
 * the share is shared whatever happens here, and the record consumer fulfils it when it records the event.
 */
async function fulfilAnsweredRequest(deps: CallbackDeps, share: ShareRequest): Promise<void> {
  if (share.answers === undefined) return;
  const answering = {
    trustId: share.trustId,
    requestId: share.answers.requestId,
    shareId: share.id,
    credentialTypes: share.credentialTypes,
  };
  try {
    await fulfilCredentialRequest(deps, answering, deps.log);
  } catch (error) {
    deps.log.warn("credential request not fulfilled yet; recording the share event will", {
      requestId: answering.requestId,
      shareId: share.id,
      ...describeError(error),
    });
  }
}

/**
 * Deletes the payload of an event that was never stored: another callback or a cancellation moved the share
 * first. Never throws: Blob storage's lifecycle rule deletes a payload left behind after the retention period.
 */
async function dropOrphanPayload(deps: CallbackDeps, trustId: string, eventId: string): Promise<void> {
  try {
    await deps.payloads.delete(trustId, eventId);
  } catch (error) {
    deps.log.warn("payload of an unstored share event left to the lifecycle rule", {
      eventId,
      ...describeError(error),
    });
  }
}

/**
 * A standard wallet's share carries the trust's access key beside the shared credentials (walletQuery.ts): it must
 * pass a login's checks (issuer, status, dates, this trust), and its holder key names the subject that
 * acceptSharePresentation compares with the session's. A Verified ID share has none: its wallet DID binds it.
 */
function bindingRefusal(
  trust: Trust,
  request: ShareRequest,
  presentation: Presentation,
  now: Date,
): RequestError | undefined {
  if (request.openid4vp === undefined) return undefined;
  if (presentation.accessKey === undefined) {
    return { code: "missing_credentials", message: "The access key was not presented with the credentials." };
  }
  const checked = acceptLoginPresentation(
    trust,
    { subject: presentation.subject, credentials: [presentation.accessKey] },
    now,
  );
  return checked.ok ? undefined : checked.error;
}

type AcceptedShare = { readonly status: "shared"; readonly credentials: readonly AcceptedCredential[] };

/**
 * The request record with what its share asked for. A record written before records held it (while such a
 * presentation request may still be answered, up to its expiry) takes it from the share, at the cost of a read.
 */
async function withWhatWasAsked(deps: CallbackDeps, request: ShareRequest): Promise<ShareRequest> {
  const recorded = request as Partial<ShareRequest>;
  if (Array.isArray(recorded.credentialTypes) && recorded.staff !== undefined) return request;
  const stored = await deps.shares.get(request.subject, request.id);
  if (stored === undefined) throw new InvalidCallback();
  const { credentialTypes, staff, answers } = stored.value;
  return { ...request, credentialTypes, staff, ...(answers === undefined ? {} : { answers }) };
}

/**
 * Judges the callback against the share's request record, which holds what the share asked for, then moves the
 * share on with one write conditional on its stored status: a share another callback or a cancellation has moved
 * on is never changed. Only when that write finds the share elsewhere is the share read, to say why.
 */
async function applyToShare(
  deps: CallbackDeps,
  record: ShareRequest,
  report: CallbackReport,
  correlationId: string,
): Promise<CallbackOutcome> {
  const request = await withWhatWasAsked(deps, record);
  const now = deps.clock();
  const notApplied = async (): Promise<CallbackOutcome> => {
    const stored = await deps.shares.get(request.subject, request.id);
    if (stored === undefined) throw new InvalidCallback();
    const reason = whyIgnored(stored.value, now) ?? "repeated";
    return { applied: false, requestId: request.id, kind: request.kind, reason };
  };
  // The request's expiry is the share's: past it, no callback moves the share whatever its status.
  if (hasExpired(request, now)) return notApplied();

  const event = await progressEventOf<AcceptedShare>(report, async (presentation) => {
    const trust = await trustFor(deps, request.trustId);
    if (trust === "invalid") return TRUST_INVALID;
    if (!trust?.active) return TRUST_GONE;
    const binding = bindingRefusal(trust, request, presentation, now);
    if (binding !== undefined) return { type: "failed", error: binding };
    const expected = { types: request.credentialTypes, subject: request.subject, staff: request.staff };
    const accepted = acceptSharePresentation(expected, presentation, now);
    if (!accepted.ok) return { type: "failed", error: accepted.error };
    return { type: "done", progress: { status: "shared", credentials: accepted.credentials } };
  });
  // Judged as if still pending: the condition of the write below is what decides whether the share may move.
  const step = advance({ expiresAt: request.expiresAt, progress: { status: "pending" } }, event, now);
  if (!step.changed) return notApplied();
  // The event is minted once, in the write that marks the share shared: a lost race finds a final share.
  let accepted: ReturnType<typeof shareAccepted> | undefined;
  let change: ShareChange;
  if (step.progress.status === "shared") {
    const minted = { eventId: mintId(), credentials: step.progress.credentials };
    const made = shareAccepted(request, minted, now, correlationId);
    const trace = traceContextOf();
    accepted = trace === undefined ? made : { ...made, outbox: { ...made.outbox, trace } };
    change = accepted;
  } else {
    change = { progress: step.progress };
  }
  const from = event.type === "retrieved" ? (["pending"] as const) : (["pending", "scanned"] as const);
  if (accepted !== undefined) {
    // The claim check: the payload is stored before the share is marked shared, so a shared share always has
    // its payload, and a failure here leaves the share as it was and the callback answered 503, to be retried.
    await deps.payloads.put(request.trustId, accepted.outbox.event.eventId, accepted.payload);
  }
  // A write that throws may still have landed (a timeout after Cosmos DB applied it), so only a write refused for
  // certain makes the payload an orphan to delete; anything else is left to the lifecycle rule.
  if (!(await deps.shares.advance(request.subject, request.id, change, from))) {
    if (accepted !== undefined) await dropOrphanPayload(deps, request.trustId, accepted.outbox.event.eventId);
    return notApplied();
  }
  await auditShare(deps, request, change);
  if (change.outbox !== undefined) {
    const shared = { id: request.id, subject: request.subject, outbox: change.outbox };
    await publishFromOutbox(deps, shareOutbox(deps.shares), shared);
    await fulfilAnsweredRequest(deps, request);
  }
  return { applied: true, requestId: request.id, kind: request.kind, ...outcomeOf(change.progress) };
}

/**
 * Moves the access key an issuance callback reports on, in one write conditional on its stored status: a repeat,
 * or a callback after the key has moved on, changes nothing. A presentation's callback never applies to it.
 */
async function applyToAccessKey(
  deps: CallbackDeps,
  request: AccessKeyRequest,
  report: CallbackReport,
): Promise<CallbackOutcome> {
  if (report.status !== "retrieved" && report.status !== "issued" && report.status !== "issuanceFailed") {
    throw new InvalidCallback();
  }
  const change = issuanceChange(report, deps.clock());
  const changed = await deps.accessKeys.change(request.trustId, request.accessKeyId, change);
  if (!changed) return { applied: false, requestId: request.id, kind: request.kind, reason: "repeated" };
  if (change.set.status === "issued")
    await deps.audit({
      id: `access_key.issued:${request.accessKeyId}`,
      action: "access_key.issued",
      actor: "service",
      trustId: request.trustId,
      accessKeyId: request.accessKeyId,
    });
  return { applied: true, requestId: request.id, kind: request.kind, status: change.set.status ?? "offered" };
}

/** The status a move left, with the refusal when it failed the request. */
function outcomeOf(progress: { readonly status: string; readonly error?: RequestError }): {
  status: string;
  error?: RequestError;
} {
  return progress.error === undefined
    ? { status: progress.status }
    : { status: progress.status, error: progress.error };
}
