// Issuance and revocation as Microsoft Entra Verified ID does them: the Request Service's createIssuanceRequest and
// its callbacks, the wallet's acceptance of an offer with its PIN, and the Admin API's search and revoke of issued
// credentials by their indexed claim's hash.
import type { IncomingMessage } from "node:http";
import { z } from "zod";
import { qrCodeDataUrl } from "../../src/adapters/qrCode.js";
import { deliverCallback } from "./callbacks.js";
import type { SimulatorContext } from "./context.js";
import { fail, parseBody, parseJson, type Reply, type Result, type Route, simulatorError } from "./http.js";
import { pinMatches, validateIssuanceRequest } from "./issuanceRequest.js";
import { MAX_PIN_ATTEMPTS, type StoredIssuance } from "./issuances.js";
import { serviceError } from "./serviceErrors.js";
import { takeFault } from "./serviceRoutes.js";
import { serviceDate } from "./wallets.js";

/** Without an expirationDate the contract's validity applies; the simulator's contracts are valid for a year. */
const DEFAULT_VALIDITY_MS = 365 * 24 * 60 * 60 * 1000;

const acceptSchema = z.object({
  url: z.string().min(1),
  pin: z.string().exactOptional(),
  /** "error" makes the service report issuance_error instead (the issuance failed after the PIN). */
  outcome: z.enum(["issued", "error"]).default("issued"),
  error: z.object({ code: z.string().min(1), message: z.string().min(1) }).exactOptional(),
});

const DEFAULT_ERROR = {
  code: "issuance_service_error",
  message: "The Verifiable Credentials service could not issue the credential.",
};

const ADMIN = "^\\/v1\\.0\\/verifiableCredentials\\/authorities";

export function issuanceRoutes(context: SimulatorContext): Route[] {
  const issuances = context.issuances;

  function callback(offer: StoredIssuance, requestStatus: string, extra: Record<string, unknown> = {}) {
    return deliverCallback(
      offer,
      { requestId: offer.requestId, requestStatus, state: offer.body.callback.state, ...extra },
      context.log,
    );
  }

  function openOffer(requestId: string): Result<StoredIssuance> {
    const offer = issuances.get(requestId);
    if (offer === undefined) return fail(404, "requestNotFound", "No such issuance request.");
    if (issuances.isExpired(offer)) return fail(410, "requestExpired", "The issuance request has expired.");
    if (offer.status === "issued" || offer.status === "error" || offer.status === "issuing") {
      return fail(410, "requestCompleted", "The issuance request has already been answered.");
    }
    return { ok: true, value: offer };
  }

  /** The wallet's fetch of the offer; the issuer learns of it through request_retrieved. */
  async function retrieve(offer: StoredIssuance): Promise<number | null> {
    if (offer.status === "created") offer.status = "retrieved";
    return callback(offer, "request_retrieved");
  }

  async function accept(walletId: string, text: string): Promise<Reply> {
    const wallet = context.wallets.get(walletId);
    if (wallet === undefined) return simulatorError(404, "walletNotFound", "No such wallet.");
    const parsed = parseBody(text, acceptSchema);
    if (!parsed.ok) return parsed.reply;
    const input = parsed.value;
    const requestId = issuanceIdFromUrl(input.url, context.baseUrl);
    if (requestId === undefined) {
      return simulatorError(
        400,
        "invalidUrl",
        "Not an openid-vc:// link to an issuance request of this simulator.",
      );
    }
    const opened = openOffer(requestId);
    if (!opened.ok) return opened.reply;
    const offer = opened.value;
    // Authenticator fetches the offer once and keeps it open while the person types the PIN, however many tries.
    if (offer.status === "created") await retrieve(offer);

    const pin = offer.body.pin;
    if (pin !== undefined) {
      if (input.pin === undefined) return simulatorError(400, "pinRequired", "The offer needs its PIN.");
      if (!pinMatches(pin, input.pin)) {
        offer.wrongPins++;
        const attemptsLeft = Math.max(0, MAX_PIN_ATTEMPTS - offer.wrongPins);
        if (attemptsLeft === 0 && offer.status === "retrieved") {
          offer.status = "error";
          await callback(offer, "issuance_error", {
            error: { code: "issuance_service_error", message: "The PIN was entered wrongly too many times." },
          });
        }
        return { status: 400, body: { error: "pinInvalid", message: "The PIN is not right.", attemptsLeft } };
      }
    }
    // Another accept may have answered the offer while this one waited for a callback.
    if (offer.status !== "retrieved") {
      return simulatorError(410, "requestCompleted", "The issuance request has already been answered.");
    }
    offer.status = "issuing";

    if (input.outcome === "error") {
      offer.status = "error";
      const callbackStatus = await callback(offer, "issuance_error", { error: input.error ?? DEFAULT_ERROR });
      return { status: 200, body: { requestId, requestStatus: "issuance_error", callbackStatus } };
    }
    const now = context.now();
    const expirationDate = serviceDate(
      offer.body.expirationDate !== undefined
        ? new Date(offer.body.expirationDate)
        : new Date(now.getTime() + DEFAULT_VALIDITY_MS),
    );
    let credentialId: string;
    try {
      const held = await context.wallets.issueInto(wallet, {
        type: offer.body.type,
        issuer: offer.body.authority,
        claims: { ...offer.body.claims },
        issuanceDate: serviceDate(now),
        expirationDate,
      });
      credentialId = held.id;
    } catch (error) {
      context.log(`issuance ${requestId} failed: ${error instanceof Error ? error.name : "error"}`);
      offer.status = "error";
      const callbackStatus = await callback(offer, "issuance_error", { error: DEFAULT_ERROR });
      return { status: 200, body: { requestId, requestStatus: "issuance_error", callbackStatus } };
    }
    issuances.record(offer, wallet.id, credentialId);
    offer.status = "issued";
    const callbackStatus = await callback(offer, "issuance_successful");
    return {
      status: 200,
      body: {
        requestId,
        requestStatus: "issuance_successful",
        credentialId,
        type: offer.body.type,
        callbackStatus,
      },
    };
  }

  return [
    {
      method: "POST",
      pattern: /^\/v1\.0\/verifiableCredentials\/createIssuanceRequest$/,
      handle: ({ request, text }) => {
        const refused = requireBearer(request);
        if (refused !== undefined) return refused;
        const fault = takeFault(context);
        if (fault !== undefined) return fault;
        const json = parseJson(text);
        if (json === undefined) {
          return serviceError(400, {
            code: "badOrMissingField",
            message: "The request body is not valid JSON.",
          });
        }
        const validated = validateIssuanceRequest(json.value, context.now());
        if (!validated.ok) return serviceError(400, validated.inner);
        const offer = issuances.create(validated.body);
        const url = `openid-vc://?request_uri=${context.baseUrl}/wallet/issuance/${offer.requestId}`;
        const created: Record<string, unknown> = { requestId: offer.requestId, url, expiry: offer.expiry };
        if (validated.body.includeQRCode === true) created.qrCode = qrCodeDataUrl(url);
        context.log(`[information] created issuance request ${offer.requestId}`);
        return { status: 201, body: created };
      },
    },
    {
      method: "GET",
      pattern: new RegExp(`${ADMIN}$`),
      handle: ({ request }) =>
        requireBearer(request) ?? {
          status: 200,
          body: {
            value: issuances
              .authorities()
              .map(({ id, did }) => ({ id, status: "Enabled", didModel: { did } })),
          },
        },
    },
    {
      method: "GET",
      pattern: new RegExp(`${ADMIN}\\/([^/]+)\\/contracts\\/([^/]+)\\/credentials$`),
      handle: ({ request, params }) => {
        const refused = requireBearer(request);
        if (refused !== undefined) return refused;
        const [authorityId = "", contractId = ""] = params;
        if (!issuances.authorities().some(({ id }) => id === authorityId)) {
          return serviceError(404, {
            code: "notFound",
            message: "No such authority.",
            target: "authorityId",
          });
        }
        const hash = indexClaimHashOfFilter(request.url ?? "");
        if (hash === undefined) {
          return serviceError(400, {
            code: "badOrMissingField",
            message: "Only the filter 'indexclaimhash eq {hash}' is supported.",
            target: "filter",
          });
        }
        const value = issuances.search(authorityId, contractId, hash).map((issued) => ({
          id: issued.id,
          contractId: issued.contractId,
          status: issued.revoked ? "issuerRevoked" : "valid",
          issuedAt: issued.issuedAt,
        }));
        return { status: 200, body: { value } };
      },
    },
    {
      method: "POST",
      pattern: new RegExp(`${ADMIN}\\/([^/]+)\\/contracts\\/([^/]+)\\/credentials\\/([^/]+)\\/revoke$`),
      handle: ({ request, params }) => {
        const refused = requireBearer(request);
        if (refused !== undefined) return refused;
        const [authorityId = "", contractId = "", credentialId = ""] = params;
        const issued = issuances.issuedCredential(authorityId, contractId, credentialId);
        if (issued === undefined) {
          return serviceError(404, {
            code: "notFound",
            message: "No such credential.",
            target: "credentialId",
          });
        }
        // Irreversible: revoking again changes nothing and answers the same.
        if (!issued.revoked) {
          issued.revoked = true;
          context.wallets.revokeById(issued.walletId, issued.walletCredentialId);
          context.log(`[information] revoked credential ${issued.id}`);
        }
        return { status: 204 };
      },
    },
    {
      // The request_uri of the create response; a wallet's GET counts as retrieving the offer.
      method: "GET",
      pattern: /^\/wallet\/issuance\/([^/]+)$/,
      handle: async ({ params }) => {
        const opened = openOffer(params[0] ?? "");
        if (!opened.ok) return opened.reply;
        await retrieve(opened.value);
        return { status: 200, body: offerView(opened.value) };
      },
    },
    {
      method: "POST",
      pattern: /^\/wallet\/wallets\/([^/]+)\/accept$/,
      handle: ({ params, text }) => accept(params[0] ?? "", text),
    },
    {
      method: "GET",
      pattern: /^\/control\/issuance-requests\/([^/]+)$/,
      handle: ({ params }) => {
        const offer = issuances.get(params[0] ?? "");
        if (offer === undefined) return simulatorError(404, "requestNotFound", "No such issuance request.");
        const { requestId, status, expiry, body, wrongPins } = offer;
        return {
          status: 200,
          body: { requestId, status, expiry, expired: issuances.isExpired(offer), wrongPins, body },
        };
      },
    },
    {
      method: "POST",
      pattern: /^\/control\/issuance-requests\/([^/]+)\/expire$/,
      handle: ({ params }) => {
        const offer = issuances.get(params[0] ?? "");
        if (offer === undefined) return simulatorError(404, "requestNotFound", "No such issuance request.");
        issuances.expire(offer);
        return { status: 204 };
      },
    },
  ];
}

// Any bearer token will do locally; what matters is that the client always sends one.
function requireBearer(request: IncomingMessage): Reply | undefined {
  const authorization = request.headers.authorization ?? "";
  if (/^Bearer \S+$/i.test(authorization)) return undefined;
  return serviceError(401, { code: "tokenError", message: "A bearer access token is required." });
}

/** The offer as the wallet shows it: what is issued, by whom, and how long a PIN it needs. */
function offerView(offer: StoredIssuance): Record<string, unknown> {
  const { authority, registration, type, manifest, pin } = offer.body;
  return {
    requestId: offer.requestId,
    authority,
    clientName: registration.clientName,
    type,
    manifest,
    expiry: offer.expiry,
    ...(pin !== undefined ? { pin: { length: pin.length } } : {}),
  };
}

/**
 * The hash in `?filter=indexclaimhash eq {hash}`. Read from the raw query, since a Base64 `+` sent unencoded would
 * otherwise become a space; the separators may be spaces or `+` as form encoding writes them.
 */
function indexClaimHashOfFilter(pathAndQuery: string): string | undefined {
  const query = pathAndQuery.split("?")[1] ?? "";
  for (const pair of query.split("&")) {
    const [name, value = ""] = pair.split("=", 2);
    if (name !== "filter") continue;
    let decoded: string;
    try {
      decoded = decodeURIComponent(value);
    } catch {
      return undefined;
    }
    const match = /^indexclaimhash[ +]eq[ +]([A-Za-z0-9+/]+={0,2})$/i.exec(decoded);
    return match?.[1];
  }
  return undefined;
}

/** The offer id in `openid-vc://?request_uri=<base>/wallet/issuance/<id>`, if the link points here. */
function issuanceIdFromUrl(link: string, baseUrl: string): string | undefined {
  let requestUri: string | null;
  try {
    const url = new URL(link);
    if (url.protocol !== "openid-vc:") return undefined;
    requestUri = url.searchParams.get("request_uri");
  } catch {
    return undefined;
  }
  const prefix = `${baseUrl}/wallet/issuance/`;
  if (requestUri === null || !requestUri.startsWith(prefix)) return undefined;
  const id = requestUri.slice(prefix.length);
  return /^[A-Za-z0-9-]+$/.test(id) ? id : undefined;
}
