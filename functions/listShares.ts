// GET /api/shares: the staff member's share history with every trust, newest first, 50 a page.
import * as z from "zod";
import { listShares as list } from "../src/app/shares.js";
import { services } from "../src/composition.js";
import { httpEndpoint } from "../src/http/endpoint.js";
import { requireSession } from "../src/http/session.js";
import { shareViewSchema } from "../src/http/shareSchemas.js";

export const listShares = httpEndpoint({
  name: "listShares",
  method: "GET",
  route: "api/shares",
  summary: "The session subject's shares across trusts, newest first, at most 50 a page",
  tags: ["shares"],
  security: "session",
  authenticate: (request) => requireSession(services(), request),
  query: z.object({ continuation: z.string().max(400).optional() }),
  responses: {
    200: {
      description: "A page of the history; `continuation` is present when more follow",
      schema: z.object({ shares: z.array(shareViewSchema), continuation: z.string().optional() }),
    },
    400: { description: "A continuation token this service did not issue" },
    401: { description: "Missing, invalid or expired session" },
  },
  handle: async ({ query, auth }) => ({
    status: 200,
    body: await list(services(), auth, query.continuation),
  }),
});
