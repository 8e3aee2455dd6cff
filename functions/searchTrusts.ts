// GET /api/trusts?search=TEXT: finds trusts to log in to, by name or by organisation code.
import * as z from "zod";
import { services } from "../src/composition.js";
import { PROTOCOLS } from "../src/domain/trust.js";
import { httpEndpoint } from "../src/http/endpoint.js";

const trustsSchema = z.object({
  trusts: z
    .array(z.object({ id: z.string(), name: z.string(), protocols: z.array(z.enum(PROTOCOLS)) }))
    .max(20),
});

export const searchTrusts = httpEndpoint({
  name: "searchTrusts",
  method: "GET",
  route: "api/trusts",
  rateLimit: () => services().rateLimits.anonymous,
  summary:
    "Active trusts whose name contains the text (any case) or whose id is the text; at most 20, by name",
  tags: ["trusts"],
  query: z.object({ search: z.string().trim().min(2, "search must be at least 2 characters").max(100) }),
  responses: {
    200: { description: "Matching trusts", schema: trustsSchema },
    400: { description: "search is missing or shorter than 2 characters" },
  },
  handle: async ({ query }) => ({
    status: 200,
    body: { trusts: await services().trusts.search(query.search) },
  }),
});
