// Logging in with a trust's access key: starting a login request and reading it back with the poll token.
import type { RequestStore } from "../adapters/cosmos/requestStore.js";
import type { TrustStore } from "../adapters/cosmos/trustStore.js";
import { issueSessionToken } from "../adapters/keys/sessionTokens.js";
import type { SigningKeys } from "../adapters/keys/signingKeys.js";
import type { VerifiedIdClient } from "../adapters/verifiedId/index.js";
import { ACCESS_KEY_TRUST_CLAIM } from "../domain/catalogue.js";
import { type LoginRequest, loginView, newLoginRequest } from "../domain/login.js";
import { hashSecret, MINTED_ID, mintId, mintSecret, secretMatchesHash } from "../domain/secrets.js";
import type { Trust } from "../domain/trust.js";
import { ServiceError } from "../errors.js";

/** Trust ids are organisation codes: letters and digits. Anything else names no trust. */
const TRUST_ID = /^[A-Za-z0-9]{1,20}$/;

/** How long a stored request document lives after it is written: a day, for support and audit, then gone. */
export const REQUEST_TTL_SECONDS = 24 * 60 * 60;

export type LoginDeps = {
  trusts: TrustStore;
  requests: RequestStore<LoginRequest>;
  verifiedId: VerifiedIdClient;
  keys: SigningKeys;
  clock: () => Date;
  session: { issuer: string; ttlSeconds: number };
};

export class UnknownTrust extends ServiceError {
  constructor() {
    super("unknown_trust", "No active trust has that id.");
  }
}

/** The same error for an unknown login and a wrong poll token, so that existence is never revealed. */
export class LoginNotFound extends ServiceError {
  constructor() {
    super("not_found", "No login with that id is visible to this poll token.");
  }
}

export type StartedLogin = {
  loginId: string;
  pollToken: string;
  url: string;
  qrCode: string;
  expiresAt: string;
};

/** Returns the trust if it exists and is active, else UnknownTrust. */
async function activeTrust(trusts: TrustStore, trustId: string): Promise<Trust> {
  const trust = TRUST_ID.test(trustId) ? await trusts.get(trustId) : undefined;
  if (!trust?.active) throw new UnknownTrust();
  return trust;
}

/**
 * Creates the presentation request for the trust's access key, then stores the login. If Verified ID fails,
 * nothing is stored; if storing fails, the orphaned presentation request simply expires unused.
 */
export async function startLogin(deps: LoginDeps, trustId: string): Promise<StartedLogin> {
  const trust = await activeTrust(deps.trusts, trustId);
  const loginId = mintId();
  const pollToken = mintSecret();
  const created = await deps.verifiedId.createPresentationRequest({
    clientName: trust.name,
    purpose: `Log in to the ${trust.name} staff passport portal`,
    state: loginId,
    includeQRCode: true,
    includeReceipt: false,
    requestedCredentials: [
      {
        type: trust.accessKeyType,
        purpose: `Your access key for ${trust.name}`,
        acceptedIssuers: trust.issuerDids,
        // The wallet then offers only the key issued for this trust; the callback check stays the safeguard.
        constraints: [{ claimName: ACCESS_KEY_TRUST_CLAIM, values: [trust.id] }],
      },
    ],
  });
  const login = newLoginRequest(
    {
      id: loginId,
      trustId: trust.id,
      verifiedIdRequestId: created.requestId,
      callbackState: loginId,
      apiKeyHash: hashSecret(created.apiKey),
      pollTokenHash: hashSecret(pollToken),
      expiresAt: created.expiresAt,
    },
    deps.clock(),
  );
  await deps.requests.create(login, REQUEST_TTL_SECONDS);
  return { loginId, pollToken, url: created.url, qrCode: created.qrCode ?? "", expiresAt: login.expiresAt };
}

export type LoginStatusView = {
  loginId: string;
  trustId: string;
  status: string;
  expiresAt: string;
  sessionToken?: string;
  error?: { code: string; message: string };
};

/**
 * The login as its poll-token holder sees it. While verified, each read carries a session token; every token
 * expires at the same moment (verification time plus the session lifetime), so polling never extends a session.
 */
export async function readLogin(
  deps: LoginDeps,
  loginId: string,
  pollToken: string | null,
): Promise<LoginStatusView> {
  // An id we could never have minted is unknown without asking the store.
  const stored = MINTED_ID.test(loginId) ? await deps.requests.get(loginId) : undefined;
  // Hash comparison runs whether or not the login exists, so timing does not tell the two apart either.
  const matches = secretMatchesHash(pollToken ?? "", stored?.value.pollTokenHash ?? hashSecret(mintSecret()));
  if (stored?.value.kind !== "login" || !matches) throw new LoginNotFound();
  const login = stored.value;
  const now = deps.clock();
  const view = loginView(login, now);
  const base = {
    loginId: view.loginId,
    trustId: view.trustId,
    status: view.status,
    expiresAt: view.expiresAt,
  };
  if (view.status === "failed") return { ...base, error: view.error };
  if (view.status !== "verified" || login.status !== "verified") return base;

  const sessionEnds = Date.parse(login.verifiedAt) + deps.session.ttlSeconds * 1000;
  const ttlSeconds = Math.floor((sessionEnds - now.getTime()) / 1000);
  if (ttlSeconds < 1) return base;
  const sessionToken = await issueSessionToken(deps.keys, {
    issuer: deps.session.issuer,
    subject: view.subject,
    trustId: view.trustId,
    staff: view.staff,
    now,
    ttlSeconds,
  });
  return { ...base, sessionToken };
}
