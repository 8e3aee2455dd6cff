// DELETE /api/trust/credential-requests/{requestId}: the trust withdraws an open request; the staff member no
// longer sees it.
import { withdrawCredentialRequest as withdraw } from "../src/app/credentialRequests.js";
import { services } from "../src/composition.js";
import { httpEndpoint } from "../src/http/endpoint.js";
import { requireTrust } from "../src/http/session.js";
import { requestIdParams } from "../src/http/trustSchemas.js";

export const withdrawCredentialRequest = httpEndpoint({
  name: "withdrawCredentialRequest",
  method: "DELETE",
  route: "api/trust/credential-requests/{requestId}",
  summary: "Withdraws an open request; withdrawing it again changes nothing",
  tags: ["trust"],
  security: "trust",
  authenticate: (request) => requireTrust(services(), request),
  callerLimit: { limiter: () => services().rateLimits.trust, key: (caller) => caller.trustId },
  params: requestIdParams,
  responses: {
    204: { description: "Withdrawn" },
    401: { description: "Missing or invalid trust token" },
    404: { description: "Unknown request, or another trust's (the same answer)" },
    409: { description: "The request is already fulfilled or declined" },
  },
  handle: async ({ params, auth, log }) => {
    await withdraw(services(), auth, params.requestId);
    log.info("credential request withdrawn", { requestId: params.requestId, trustId: auth.trustId });
    return { status: 204 };
  },
});
