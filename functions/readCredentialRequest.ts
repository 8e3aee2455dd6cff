// GET /api/trust/credential-requests/{requestId}: the trust reads one of its requests and what became of it.
import { readCredentialRequest as read } from "../src/app/credentialRequests.js";
import { services } from "../src/composition.js";
import { httpEndpoint } from "../src/http/endpoint.js";
import { requireTrust } from "../src/http/session.js";
import { credentialRequestViewSchema, requestIdParams } from "../src/http/trustSchemas.js";

export const readCredentialRequest = httpEndpoint({
  name: "readCredentialRequest",
  method: "GET",
  route: "api/trust/credential-requests/{requestId}",
  summary: "The request: open, fulfilled (with the answering share), declined (with the reason) or withdrawn",
  tags: ["trust"],
  security: "trust",
  authenticate: (request) => requireTrust(services(), request),
  callerLimit: { limiter: () => services().rateLimits.trust, key: (caller) => caller.trustId },
  params: requestIdParams,
  responses: {
    200: { description: "The request", schema: credentialRequestViewSchema },
    401: { description: "Missing or invalid trust token" },
    404: { description: "Unknown request, or another trust's (the same answer)" },
  },
  handle: async ({ params, auth }) => ({ status: 200, body: await read(services(), auth, params.requestId) }),
});
