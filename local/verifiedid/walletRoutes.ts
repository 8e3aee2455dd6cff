// The wallet side of the simulator (API contract section 4): wallets, fetching a request by its request_uri,
// scanning and presenting. Each step sends the callback the Request Service would send.
import { z } from "zod";
import { walletCredentialSchema } from "../seed/schema.js";
import { deliverCallback } from "./callbacks.js";
import type { SimulatorContext } from "./context.js";
import { fail, parseBody, type Result, type Route, simulatorError } from "./http.js";
import {
  chooseCredentials,
  errorCallback,
  offersFor,
  retrievedCallback,
  verifiedCallback,
} from "./presentation.js";
import type { StoredRequest } from "./requests.js";

const createWalletSchema = z.object({
  did: z
    .string()
    .regex(/^did:[a-z0-9]+:.+$/)
    .exactOptional(),
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
