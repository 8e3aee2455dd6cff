// A standard wallet's side of a login or share (API.md section 9): it fetches the signed request object (which
// moves the request to `scanned`, as Verified ID's request_retrieved does) and posts its encrypted response, which
// is checked, then judged by the same acceptance rules and state machines as a Verified ID callback.
import type { LoginRequest } from "../domain/login.js";
import type { Presentation } from "../domain/presentation.js";
import { whyIgnored } from "../domain/requestProgress.js";
import { MINTED_ID } from "../domain/secrets.js";
import type { ShareRequest } from "../domain/share.js";
import type { VerifiedIdRequest } from "../domain/verifiedIdRequest.js";
import { type CredentialQuery, loginQueries, shareQueries } from "../domain/walletQuery.js";
import { ServiceError } from "../errors.js";
import type { RequestStore, StandardWallets, Versioned, WalletRequest } from "./ports.js";
import { applyCallback, type CallbackDeps } from "./verifiedIdCallback.js";

export type StandardWalletDeps = CallbackDeps & { wallets: StandardWallets; requests: RequestStore };

/** The same answer for an unknown request, a Verified ID one, and one that no longer waits for a wallet. */
export class WalletRequestNotFound extends ServiceError {
  constructor() {
    super("not_found", "No OpenID4VP request with that id is waiting for a wallet.");
  }
}

/** A response that is not one to take: it changed nothing (API.md section 9). */
export class WalletResponseInvalid extends ServiceError {
  constructor(message: string) {
    super("response_invalid", message);
  }
}

/** A response this request took and refused: the request is now `failed` with `refusal.code`. */
export class PresentationRefused extends ServiceError {
  constructor(readonly refusal: { readonly code: string; readonly message: string }) {
    super("presentation_refused", refusal.message);
  }
}

/** The stored OpenID4VP request with this id while it still waits for a wallet. */
async function openRequest(
  deps: StandardWalletDeps,
  id: string,
): Promise<{ stored: Versioned<VerifiedIdRequest>; request: WalletRequest } | undefined> {
  const stored = MINTED_ID.test(id) ? await deps.requests.get(id) : undefined;
  const record = stored?.value.openid4vp;
  // An access key's issuance request is Verified ID's alone; no standard wallet answers it.
  if (stored === undefined || record === undefined || stored.value.kind === "accessKey") return undefined;
  const value = stored.value;
  // A share's progress is on the share (its record keeps what it asked for), read here only for its wallet.
  const progress =
    value.kind === "login"
      ? value.progress
      : (await deps.shares.get(value.subject, value.id))?.value.progress;
  if (progress === undefined) return undefined;
  if (whyIgnored({ expiresAt: value.expiresAt, progress }, deps.clock()) !== undefined) return undefined;
  return {
    stored,
    request: { id, record, queries: queriesOf(value), expiresAt: new Date(value.expiresAt) },
  };
}

/** What the request asks for, from its record: the trust's access key, and a share's chosen types. */
function queriesOf(request: LoginRequest | ShareRequest): readonly CredentialQuery[] {
  return request.kind === "login"
    ? loginQueries(request.trustId)
    : shareQueries(request.trustId, request.credentialTypes);
}

/** The signed request object for a wallet that opened the link; the request becomes `scanned`. */
export async function walletRequestObject(
  deps: StandardWalletDeps,
  id: string,
  correlationId: string,
): Promise<string> {
  const open = await openRequest(deps, id);
  if (open === undefined) throw new WalletRequestNotFound();
  const token = await deps.wallets.requestObject(open.request, deps.clock());
  await applyCallback(deps, open.stored, { requestId: id, state: id, status: "retrieved" }, correlationId);
  return token;
}

/**
 * Checks and applies a wallet's response. Accepted: nothing to return. Refused by a check or by the acceptance
 * rules: PresentationRefused, with the request failed. Not a response to this waiting request (a closed request, a
 * replay, another request's, undecryptable): WalletResponseInvalid, and nothing changes.
 */
export async function acceptWalletResponse(
  deps: StandardWalletDeps,
  id: string,
  form: Readonly<Record<string, string>>,
  correlationId: string,
): Promise<void> {
  const open = await openRequest(deps, id);
  if (open === undefined)
    throw new WalletResponseInvalid("No OpenID4VP request with that id is waiting for a response.");
  const response = await deps.wallets.verifyResponse(open.request, form, deps.clock());
  if (response.kind === "unusable") throw new WalletResponseInvalid(response.message);
  const report =
    response.kind === "refused"
      ? ({ requestId: id, state: id, status: "refused", error: response.error } as const)
      : ({
          requestId: id,
          state: id,
          status: "verified",
          presentation: { ok: true, ...forKind(open.stored.value, response.presentation) },
        } as const);
  const outcome = await applyCallback(deps, open.stored, report, correlationId);
  if (!outcome.applied) {
    throw new WalletResponseInvalid("The request no longer waits for a response; this one changed nothing.");
  }
  if (outcome.error !== undefined) throw new PresentationRefused(outcome.error);
}

/** A login presents the access key as its one credential; a share presents it beside them, to bind them. */
function forKind(request: VerifiedIdRequest, presentation: Presentation): Presentation {
  if (request.kind === "share") return presentation;
  const { accessKey, ...rest } = presentation;
  return accessKey === undefined ? rest : { ...rest, credentials: [accessKey] };
}
