// POST /api/verifiedid/callback: the Verified ID Request Service reports a request's progress here.
import { z } from "zod";
import { verifiedIdCallbackSchema } from "../src/adapters/verifiedId/callback.js";
import { handleVerifiedIdCallback } from "../src/app/verifiedIdCallback.js";
import { services } from "../src/composition.js";
import { httpEndpoint } from "../src/http/endpoint.js";

export const verifiedIdCallback = httpEndpoint({
  name: "verifiedIdCallback",
  method: "POST",
  route: "verifiedid/callback",
  summary: "Callback for presentation requests, authenticated by the per-request api-key header",
  tags: ["callbacks"],
  body: verifiedIdCallbackSchema,
  responses: {
    200: {
      description: "Applied, or already applied (idempotent)",
      schema: z.object({ status: z.string() }),
    },
    400: { description: "Malformed body; nothing stored" },
    401: { description: "Missing or wrong api-key, or an unknown state and requestId pair; nothing stored" },
    503: { description: "A dependency failed; nothing was half-done, and a retry applies it once" },
  },
  handle: async ({ body, request, log }) => {
    const outcome = await handleVerifiedIdCallback(services(), request.headers.get("api-key"), body);
    log.info(outcome.applied ? "callback applied" : "callback changed nothing", {
      kind: outcome.kind,
      id: outcome.requestId,
      verifiedIdRequestId: body.requestId,
      requestStatus: body.requestStatus,
      outcome: outcome.applied ? outcome.status : outcome.reason,
    });
    return { status: 200, body: { status: outcome.applied ? "applied" : "unchanged" } };
  },
});
