// POST /api/credential-requests/{requestId}/decline: the staff member declines a request with a reason; the
// trust hears it as a share event.
import { declineCredentialRequest as decline } from "../src/app/credentialRequests.js";
import { services } from "../src/composition.js";
import { httpEndpoint } from "../src/http/endpoint.js";
import { requireSession } from "../src/http/session.js";
import { credentialRequestViewSchema, declineSchema, requestIdParams } from "../src/http/trustSchemas.js";

export const declineCredentialRequest = httpEndpoint({
  name: "declineCredentialRequest",
  method: "POST",
  route: "api/credential-requests/{requestId}/decline",
  summary: "Declines an open request of the session's trust with a reason, which the trust receives",
  tags: ["credential requests"],
  security: "session",
  authenticate: (request) => requireSession(services(), request),
  callerLimit: { limiter: () => services().rateLimits.declines, key: (session) => session.subject },
  params: requestIdParams,
  body: declineSchema,
  responses: {
    200: { description: "The request, declined", schema: credentialRequestViewSchema },
    400: { description: "No reason, or one over 500 characters" },
    401: { description: "Missing, invalid or expired session" },
    404: { description: "Unknown request, another trust's or another staff member's (the same answer)" },
    409: { description: "The request is no longer open" },
  },
  handle: async ({ params, body, auth, log, correlationId }) => {
    const declined = await decline(
      { ...services(), log },
      auth,
      params.requestId,
      body.reason,
      correlationId,
    );
    log.info("credential request declined", { requestId: declined.requestId, trustId: declined.trustId });
    return { status: 200, body: declined };
  },
});
