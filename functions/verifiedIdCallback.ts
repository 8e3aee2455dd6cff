// POST /api/verifiedid/callback: the Verified ID Request Service reports a request's progress here.
import * as z from "zod";
import { callbackReportOf, verifiedIdCallbackSchema } from "../src/adapters/verifiedId/callback.js";
import { applyCallback, authenticateCallback } from "../src/app/verifiedIdCallback.js";
import { services } from "../src/composition.js";
import { httpEndpoint } from "../src/http/endpoint.js";

/**
 * Microsoft documents 10 MB as the callback limit without a receipt, and a photo claim alone may reach 1 MB; the
 * portal endpoints keep their small limit.
 */
export const MAX_CALLBACK_BYTES = 10 * 1024 * 1024;

export const verifiedIdCallback = httpEndpoint({
  name: "verifiedIdCallback",
  method: "POST",
  route: "verifiedid/callback",
  summary: "Callback for presentation requests, authenticated by the per-request api-key header",
  tags: ["callbacks"],
  body: verifiedIdCallbackSchema,
  maxBodyBytes: MAX_CALLBACK_BYTES,
  // The api-key is checked first, against the request the body's `state` names; nothing else is read before.
  authenticate: (request, json) =>
    authenticateCallback(services(), request.headers.get("api-key"), (json as { state?: unknown })?.state),
  responses: {
    200: {
      description: "Applied, or already applied (idempotent)",
      schema: z.object({ status: z.string() }),
    },
    400: { description: "Malformed body (from a caller with the right api-key); nothing stored" },
    401: { description: "Missing or wrong api-key, or an unknown state and requestId pair; nothing stored" },
    413: { description: "The body exceeds 10 MiB" },
    503: { description: "A dependency failed; nothing was half-done, and a retry applies it once" },
  },
  handle: async ({ body, auth, log, correlationId }) => {
    const deps = { ...services(), log: log.with({ requestId: auth.value.id, kind: auth.value.kind }) };
    const outcome = await applyCallback(deps, auth, callbackReportOf(body), correlationId);
    deps.log.info(outcome.applied ? "callback applied" : "callback changed nothing", {
      verifiedIdRequestId: body.requestId,
      requestStatus: body.requestStatus,
      outcome: outcome.applied ? outcome.status : outcome.reason,
    });
    return { status: 200, body: { status: outcome.applied ? "applied" : "unchanged" } };
  },
});
