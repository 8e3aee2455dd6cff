// The wallet side of the simulator (API contract section 4): wallets, fetching a request by its request_uri,
// scanning and presenting. Each step sends the callback the Request Service would send. An openid4vp:// link is
// answered as a standard wallet does instead (API.md section 9), from the wallet's SD-JWT VCs.
import { z } from "zod";
import { walletCredentialSchema } from "../seed/schema.js";
import { deliverCallback } from "./callbacks.js";
import type { SimulatorContext } from "./context.js";
import { fail, parseBody, type Reply, type Result, type Route, simulatorError } from "./http.js";
import {
  chooseSdJwts,
  matchingCredentials,
  type OpenedRequest,
  openRequest as openOpenid4vpRequest,
  presentAndSubmit,
  purposeOf,
  queriesOf,
  RequestRefused,
} from "./openid4vpWallet.js";
import {
  chooseCredentials,
  errorCallback,
  offersFor,
  retrievedCallback,
  verifiedCallback,
} from "./presentation.js";
import type { StoredRequest } from "./requests.js";
import type { Wallet } from "./wallets.js";

const createWalletSchema = z.object({
  did: z
    .string()
    .regex(/^did:[a-z0-9]+:.+$/)
    .exactOptional(),
  // A copy of GET's `credentials` may be posted back; each is issued afresh in both formats.
  credentials: z.array(walletCredentialSchema),
});

const scanSchema = z.object({ url: z.string().min(1) });

const presentSchema = z.object({
  requestId: z.string().min(1),
  /** "error" makes the service report presentation_error instead (user declined, failed check, ...). */
  outcome: z.enum(["verified", "error"]).default("verified"),
  error: z.object({ code: z.string().min(1), message: z.string().min(1) }).exactOptional(),
  /** Which held credential to present for a type, by the id GET /wallet/wallets/{id} lists. */
  choose: z.record(z.string().min(1), z.string().min(1)).exactOptional(),
});

const DEFAULT_ERROR = {
  code: "presentationFailed",
  message: "The wallet did not complete the presentation.",
};

export function walletRoutes(context: SimulatorContext): Route[] {
  /** What the wallet does on opening a request_uri; the verifier learns of it through request_retrieved. */
  async function retrieve(request: StoredRequest): Promise<number | null> {
    if (request.status === "created") request.status = "retrieved";
    return deliverCallback(request, retrievedCallback(request), context.log);
  }

  function openRequest(requestId: string): Result<StoredRequest> {
    const request = context.requests.get(requestId);
    if (request === undefined) return fail(404, "requestNotFound", "No such presentation request.");
    if (context.requests.isExpired(request)) {
      return fail(410, "requestExpired", "The presentation request has expired.");
    }
    if (request.status === "verified" || request.status === "error") {
      return fail(410, "requestCompleted", "The presentation request has already been answered.");
    }
    return { ok: true, value: request };
  }

  /** Opens an OpenID4VP request and says what the wallet can answer, in the shape of a Verified ID scan. */
  async function scanOpenid4vp(wallet: Wallet, url: string): Promise<Reply> {
    let request: OpenedRequest;
    try {
      request = await openOpenid4vpRequest(url, {
        trustedRootPem: context.verifierRootPem,
        now: context.now,
      });
    } catch (error) {
      if (!(error instanceof RequestRefused)) throw error;
      return simulatorError(error.code === "requestUnavailable" ? 410 : 400, error.code, error.message);
    }
    forgetExpired();
    context.openid4vpRequests.set(request.requestId, request);
    const { missing } = chooseSdJwts(request, wallet);
    const queries = queriesOf(request);
    const fits = matchingCredentials(request, wallet);
    const offers = Object.fromEntries(
      queries.map((query) => [
        query.id,
        wallet.sdJwts
          .filter((held) => held.type === query.type)
          .map((held) => ({
            id: held.id,
            issuer: held.issuer,
            fits: fits.get(query.id)?.has(held.id) ?? false,
          })),
      ]),
    );
    return {
      status: 200,
      body: {
        requestId: request.requestId,
        protocol: "openid4vp",
        requested: queries.map((query) => query.id),
        missing,
        offers,
        request: {
          requestId: request.requestId,
          clientId: request.clientId,
          clientName: request.clientName,
          purpose: "Asks to see the credentials below; only the claims named are shared.",
          expiry: request.expiry,
          requestedCredentials: queries.map((query) => ({
            type: query.type,
            queryId: query.id,
            purpose: purposeOf(query.type),
            claims: query.claims,
          })),
        },
        // The wallet's fetch of the request object is what the verifier hears of a scan.
        callbackStatus: 200,
      },
    };
  }

  async function presentOpenid4vp(
    wallet: Wallet,
    request: OpenedRequest,
    choose: Readonly<Record<string, string>> | undefined,
  ): Promise<Reply> {
    if (request.answered) {
      return simulatorError(410, "requestCompleted", "The presentation request has already been answered.");
    }
    const { chosen, missing, unknown } = chooseSdJwts(request, wallet, choose);
    if (unknown.length > 0) {
      return simulatorError(
        400,
        "unknownCredential",
        `The wallet holds no such credential for ${unknown.join(", ")}.`,
      );
    }
    // As with Authenticator, a wallet lacking a requested credential sends nothing.
    if (missing.length > 0) return { status: 409, body: { missing } };
    // Marked before the post so that a second present racing this one cannot answer twice.
    request.answered = true;
    const answer = await presentAndSubmit(request, wallet, chosen, context.now());
    return {
      status: 200,
      body: {
        requestId: request.requestId,
        protocol: "openid4vp",
        presented: [...chosen].map(([queryId, held]) => ({
          queryId,
          type: held.type,
          issuer: held.issuer,
          id: held.id,
        })),
        callbackStatus: answer.status,
        ...(answer.code !== undefined ? { callbackCode: answer.code } : {}),
      },
    };
  }

  /** Opened requests past their expiry can no longer be answered; answered ones stay until then, to say so. */
  function forgetExpired(): void {
    const nowSeconds = context.now().getTime() / 1000;
    for (const [id, request] of context.openid4vpRequests) {
      if (request.expiry !== undefined && request.expiry < nowSeconds) {
        context.openid4vpRequests.delete(id);
      }
    }
  }

  return [
    {
      method: "GET",
      pattern: /^\/wallet\/wallets$/,
      handle: () => ({ status: 200, body: { wallets: context.wallets.ids() } }),
    },
    {
      method: "POST",
      pattern: /^\/wallet\/wallets$/,
      handle: async ({ text }) => {
        const input = parseBody(text, createWalletSchema);
        if (!input.ok) return input.reply;
        const wallet = await context.wallets.create(input.value);
        return { status: 201, body: context.wallets.view(wallet) };
      },
    },
    {
      method: "GET",
      pattern: /^\/wallet\/wallets\/([^/]+)$/,
      handle: ({ params }) => {
        const wallet = context.wallets.get(params[0] ?? "");
        if (wallet === undefined) return simulatorError(404, "walletNotFound", "No such wallet.");
        return { status: 200, body: context.wallets.view(wallet) };
      },
    },
    {
      // The request_uri of the create response; a wallet's GET counts as retrieving the request.
      method: "GET",
      pattern: /^\/wallet\/requests\/([^/]+)$/,
      handle: async ({ params }) => {
        const opened = openRequest(params[0] ?? "");
        if (!opened.ok) return opened.reply;
        await retrieve(opened.value);
        return { status: 200, body: walletView(opened.value) };
      },
    },
    {
      method: "POST",
      pattern: /^\/wallet\/wallets\/([^/]+)\/scan$/,
      handle: async ({ params, text }) => {
        const wallet = context.wallets.get(params[0] ?? "");
        if (wallet === undefined) return simulatorError(404, "walletNotFound", "No such wallet.");
        const input = parseBody(text, scanSchema);
        if (!input.ok) return input.reply;
        if (input.value.url.startsWith("openid4vp:")) return scanOpenid4vp(wallet, input.value.url);
        const requestId = requestIdFromUrl(input.value.url, context.baseUrl);
        if (requestId === undefined) {
          return simulatorError(
            400,
            "invalidUrl",
            "Not an openid-vc:// link to a request of this simulator.",
          );
        }
        const opened = openRequest(requestId);
        if (!opened.ok) return opened.reply;
        const request = opened.value;
        const callbackStatus = await retrieve(request);
        const { missing } = chooseCredentials(wallet, request.body.requestedCredentials);
        const requested = request.body.requestedCredentials.map((credential) => credential.type);
        const offers = offersFor(wallet, request.body.requestedCredentials);
        return {
          status: 200,
          body: { requestId, requested, missing, offers, request: walletView(request), callbackStatus },
        };
      },
    },
    {
      method: "POST",
      pattern: /^\/wallet\/wallets\/([^/]+)\/present$/,
      handle: async ({ params, text }) => {
        const wallet = context.wallets.get(params[0] ?? "");
        if (wallet === undefined) return simulatorError(404, "walletNotFound", "No such wallet.");
        const parsed = parseBody(text, presentSchema);
        if (!parsed.ok) return parsed.reply;
        const input = parsed.value;
        const openid4vp = context.openid4vpRequests.get(input.requestId);
        if (openid4vp !== undefined) return presentOpenid4vp(wallet, openid4vp, input.choose);
        const opened = openRequest(input.requestId);
        if (!opened.ok) return opened.reply;
        const request = opened.value;
        // A wallet always fetches the request before answering it.
        if (request.status === "created") await retrieve(request);
        // Another present may have answered the request while this one waited for the callback.
        if (request.status === "verified" || request.status === "error") {
          return simulatorError(
            410,
            "requestCompleted",
            "The presentation request has already been answered.",
          );
        }
        if (input.outcome === "error") {
          request.status = "error";
          const callbackStatus = await deliverCallback(
            request,
            errorCallback(request, input.error ?? DEFAULT_ERROR),
            context.log,
          );
          return {
            status: 200,
            body: { requestId: request.requestId, requestStatus: "presentation_error", callbackStatus },
          };
        }
        const { chosen, missing, unknown } = chooseCredentials(
          wallet,
          request.body.requestedCredentials,
          input.choose,
        );
        if (unknown.length > 0) {
          return simulatorError(
            400,
            "unknownCredential",
            `The wallet holds no such credential for ${unknown.join(", ")}.`,
          );
        }
        // Authenticator refuses to present when a requested credential is absent; the verifier hears nothing.
        if (missing.length > 0) return { status: 409, body: { missing } };
        request.status = "verified";
        const body = await verifiedCallback(request, wallet, chosen, context.now());
        const callbackStatus = await deliverCallback(request, body, context.log);
        return {
          status: 200,
          body: {
            requestId: request.requestId,
            requestStatus: "presentation_verified",
            presented: chosen.map((credential) => ({ type: credential.type, issuer: credential.issuer })),
            callbackStatus,
          },
        };
      },
    },
  ];
}

/** The request as the wallet sees it: who asks, why, and for what. */
function walletView(request: StoredRequest): Record<string, unknown> {
  const { authority, registration, requestedCredentials } = request.body;
  return {
    requestId: request.requestId,
    authority,
    clientName: registration.clientName,
    purpose: registration.purpose,
    expiry: request.expiry,
    requestedCredentials: requestedCredentials.map(({ type, purpose, acceptedIssuers, constraints }) => ({
      type,
      purpose,
      acceptedIssuers,
      constraints,
    })),
  };
}

/** The request id in `openid-vc://?request_uri=<base>/wallet/requests/<id>`, if the link points here. */
function requestIdFromUrl(link: string, baseUrl: string): string | undefined {
  let requestUri: string | null;
  try {
    const url = new URL(link);
    if (url.protocol !== "openid-vc:") return undefined;
    requestUri = url.searchParams.get("request_uri");
  } catch {
    return undefined;
  }
  const prefix = `${baseUrl}/wallet/requests/`;
  if (requestUri === null || !requestUri.startsWith(prefix)) return undefined;
  const id = requestUri.slice(prefix.length);
  return /^[A-Za-z0-9-]+$/.test(id) ? id : undefined;
}
