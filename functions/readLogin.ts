// GET /api/logins/{loginId}: the portal polls a login with its poll token; the session token comes with `verified`.
import * as z from "zod";
import { readLogin as read } from "../src/app/logins.js";
import { services } from "../src/composition.js";
import { httpEndpoint } from "../src/http/endpoint.js";

const loginSchema = z.object({
  loginId: z.string(),
  trustId: z.string(),
  status: z.enum(["pending", "scanned", "verified", "failed", "expired"]),
  expiresAt: z.string(),
  sessionToken: z.string().optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});

export const readLogin = httpEndpoint({
  name: "readLogin",
  method: "GET",
  route: "api/logins/{loginId}",
  rateLimit: () => services().rateLimits.anonymous,
  summary: "The login's status; the session token while verified",
  tags: ["logins"],
  security: "pollToken",
  params: z.object({ loginId: z.string() }),
  responses: {
    200: { description: "The login", schema: loginSchema },
    404: { description: "Unknown login, or a missing or wrong poll token (the same answer)" },
  },
  handle: async ({ params, request }) => ({
    status: 200,
    body: await read(services(), params.loginId, request.headers.get("x-poll-token")),
  }),
});
