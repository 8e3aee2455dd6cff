// POST /api/ssf/stream: the trust creates its one stream (SSF 1.0 section 8.1.1.1); a second is 409.
import { createStream as create } from "../src/app/streams.js";
import { services } from "../src/composition.js";
import { httpEndpoint } from "../src/http/endpoint.js";
import { requireTrust } from "../src/http/session.js";
import {
  newStreamSchema,
  streamConfiguration,
  streamConfigurationSchema,
  streamInputOf,
} from "../src/http/streamSchemas.js";

export const createStream = httpEndpoint({
  name: "createStream",
  method: "POST",
  route: "api/ssf/stream",
  summary:
    "Creates the trust's SSF stream: push to its endpoint_url (RFC 8935) or poll (RFC 8936, the default)",
  tags: ["ssf"],
  security: "trust",
  authenticate: (request) => requireTrust(services(), request),
  callerLimit: { limiter: () => services().rateLimits.trust, key: (caller) => caller.trustId },
  body: newStreamSchema,
  responses: {
    201: { description: "The stream created, enabled", schema: streamConfigurationSchema },
    400: {
      description: "A malformed configuration: an unknown member, or a push endpoint_url that is not https",
    },
    401: { description: "Missing or invalid trust token" },
    409: { description: "The trust already has its one stream" },
  },
  handle: async ({ body, auth, log }) => {
    const stream = await create(services().streams, auth, streamInputOf(body));
    log.info("stream created", { trustId: auth.trustId, method: stream.delivery.method });
    return { status: 201, body: streamConfiguration(stream, services().eventIssuer) };
  },
});
