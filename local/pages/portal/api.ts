// The portal's calls, all to the service's public API (API.md section 1) on this page's own origin.
import type * as z from "zod";
import type { shareViewSchema, startedShareSchema } from "../../../src/http/shareSchemas.js";

/** How the person's wallet answers: Microsoft Authenticator (Verified ID) or a standard OpenID4VP wallet. */
export type Protocol = "verifiedid" | "openid4vp";
/** A trust as the search finds it; `protocols` when the service says which wallets the trust accepts. */
export type Trust = { id: string; name: string; protocols?: Protocol[] };
export type CredentialType = { type: string; displayName: string; description: string };
export type StartedLogin = {
  loginId: string;
  pollToken: string;
  url: string;
  qrCode: string;
  expiresAt: string;
};
export type LoginView = {
  loginId: string;
  trustId: string;
  status: "pending" | "scanned" | "verified" | "failed" | "expired";
  expiresAt: string;
  sessionToken?: string;
  error?: { code: string; message: string };
};
/** The service's answers, as its own schemas declare them (types only: nothing of them is bundled). */
export type StartedShare = z.infer<typeof startedShareSchema>;
export type ShareView = z.infer<typeof shareViewSchema>;
/** A receiving trust's decision on one shared credential. */
export type Decision = NonNullable<NonNullable<ShareView["credentials"]>[number]["decision"]>;
/** A trust's request for credentials, as the staff member it asks sees it while it is open. */
export type CredentialRequest = {
  requestId: string;
  trustId: string;
  staffId: string;
  credentialTypes: string[];
  message?: string;
  status: "open" | "fulfilled" | "declined" | "withdrawn";
  createdAt: string;
};

/** A problem+json answer (or no answer at all) turned into an error the screens can show. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Sends a request and answers the response once it is a success; anything else becomes an ApiError. */
async function send(
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(`/api${path}`, {
      method: init.method ?? (init.body === undefined ? "GET" : "POST"),
      headers: {
        ...(init.body === undefined ? {} : { "content-type": "application/json" }),
        ...init.headers,
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
  } catch {
    throw new ApiError(0, "The service cannot be reached. Check that it is running and try again.");
  }
  if (!response.ok) {
    const text = await response.text();
    let problem: { title?: string; detail?: string } | undefined;
    try {
      problem = text ? (JSON.parse(text) as { title?: string; detail?: string }) : undefined;
    } catch {
      // Not problem+json (a proxy's page, say): the status alone is said.
    }
    throw new ApiError(
      response.status,
      problem?.detail ?? problem?.title ?? `The service answered ${response.status}.`,
    );
  }
  return response;
}

async function call<T>(
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<T> {
  const text = await (await send(path, init)).text();
  return (text ? JSON.parse(text) : undefined) as T;
}

const bearer = (session: string) => ({ authorization: `Bearer ${session}` });

export const api = {
  searchTrusts: (search: string) =>
    call<{ trusts: Trust[] }>(`/trusts?search=${encodeURIComponent(search)}`).then((body) => body.trusts),
  credentialTypes: () =>
    call<{ credentialTypes: CredentialType[] }>("/credential-types").then((body) => body.credentialTypes),
  /** Without a protocol the service asks for Authenticator, as before protocols existed. */
  startLogin: (trustId: string, protocol?: Protocol) =>
    call<StartedLogin>("/logins", { body: { trustId, ...(protocol === undefined ? {} : { protocol }) } }),
  readLogin: (login: StartedLogin) =>
    call<LoginView>(`/logins/${encodeURIComponent(login.loginId)}`, {
      headers: { "x-poll-token": login.pollToken },
    }),
  startShare: (session: string, credentialTypes: string[], requestId?: string, protocol?: Protocol) =>
    call<StartedShare>("/shares", {
      body: {
        credentialTypes,
        ...(requestId === undefined ? {} : { requestId }),
        ...(protocol === undefined ? {} : { protocol }),
      },
      headers: bearer(session),
    }),
  readShare: (session: string, shareId: string) =>
    call<ShareView>(`/shares/${encodeURIComponent(shareId)}`, { headers: bearer(session) }),
  cancelShare: (session: string, shareId: string) =>
    call<undefined>(`/shares/${encodeURIComponent(shareId)}`, { method: "DELETE", headers: bearer(session) }),
  history: (session: string) =>
    call<{ shares: ShareView[] }>("/shares", { headers: bearer(session) }).then((body) => body.shares),
  credentialRequests: (session: string) =>
    call<{ requests: CredentialRequest[] }>("/credential-requests", { headers: bearer(session) }).then(
      (body) => body.requests,
    ),
  declineRequest: (session: string, requestId: string, reason: string) =>
    call<CredentialRequest>(`/credential-requests/${encodeURIComponent(requestId)}/decline`, {
      body: { reason },
      headers: bearer(session),
    }),
  /** The share's signed receipt (application/jwt), kept as the service sent it. */
  receipt: (session: string, shareId: string) =>
    send(`/shares/${encodeURIComponent(shareId)}/receipt`, { headers: bearer(session) }).then((response) =>
      response.blob(),
    ),
  /** Everything the service holds about the session's subject (JSON), kept as the service sent it. */
  exportData: (session: string) =>
    send("/me/export", { headers: bearer(session) }).then((response) => response.blob()),
};
