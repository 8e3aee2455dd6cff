// DELETE /api/shares/{shareId}: cancels a share still waiting for the wallet, e.g. to start one without a
// credential the wallet does not hold.
import { cancelShare as cancel } from "../src/app/shares.js";
import { services } from "../src/composition.js";
import { httpEndpoint } from "../src/http/endpoint.js";
import { requireSession } from "../src/http/session.js";
import { shareIdParams } from "../src/http/shareSchemas.js";

export const cancelShare = httpEndpoint({
  name: "cancelShare",
  method: "DELETE",
  route: "api/shares/{shareId}",
  summary: "Cancels a pending or scanned share; a callback afterwards changes nothing",
  tags: ["shares"],
  security: "session",
  authenticate: (request) => requireSession(services(), request),
  params: shareIdParams,
  responses: {
    204: { description: "Cancelled" },
    401: { description: "Missing, invalid or expired session" },
    404: { description: "Unknown share, or another staff member's (the same answer)" },
    409: { description: "The share has already finished (shared, failed, expired or cancelled)" },
  },
  handle: async ({ params, auth, log }) => {
    await cancel(services(), auth, params.shareId);
    log.info("share cancelled", { shareId: params.shareId });
    return { status: 204 };
  },
});
