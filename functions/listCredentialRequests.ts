// GET /api/credential-requests: the open requests of the session's trust for the session's staff id.
import { listOpenRequests } from "../src/app/credentialRequests.js";
import { services } from "../src/composition.js";
import { httpEndpoint } from "../src/http/endpoint.js";
import { requireSession } from "../src/http/session.js";
import { credentialRequestListSchema } from "../src/http/trustSchemas.js";

export const listCredentialRequests = httpEndpoint({
  name: "listCredentialRequests",
  method: "GET",
  route: "api/credential-requests",
  summary: "The session's trust's open credential requests for the session's staff member, newest first",
  tags: ["credential requests"],
  security: "session",
  authenticate: (request) => requireSession(services(), request),
  responses: {
    200: { description: "The open requests", schema: credentialRequestListSchema },
    401: { description: "Missing, invalid or expired session" },
  },
  handle: async ({ auth }) => ({ status: 200, body: await listOpenRequests(services(), auth) }),
});
