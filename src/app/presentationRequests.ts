// Starting a Verified ID presentation request, for a login or a share alike: mint our id, ask the Request Service
// for the request, keep only the hash of its callback key, and store the record the callbacks will find.
import { hashSecret, mintId } from "../domain/secrets.js";
import type { RequestBase, VerifiedIdRequest } from "../domain/verifiedIdRequest.js";
import type {
  Clock,
  PresentationRequestCreated,
  PresentationRequestInput,
  RequestStore,
  VerifiedIdClient,
} from "./ports.js";

/** How long a stored request document lives after it is written: a day, for support and audit, then gone. */
export const REQUEST_TTL_SECONDS = 24 * 60 * 60;

export type StarterDeps = { verifiedId: VerifiedIdClient; requests: RequestStore; clock: Clock };

export type StartedRequest<R> = { readonly request: R; readonly created: PresentationRequestCreated };

/**
 * Creates the presentation request, then stores the record `complete` makes of it. If Verified ID fails,
 * nothing is stored; if storing fails, the orphaned presentation request simply expires unused.
 */
export async function startPresentationRequest<R extends VerifiedIdRequest>(
  deps: StarterDeps,
  trustId: string,
  input: Omit<PresentationRequestInput, "state">,
  complete: (base: RequestBase) => R,
): Promise<StartedRequest<R>> {
  const id = mintId();
  const created = await deps.verifiedId.createPresentationRequest({ ...input, state: id });
  const request = complete({
    id,
    verifiedIdRequestId: created.requestId,
    apiKeyHash: hashSecret(created.apiKey),
    trustId,
    createdAt: deps.clock().toISOString(),
    expiresAt: created.expiresAt.toISOString(),
    callbackInPath: true,
  });
  await deps.requests.create(request, REQUEST_TTL_SECONDS);
  return { request, created };
}
