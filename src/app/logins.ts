// Logging in with a trust's access key: starting a login request and reading it back with the poll token.
import { ACCESS_KEY_TRUST_CLAIM } from "../domain/catalogue.js";
import { type LoginRequest, loginView } from "../domain/login.js";
import { hashSecret, MINTED_ID, mintSecret, secretMatchesHash } from "../domain/secrets.js";
import { type Protocol, protocolsOf, type Trust } from "../domain/trust.js";
import { ServiceError } from "../errors.js";
import type { AuditRecorder } from "./audit.js";
import type {
  Clock,
  RequestStore,
  SessionIssuer,
  StandardWallets,
  TrustDirectory,
  VerifiedIdClient,
} from "./ports.js";
import { startPresentationRequest } from "./presentationRequests.js";

/** Trust ids are organisation codes: letters and digits. Anything else names no trust. */
const TRUST_ID = /^[A-Za-z0-9]{1,20}$/;

export type LoginDeps = {
  trusts: TrustDirectory;
  requests: RequestStore;
  verifiedId: VerifiedIdClient;
  wallets: StandardWallets;
  sessions: SessionIssuer;
  clock: Clock;
  session: { ttlSeconds: number };
  audit: AuditRecorder;
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

/** A protocol the trust's portal does not offer (API.md section 9). */
export class ProtocolNotOffered extends ServiceError {
  readonly errors = [{ path: "body.protocol", message: "The trust does not offer this protocol." }];

  constructor() {
    super("validation_failed", "The trust does not offer this protocol.");
  }
}

/** The protocol asked for if the trust offers it, or the trust's first when none was asked for. */
export function chosenProtocol(trust: Trust, asked: Protocol | undefined): Protocol {
  const offered = protocolsOf(trust);
  if (asked === undefined) return offered[0] ?? "verifiedid";
  if (!offered.includes(asked)) throw new ProtocolNotOffered();
  return asked;
}

/** Returns the trust if it exists and is active, else UnknownTrust. */
async function activeTrust(trusts: TrustDirectory, trustId: string): Promise<Trust> {
  const trust = TRUST_ID.test(trustId) ? await trusts.get(trustId) : undefined;
  if (!trust?.active) throw new UnknownTrust();
  return trust;
}

/** Creates the presentation request for the trust's access key and stores the login with its poll token's hash. */
export async function startLogin(
  deps: LoginDeps,
  trustId: string,
  protocol?: Protocol,
): Promise<StartedLogin> {
  const trust = await activeTrust(deps.trusts, trustId);
  const pollToken = mintSecret();
  const { request, started } = await startPresentationRequest(
    deps,
    trust.id,
    chosenProtocol(trust, protocol),
    {
      clientName: trust.name,
      purpose: `Log in to the ${trust.name} staff passport portal`,
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
    },
    (base): LoginRequest => ({
      ...base,
      kind: "login",
      pollTokenHash: hashSecret(pollToken),
      progress: { status: "pending" },
    }),
  );
  await deps.audit({
    id: `login.started:${request.id}`,
    action: "login.started",
    actor: "anonymous",
    trustId: trust.id,
    loginId: request.id,
  });
  return {
    loginId: request.id,
    pollToken,
    url: started.url,
    qrCode: started.qrCode,
    expiresAt: request.expiresAt,
  };
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
  const login = stored?.value.kind === "login" ? stored.value : undefined;
  // Hash comparison runs whether or not the login exists, so timing does not tell the two apart either.
  const matches = secretMatchesHash(pollToken ?? "", login?.pollTokenHash ?? hashSecret(mintSecret()));
  if (login === undefined || !matches) throw new LoginNotFound();
  const now = deps.clock();
  const view = loginView(login, now);
  const base = {
    loginId: view.loginId,
    trustId: view.trustId,
    status: view.status,
    expiresAt: view.expiresAt,
  };
  if (view.status === "failed") return { ...base, error: view.error };
  if (view.status !== "verified") return base;

  const sessionEnds = Date.parse(view.verifiedAt) + deps.session.ttlSeconds * 1000;
  // Capped: an instance whose clock is behind the one that verified the login must not mint a longer session.
  const ttlSeconds = Math.min(Math.floor((sessionEnds - now.getTime()) / 1000), deps.session.ttlSeconds);
  if (ttlSeconds < 1) return base;
  const sessionToken = await deps.sessions.issue({
    subject: view.subject,
    trustId: view.trustId,
    staff: view.staff,
    now,
    ttlSeconds,
  });
  return { ...base, sessionToken };
}
