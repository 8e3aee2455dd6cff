// DELETE /api/ssf/stream?stream_id=: the trust ends its stream (SSF 1.0 section 8.1.1.5); nothing more is delivered
// until it creates one again.
import { deleteStream as remove } from "../src/app/streams.js";
import { services } from "../src/composition.js";
import { httpEndpoint } from "../src/http/endpoint.js";
import { requireTrust } from "../src/http/session.js";
import { requiredStreamQuery } from "../src/http/streamSchemas.js";

export const deleteStream = httpEndpoint({
  name: "deleteStream",
  method: "DELETE",
  route: "api/ssf/stream",
  summary: "Deletes the trust's stream: nothing more is delivered, and what was recorded stays",
  tags: ["ssf"],
  security: "trust",
  authenticate: (request) => requireTrust(services(), request),
  callerLimit: { limiter: () => services().rateLimits.trust, key: (caller) => caller.trustId },
  query: requiredStreamQuery,
  responses: {
    204: { description: "Deleted" },
    400: { description: "No stream_id" },
    401: { description: "Missing or invalid trust token" },
    404: { description: "No such stream of this trust" },
  },
  handle: async ({ query, auth, log }) => {
    await remove(services().streams, auth, query.stream_id);
    log.info("stream deleted", { trustId: auth.trustId });
    return { status: 204 };
  },
});
