// POST /api/verifiedid/callback/{state}: the Verified ID Request Service reports a request's progress at the URL
// the request was given, whose last segment is our request id, so the api-key is checked before the body is read.
import * as z from "zod";
import {
  callbackReportOf,
  type VerifiedIdCallback,
  verifiedIdCallbackSchema,
} from "../src/adapters/verifiedId/callback.js";
import { CALLBACK_API_KEY } from "../src/adapters/verifiedId/client.js";
import type { Versioned } from "../src/app/ports.js";
import { applyCallback, authenticateCallback, InvalidCallback } from "../src/app/verifiedIdCallback.js";
import { services } from "../src/composition.js";
import type { VerifiedIdRequest } from "../src/domain/verifiedIdRequest.js";
import type { EndpointResult } from "../src/http/endpoint.js";
import { httpEndpoint } from "../src/http/endpoint.js";
import type { OpenApiResponse } from "../src/http/openapi.js";
import type { Logger } from "../src/log.js";

/**
 * Microsoft documents 10 MB as the callback limit without a receipt, and a photo claim alone may reach 1 MB; the
 * portal endpoints keep their small limit.
 */
export const MAX_CALLBACK_BYTES = 10 * 1024 * 1024;

/** The api-key header, refused at once when missing or of a shape never issued: nothing is looked up or read. */
export function callbackApiKey(headers: Headers): string {
  const apiKey = headers.get("api-key");
  if (apiKey === null || !CALLBACK_API_KEY.test(apiKey)) throw new InvalidCallback();
  return apiKey;
}

export const callbackResponses: Record<number, OpenApiResponse> = {
  200: {
    description: "Applied, or already applied (idempotent)",
    schema: z.object({ status: z.string() }),
  },
  400: { description: "Malformed body (from a caller with the right api-key); nothing stored" },
  401: {
    description:
      "Missing or wrong api-key, an unknown request, or a body whose state or requestId is not the request's; nothing stored",
  },
  413: { description: "The body exceeds 10 MiB" },
  429: {
    description:
      "Too many refused authentications from this source (RATE_LIMIT_FAILED_CALLBACKS_PER_MINUTE); nothing read; see Retry-After",
  },
  503: { description: "A dependency failed; nothing was half-done, and a retry applies it once" },
};

/** Applies an authenticated callback's body to its request; the same at either URL. */
export async function handleCallback(input: {
  body: VerifiedIdCallback;
  auth: Versioned<VerifiedIdRequest>;
  log: Logger;
  correlationId: string;
}): Promise<EndpointResult> {
  const { body, auth, correlationId } = input;
  const deps = { ...services(), log: input.log.with({ requestId: auth.value.id, kind: auth.value.kind }) };
  // applyCallback refuses a body whose state or requestId is not the authenticated request's.
  const outcome = await applyCallback(deps, auth, callbackReportOf(body), correlationId);
  deps.log.info(outcome.applied ? "callback applied" : "callback changed nothing", {
    verifiedIdRequestId: body.requestId,
    requestStatus: body.requestStatus,
    outcome: outcome.applied ? outcome.status : outcome.reason,
  });
  return { status: 200, body: { status: outcome.applied ? "applied" : "unchanged" } };
}

export const verifiedIdCallback = httpEndpoint({
  name: "verifiedIdCallback",
  method: "POST",
  route: "api/verifiedid/callback/{state}",
  summary:
    "Callback for presentation and access key issuance requests, at the request's own URL, authenticated by its api-key header",
  tags: ["callbacks"],
  params: z.object({ state: z.string() }),
  body: verifiedIdCallbackSchema,
  maxBodyBytes: MAX_CALLBACK_BYTES,
  // The api-key is checked against the one request the path names before a byte of the body is read.
  authenticateBeforeBody: (request, params) =>
    authenticateCallback(services(), callbackApiKey(request.headers), params.state, "path"),
  responses: callbackResponses,
  handle: handleCallback,
});
