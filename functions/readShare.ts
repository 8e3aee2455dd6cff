// GET /api/shares/{shareId}: the share as its owner sees it, for the portal to poll after the QR code.
import { readShare as read } from "../src/app/shares.js";
import { services } from "../src/composition.js";
import { httpEndpoint } from "../src/http/endpoint.js";
import { requireSession } from "../src/http/session.js";
import { shareIdParams, shareViewSchema } from "../src/http/shareSchemas.js";

export const readShare = httpEndpoint({
  name: "readShare",
  method: "GET",
  route: "api/shares/{shareId}",
  summary: "The share's status and, once shared, which credentials went to the trust",
  tags: ["shares"],
  security: "session",
  authenticate: (request) => requireSession(services(), request),
  params: shareIdParams,
  responses: {
    200: { description: "The share", schema: shareViewSchema },
    401: { description: "Missing, invalid or expired session" },
    404: { description: "Unknown share, or another staff member's (the same answer)" },
  },
  handle: async ({ params, auth }) => ({ status: 200, body: await read(services(), auth, params.shareId) }),
});
