// POST /api/trust/events: a trust fetches its share events (RFC 8936 poll delivery), acknowledging or reporting
// the ones it fetched before; a long poll waits up to 30 seconds for one.
import { pollShareEvents as poll } from "../src/app/pollShareEvents.js";
import { services } from "../src/composition.js";
import { httpEndpoint } from "../src/http/endpoint.js";
import { requireTrust } from "../src/http/session.js";
import { pollAnswerSchema, pollRequestSchema } from "../src/http/trustSchemas.js";

export const pollShareEvents = httpEndpoint({
  name: "pollShareEvents",
  method: "POST",
  route: "api/trust/events",
  summary:
    "Answers the trust's share events as SETs (RFC 8936), after settling those it acknowledges or reports",
  tags: ["trust"],
  security: "trust",
  authenticate: (request) => requireTrust(services(), request),
  callerLimit: { limiter: () => services().rateLimits.trust, key: (caller) => caller.trustId },
  body: pollRequestSchema,
  responses: {
    200: { description: "The SETs by jti, oldest events first", schema: pollAnswerSchema },
    400: { description: "A malformed poll: maxEvents out of range, an id that is no event id" },
    401: { description: "Missing or invalid trust token" },
  },
  handle: async ({ body, auth, log }) => {
    const answer = await poll(services().shareEventPolling, auth, body, log.with({ trustId: auth.trustId }));
    return { status: 200, body: answer };
  },
});
