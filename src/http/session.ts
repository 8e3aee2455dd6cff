// The one place that turns an Authorization header into a verified caller: a staff member's session for the
// portal's endpoints, or a trust's system for the trust API. Each kind of endpoint takes only its own kind.
import type { HttpRequest } from "@azure/functions";
import { InvalidSession, type Session, verifySessionToken } from "../adapters/keys/sessionTokens.js";
import type { SigningKeys } from "../adapters/keys/signingKeys.js";
import { InvalidTrustToken, type TrustTokenVerifier } from "../adapters/keys/trustTokens.js";
import type { TrustCaller } from "../app/ports.js";

export type SessionDeps = { keys: SigningKeys; clock: () => Date; session: { issuer: string } };

function bearerToken(request: HttpRequest): string | undefined {
  const header = request.headers.get("authorization") ?? "";
  return /^Bearer ([A-Za-z0-9_.-]+)$/i.exec(header.trim())?.[1] || undefined;
}

/** The caller's session, or InvalidSession (401) for a missing, malformed, forged or expired bearer token. */
export async function requireSession(deps: SessionDeps, request: HttpRequest): Promise<Session> {
  const token = bearerToken(request);
  if (token === undefined)
    throw new InvalidSession("Send the session token as Authorization: Bearer <token>.");
  return verifySessionToken(deps.keys, token, { issuer: deps.session.issuer, now: deps.clock() });
}

/** The calling trust, or InvalidTrustToken (401) for anything but a valid token signed with its own keys. */
export async function requireTrust(
  deps: { trustTokens: TrustTokenVerifier },
  request: HttpRequest,
): Promise<TrustCaller> {
  const token = bearerToken(request);
  if (token === undefined)
    throw new InvalidTrustToken("Send the trust's token as Authorization: Bearer <token>.");
  // Every method but GET changes something, and uses the token up (API.md section 7).
  return deps.trustTokens.verify(token, request.method === "GET" ? "read" : "change");
}
