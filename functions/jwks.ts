// GET /api/.well-known/jwks.json: the public keys that sign session tokens and share events.
import * as z from "zod";
import { services } from "../src/composition.js";
import { httpEndpoint } from "../src/http/endpoint.js";

export const jwks = httpEndpoint({
  name: "jwks",
  method: "GET",
  route: "api/.well-known/jwks.json",
  rateLimit: () => services().rateLimits.anonymous,
  summary: "JWKS: the current signing key and, during rotation, the previous one",
  tags: ["discovery"],
  responses: {
    200: {
      description: "The key set",
      schema: z.object({ keys: z.array(z.looseObject({ kid: z.string() })) }),
    },
  },
  handle: async () => ({
    status: 200,
    body: await services().keys.jwks(),
    // A new signing key is published at least this long before it signs (see src/adapters/keys).
    headers: { "cache-control": `public, max-age=${services().config.JWKS_MAX_AGE_SECONDS}` },
  }),
});
