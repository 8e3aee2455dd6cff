// Applies a Verified ID callback to the request it names. The per-request api-key is the only thing trusted;
// repeats and late callbacks change nothing; racing callbacks are settled by ETag so exactly one transition wins.
import type { RequestStore } from "../adapters/cosmos/requestStore.js";
import type { TrustStore } from "../adapters/cosmos/trustStore.js";
import type { VerifiedIdCallback } from "../adapters/verifiedId/callback.js";
import { acceptLoginPresentation } from "../domain/acceptPresentation.js";
import { applyLoginEvent, type LoginEvent, type LoginRequest } from "../domain/login.js";
import type { Presentation } from "../domain/presentation.js";
import { hashSecret, MINTED_ID, mintSecret, secretMatchesHash } from "../domain/secrets.js";
import { ServiceError } from "../errors.js";
import { REQUEST_TTL_SECONDS } from "./logins.js";

export type CallbackDeps = {
  trusts: TrustStore;
  requests: RequestStore<LoginRequest>;
  clock: () => Date;
};

/** Missing or wrong api-key, or a state/requestId pair we did not issue. One answer for all, so none is revealed. */
export class InvalidCallback extends ServiceError {
  constructor() {
    super("invalid_callback", "The callback does not match a request this service made.");
  }
}

export type CallbackOutcome =
  | { applied: true; requestId: string; kind: string; status: string }
  | { applied: false; requestId: string; kind: string; reason: string };

/** Optimistic concurrency retries; each retry re-reads, so a lost race normally ends in "already final". */
const MAX_ATTEMPTS = 5;

function presentationOf(callback: VerifiedIdCallback): Presentation {
  return {
    subject: callback.subject ?? "",
    credentials: (callback.verifiedCredentialsData ?? []).map((credential) => ({
      issuer: credential.issuer,
      type: credential.type,
      claims: credential.claims,
      revocationStatus: credential.credentialState.revocationStatus,
      ...(credential.issuanceDate === undefined ? {} : { issuanceDate: credential.issuanceDate }),
      ...(credential.expirationDate === undefined ? {} : { expirationDate: credential.expirationDate }),
    })),
  };
}

async function loginEventOf(
  deps: CallbackDeps,
  login: LoginRequest,
  callback: VerifiedIdCallback,
  now: Date,
) {
  switch (callback.requestStatus) {
    case "request_retrieved":
      return { type: "retrieved" } satisfies LoginEvent;
    case "presentation_error":
      return {
        type: "failed",
        error: { code: "presentation_error", message: "The wallet could not present the access key." },
      } satisfies LoginEvent;
    case "presentation_verified": {
      const trust = await deps.trusts.get(login.trustId);
      if (!trust?.active) {
        return {
          type: "failed",
          error: { code: "unknown_trust", message: "The trust is no longer active in the directory." },
        } satisfies LoginEvent;
      }
      const accepted = acceptLoginPresentation(trust, presentationOf(callback), now);
      return accepted.ok
        ? ({ type: "verified", subject: accepted.subject, staff: accepted.staff } satisfies LoginEvent)
        : ({ type: "failed", error: accepted.error } satisfies LoginEvent);
    }
  }
}

export async function handleVerifiedIdCallback(
  deps: CallbackDeps,
  apiKey: string | null,
  callback: VerifiedIdCallback,
): Promise<CallbackOutcome> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const stored = MINTED_ID.test(callback.state) ? await deps.requests.get(callback.state) : undefined;
    // The key is compared whether or not the request exists, so timing reveals nothing either.
    const keyMatches = secretMatchesHash(apiKey ?? "", stored?.value.apiKeyHash ?? hashSecret(mintSecret()));
    if (!stored || !keyMatches || stored.value.verifiedIdRequestId !== callback.requestId)
      throw new InvalidCallback();

    const login = stored.value;
    const now = deps.clock();
    const event = await loginEventOf(deps, login, callback, now);
    const transition = applyLoginEvent(login, event, now);
    if (!transition.changed)
      return { applied: false, requestId: login.id, kind: login.kind, reason: transition.reason };
    if (await deps.requests.replace(transition.next, stored.etag, REQUEST_TTL_SECONDS)) {
      return { applied: true, requestId: login.id, kind: login.kind, status: transition.next.status };
    }
  }
  throw new ServiceError("dependency_unavailable", "The request is changing too often; try again.");
}
