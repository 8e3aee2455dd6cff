// POST /api/ssf/verify: the trust asks for SSF's verification event (SSF 1.0 section 8.1.4.2), which goes through
// its stream with the trust's `state`, by push or poll.
import { verifyStream as verify } from "../src/app/streams.js";
import { services } from "../src/composition.js";
import { httpEndpoint } from "../src/http/endpoint.js";
import { requireTrust } from "../src/http/session.js";
import { verificationSchema } from "../src/http/streamSchemas.js";

export const verifyStream = httpEndpoint({
  name: "verifyStream",
  method: "POST",
  route: "api/ssf/verify",
  summary: "Sends SSF's verification event, carrying the trust's state, through the trust's stream",
  tags: ["ssf"],
  security: "trust",
  authenticate: (request) => requireTrust(services(), request),
  callerLimit: { limiter: () => services().rateLimits.trust, key: (caller) => caller.trustId },
  body: verificationSchema,
  responses: {
    204: { description: "The verification event is on its way" },
    400: { description: "A malformed request: no stream_id, or a state over 1000 characters" },
    401: { description: "Missing or invalid trust token" },
    404: { description: "No such stream of this trust" },
  },
  handle: async ({ body, auth, log, correlationId }) => {
    await verify(
      services().streams,
      auth,
      { streamId: body.stream_id, state: body.state },
      correlationId,
      log.with({ trustId: auth.trustId }),
    );
    return { status: 204 };
  },
});
