// The portal's and the wallet's steps, as end-to-end tests take them: log in with a wallet's access key, start a
// share, scan and present with a simulated wallet, and read the api-key Verified ID holds for a request.
import { decodeJwt } from "jose";
import { expect } from "vitest";
import type * as z from "zod";
import type { shareViewSchema, startedShareSchema } from "../../src/http/shareSchemas.js";
import { call, type JsonResponse } from "./system.js";

/** The answers of POST /api/shares and GET /api/shares/{id}, as the service's own schemas declare them. */
export type StartedShare = z.infer<typeof startedShareSchema>;
export type ShareView = z.infer<typeof shareViewSchema>;

export type Urls = { api: string; sim: string };

/** The simulator's request id inside an `openid-vc://` link. */
export const requestIdOf = (url: string) =>
  new URL(new URL(url).searchParams.get("request_uri") ?? "").pathname.split("/").pop() ?? "";

export const scan = (urls: Urls, walletId: string, url: string) =>
  call<{ requestId: string; requested: string[]; missing: string[] }>(
    `${urls.sim}/wallet/wallets/${walletId}/scan`,
    { body: { url } },
  );

export const present = (urls: Urls, walletId: string, url: string) =>
  call<{ missing?: string[] }>(`${urls.sim}/wallet/wallets/${walletId}/present`, {
    body: { requestId: requestIdOf(url) },
  });

/** Logs in with the wallet's access key for the trust and returns the session token. */
export async function logIn(urls: Urls, walletId: string, trustId: string): Promise<string> {
  const started = await call<{ loginId: string; pollToken: string; url: string }>(`${urls.api}/logins`, {
    body: { trustId },
  });
  expect(started.status).toBe(201);
  expect((await present(urls, walletId, started.body.url)).status).toBe(200);
  const polled = await call<{ status: string; sessionToken?: string }>(
    `${urls.api}/logins/${started.body.loginId}`,
    { headers: { "x-poll-token": started.body.pollToken } },
  );
  expect(polled.body.status).toBe("verified");
  return polled.body.sessionToken ?? "";
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export const startShare = (urls: Urls, session: string, credentialTypes: unknown) =>
  call<StartedShare>(`${urls.api}/shares`, { body: { credentialTypes }, headers: bearer(session) });

export const readShare = (urls: Urls, session: string, shareId: string) =>
  call<ShareView>(`${urls.api}/shares/${shareId}`, { headers: bearer(session) });

export const cancelShare = (urls: Urls, session: string, shareId: string) =>
  call(`${urls.api}/shares/${shareId}`, { method: "DELETE", headers: bearer(session) });

/** Starts a share and expects 201. */
export async function startedShare(urls: Urls, session: string, types: string[]): Promise<StartedShare> {
  const response: JsonResponse<StartedShare> = await startShare(urls, session, types);
  expect(response.status).toBe(201);
  return response.body;
}

/** The api-key the service put in the request's callback headers, as the Request Service holds it. */
export async function apiKeyOf(urls: Urls, url: string): Promise<string> {
  const { body } = await call<{ body: { callback: { headers: Record<string, string> } } }>(
    `${urls.sim}/control/requests/${requestIdOf(url)}`,
  );
  return body.body.callback.headers["api-key"] ?? "";
}

/** The callback URL of the request the body's `state` names, as the service gave it to the Request Service. */
export const callbackUrl = (urls: Urls, body: unknown) =>
  `${urls.api}/verifiedid/callback/${encodeURIComponent(String((body as { state?: unknown } | null)?.state ?? ""))}`;

export const postCallback = (urls: Urls, apiKey: string, body: unknown) =>
  call<{ status: string }>(callbackUrl(urls, body), { body, headers: { "api-key": apiKey } });

/** The wallet's DID and credentials as the simulator holds them. */
export async function walletOf(
  urls: Urls,
  walletId: string,
): Promise<{
  did: string;
  credentials: { type: string; issuer: string; claims: Record<string, unknown> }[];
}> {
  return (await call<{ did: string; credentials: never[] }>(`${urls.sim}/wallet/wallets/${walletId}`)).body;
}

/** The wallet holder's DID a session token names. */
export const subjectOf = (session: string) => decodeJwt(session).sub ?? "";

/** One of the wallet's credentials as the Request Service reports it in a callback, with fields overridden. */
export async function presentedCredential(
  urls: Urls,
  walletId: string,
  type: string,
  overrides: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  const found = (await walletOf(urls, walletId)).credentials.find((credential) => credential.type === type);
  if (!found) throw new Error(`${walletId} holds no ${type}`);
  return {
    issuer: found.issuer,
    type: ["VerifiableCredential", type],
    claims: found.claims,
    credentialState: { revocationStatus: "VALID" },
    ...overrides,
  };
}

/** A presentation_verified body for a share, as the Request Service would send it, shaped by hand. */
export function verifiedShareBody(
  share: { shareId: string; url: string },
  subject: string,
  credentials: readonly Record<string, unknown>[],
) {
  return {
    requestId: requestIdOf(share.url),
    requestStatus: "presentation_verified",
    state: share.shareId,
    subject,
    verifiedCredentialsData: credentials,
  };
}
