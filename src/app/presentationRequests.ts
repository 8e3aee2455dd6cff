// Starting a presentation request, for a login or a share alike, over either protocol (API.md section 9): mint our
// id; for Verified ID ask the Request Service for the request and keep only the hash of its callback key; for a
// standard wallet make the OpenID4VP request's nonce and response key; then store the record its answers find.
import { hashSecret, mintId, mintSecret } from "../domain/secrets.js";
import type { Protocol } from "../domain/trust.js";
import type { RequestBase, VerifiedIdRequest } from "../domain/verifiedIdRequest.js";
import type {
  Clock,
  PresentationRequestInput,
  RequestStore,
  StandardWallets,
  VerifiedIdClient,
} from "./ports.js";

/** How long a stored request document lives after it is written: a day, for support and audit, then gone. */
export const REQUEST_TTL_SECONDS = 24 * 60 * 60;

/** How long a standard wallet has to answer: as long as the Request Service gives Authenticator. */
export const OPENID4VP_REQUEST_SECONDS = 5 * 60;

export type StarterDeps = {
  verifiedId: VerifiedIdClient;
  wallets: StandardWallets;
  requests: RequestStore;
  clock: Clock;
};

/** What the portal shows of a started request: the link the wallet opens, its QR code, and its expiry. */
export type StartedPresentation = { readonly url: string; readonly qrCode: string; readonly expiresAt: Date };

export type StartedRequest<R> = { readonly request: R; readonly started: StartedPresentation };

/**
 * Creates the presentation request, then stores the record `complete` makes of it. If Verified ID fails,
 * nothing is stored; if storing fails, the orphaned presentation request simply expires unused.
 */
export async function startPresentationRequest<R extends VerifiedIdRequest>(
  deps: StarterDeps,
  trustId: string,
  protocol: Protocol,
  input: Omit<PresentationRequestInput, "state">,
  complete: (base: RequestBase) => R,
): Promise<StartedRequest<R>> {
  const id = mintId();
  const now = deps.clock();
  let base: RequestBase;
  let started: StartedPresentation;
  if (protocol === "openid4vp") {
    const { record, url, qrCode } = await deps.wallets.start(id);
    const expiresAt = new Date(now.getTime() + OPENID4VP_REQUEST_SECONDS * 1000);
    // No Verified ID callback may move it: the hash is of a key that is thrown away at once.
    base = {
      id,
      verifiedIdRequestId: id,
      apiKeyHash: hashSecret(mintSecret()),
      trustId,
      createdAt: now.toISOString(),
      expiresAt: expiresAt.toISOString(),
      callbackInPath: true,
      openid4vp: record,
    };
    started = { url, qrCode, expiresAt };
  } else {
    const created = await deps.verifiedId.createPresentationRequest({ ...input, state: id });
    base = {
      id,
      verifiedIdRequestId: created.requestId,
      apiKeyHash: hashSecret(created.apiKey),
      trustId,
      createdAt: now.toISOString(),
      expiresAt: created.expiresAt.toISOString(),
      callbackInPath: true,
    };
    started = { url: created.url, qrCode: created.qrCode ?? "", expiresAt: created.expiresAt };
  }
  const request = complete(base);
  await deps.requests.create(request, REQUEST_TTL_SECONDS);
  return { request, started };
}
