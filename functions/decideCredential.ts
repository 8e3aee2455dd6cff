// PUT /api/trust/shares/{shareId}/credentials/{type}/decision: the trust accepts or rejects (with a reason) a
// credential it received; the staff member sees it in the share view.
import { decideOnCredential } from "../src/app/decisions.js";
import { services } from "../src/composition.js";
import { httpEndpoint } from "../src/http/endpoint.js";
import { requireTrust } from "../src/http/session.js";
import { decisionParams, decisionSchema, decisionViewSchema } from "../src/http/trustSchemas.js";

export const decideCredential = httpEndpoint({
  name: "decideCredential",
  method: "PUT",
  route: "api/trust/shares/{shareId}/credentials/{type}/decision",
  summary: "Records the trust's decision on one shared credential; the same decision again changes nothing",
  tags: ["trust"],
  security: "trust",
  authenticate: (request) => requireTrust(services(), request),
  callerLimit: { limiter: () => services().rateLimits.trust, key: (caller) => caller.trustId },
  params: decisionParams,
  body: decisionSchema,
  responses: {
    200: { description: "The decision as recorded", schema: decisionViewSchema },
    400: { description: "No reason for a rejection, or a reason over 500 characters" },
    401: { description: "Missing or invalid trust token" },
    404: { description: "Not this trust's share, or a type the share does not hold" },
    409: { description: "A different decision was already recorded, or the share is not shared" },
  },
  handle: async ({ params, body, auth, log }) => {
    const decided = await decideOnCredential(services(), auth, params.shareId, params.type, body);
    log.info("credential decided", {
      shareId: params.shareId,
      trustId: auth.trustId,
      decision: decided.decision,
    });
    return { status: 200, body: decided };
  },
});
