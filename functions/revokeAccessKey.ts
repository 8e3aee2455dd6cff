// DELETE /api/trust/access-keys/{accessKeyId}: the trust revokes an issued access key through Verified ID's Admin
// API; a login with it afterwards fails with credential_revoked.
import { revokeAccessKey as revoke } from "../src/app/accessKeys.js";
import { services } from "../src/composition.js";
import { accessKeyIdParams } from "../src/http/accessKeySchemas.js";
import { httpEndpoint } from "../src/http/endpoint.js";
import { requireTrust } from "../src/http/session.js";

export const revokeAccessKey = httpEndpoint({
  name: "revokeAccessKey",
  method: "DELETE",
  route: "api/trust/access-keys/{accessKeyId}",
  summary: "Revokes an issued access key at Verified ID",
  tags: ["trust"],
  security: "trust",
  authenticate: (request) => requireTrust(services(), request),
  callerLimit: { limiter: () => services().rateLimits.trust, key: (caller) => caller.trustId },
  params: accessKeyIdParams,
  responses: {
    204: { description: "Revoked" },
    401: { description: "Missing or invalid trust token" },
    404: { description: "Unknown access key, or another trust's (the same answer)" },
    409: { description: "The access key is not issued (offered, expired, failed or already revoked)" },
    502: { description: "Verified ID did not revoke it; the key stays issued and a retry revokes it" },
  },
  handle: async ({ params, auth, log }) => {
    await revoke(services(), auth, params.accessKeyId);
    log.info("access key revoked", { accessKeyId: params.accessKeyId, trustId: auth.trustId });
    return { status: 204 };
  },
});
