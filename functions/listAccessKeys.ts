// GET /api/trust/access-keys?staffId=ID: the trust's access keys for one member of staff, newest first.
import { listAccessKeys as list } from "../src/app/accessKeys.js";
import { services } from "../src/composition.js";
import { accessKeyListQuery, accessKeyListSchema } from "../src/http/accessKeySchemas.js";
import { httpEndpoint } from "../src/http/endpoint.js";
import { requireTrust } from "../src/http/session.js";

export const listAccessKeys = httpEndpoint({
  name: "listAccessKeys",
  method: "GET",
  route: "api/trust/access-keys",
  summary: "The trust's access keys for the staff id, newest first, with their status",
  tags: ["trust"],
  security: "trust",
  authenticate: (request) => requireTrust(services(), request),
  callerLimit: { limiter: () => services().rateLimits.trust, key: (caller) => caller.trustId },
  query: accessKeyListQuery,
  responses: {
    200: { description: "The access keys", schema: accessKeyListSchema },
    400: { description: "No staff id, or one of another shape" },
    401: { description: "Missing or invalid trust token" },
  },
  handle: async ({ query, auth }) => ({ status: 200, body: await list(services(), auth, query.staffId) }),
});
