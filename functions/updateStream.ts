// PATCH /api/ssf/stream: the trust changes some members of its stream (SSF 1.0 section 8.1.1.3); the rest stay.
import { updateStream as update } from "../src/app/streams.js";
import { services } from "../src/composition.js";
import { httpEndpoint } from "../src/http/endpoint.js";
import { requireTrust } from "../src/http/session.js";
import {
  streamChangeSchema,
  streamConfiguration,
  streamConfigurationSchema,
  streamInputOf,
} from "../src/http/streamSchemas.js";

export const updateStream = httpEndpoint({
  name: "updateStream",
  method: "PATCH",
  route: "api/ssf/stream",
  summary: "Updates the members of the trust's stream configuration that the body gives",
  tags: ["ssf"],
  security: "trust",
  authenticate: (request) => requireTrust(services(), request),
  callerLimit: { limiter: () => services().rateLimits.trust, key: (caller) => caller.trustId },
  body: streamChangeSchema,
  responses: {
    200: { description: "The whole configuration as it now is", schema: streamConfigurationSchema },
    400: { description: "A malformed configuration" },
    401: { description: "Missing or invalid trust token" },
    404: { description: "No such stream of this trust" },
  },
  handle: async ({ body, auth }) => {
    const stream = await update(services().streams, auth, body.stream_id, streamInputOf(body));
    return { status: 200, body: streamConfiguration(stream, services().eventIssuer) };
  },
});
