// POST /api/trust/credential-requests: the trust asks a member of staff for credentials.
import { createCredentialRequest as create } from "../src/app/credentialRequests.js";
import { services } from "../src/composition.js";
import { httpEndpoint } from "../src/http/endpoint.js";
import { requireTrust } from "../src/http/session.js";
import { credentialRequestViewSchema, newCredentialRequestSchema } from "../src/http/trustSchemas.js";

export const createCredentialRequest = httpEndpoint({
  name: "createCredentialRequest",
  method: "POST",
  route: "api/trust/credential-requests",
  summary: "Asks the member of staff with this staff id for credentials; they see it when they log in",
  tags: ["trust"],
  security: "trust",
  authenticate: (request) => requireTrust(services(), request),
  callerLimit: { limiter: () => services().rateLimits.trust, key: (caller) => caller.trustId },
  body: newCredentialRequestSchema,
  responses: {
    201: { description: "The open request", schema: credentialRequestViewSchema },
    400: { description: "No staff id, an empty list, duplicates, an unknown type or the access key type" },
    401: { description: "Missing or invalid trust token" },
  },
  handle: async ({ body, auth, log }) => {
    const created = await create(services(), auth, body);
    log.info("credential request created", { requestId: created.requestId, trustId: auth.trustId });
    return {
      status: 201,
      body: created,
      headers: { location: `/api/trust/credential-requests/${created.requestId}` },
    };
  },
});
