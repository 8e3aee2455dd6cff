// The one place that turns an Authorization header into a verified session for the portal's share endpoints.
import type { HttpRequest } from "@azure/functions";
import { InvalidSession, type Session, verifySessionToken } from "../adapters/keys/sessionTokens.js";
import type { SigningKeys } from "../adapters/keys/signingKeys.js";

export type SessionDeps = { keys: SigningKeys; clock: () => Date; session: { issuer: string } };

/** The caller's session, or InvalidSession (401) for a missing, malformed, forged or expired bearer token. */
export async function requireSession(deps: SessionDeps, request: HttpRequest): Promise<Session> {
  const header = request.headers.get("authorization") ?? "";
  const match = /^Bearer ([A-Za-z0-9_.-]+)$/i.exec(header.trim());
  if (!match?.[1]) throw new InvalidSession("Send the session token as Authorization: Bearer <token>.");
  return verifySessionToken(deps.keys, match[1], { issuer: deps.session.issuer, now: deps.clock() });
}
