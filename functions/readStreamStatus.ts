// GET /api/ssf/status?stream_id=: the status of the trust's stream (SSF 1.0 section 8.1.2.1).
import { readStreamStatus as read } from "../src/app/streams.js";
import { services } from "../src/composition.js";
import { httpEndpoint } from "../src/http/endpoint.js";
import { requireTrust } from "../src/http/session.js";
import { requiredStreamQuery, streamStatusOf, streamStatusSchema } from "../src/http/streamSchemas.js";

export const readStreamStatus = httpEndpoint({
  name: "readStreamStatus",
  method: "GET",
  route: "api/ssf/status",
  summary: "The stream's status: enabled, paused or disabled, with the reason given",
  tags: ["ssf"],
  security: "trust",
  authenticate: (request) => requireTrust(services(), request),
  callerLimit: { limiter: () => services().rateLimits.trust, key: (caller) => caller.trustId },
  query: requiredStreamQuery,
  responses: {
    200: { description: "The status", schema: streamStatusSchema },
    400: { description: "No stream_id" },
    401: { description: "Missing or invalid trust token" },
    404: { description: "No such stream of this trust" },
  },
  handle: async ({ query, auth }) => ({
    status: 200,
    body: streamStatusOf(await read(services().streams, auth, query.stream_id)),
  }),
});
