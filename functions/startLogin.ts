// POST /api/logins: starts a login with the chosen trust's access key; answers with the QR code to scan.
import * as z from "zod";
import { startLogin as start } from "../src/app/logins.js";
import { services } from "../src/composition.js";
import { httpEndpoint } from "../src/http/endpoint.js";
import { protocolParam } from "../src/http/shareSchemas.js";

const startedSchema = z.object({
  loginId: z.string(),
  pollToken: z.string(),
  url: z.string(),
  qrCode: z.string(),
  expiresAt: z.string(),
});

export const startLogin = httpEndpoint({
  name: "startLogin",
  method: "POST",
  route: "api/logins",
  rateLimit: () => services().rateLimits.logins,
  summary: "Creates a presentation request for the trust's access key",
  tags: ["logins"],
  body: z.strictObject({ trustId: z.string().trim().min(1).max(20), protocol: protocolParam }),
  responses: {
    201: { description: "The login, with the poll token and the QR code", schema: startedSchema },
    400: { description: "Invalid body, or a protocol the trust does not offer" },
    404: { description: "Unknown or inactive trust" },
    502: { description: "Verified ID could not create the request" },
    503: { description: "Standard wallets (OpenID4VP) are unavailable" },
  },
  handle: async ({ body, log }) => {
    const started = await start(services(), body.trustId, body.protocol);
    log.info("login started", { loginId: started.loginId, trustId: body.trustId });
    return { status: 201, body: started, headers: { location: `/api/logins/${started.loginId}` } };
  },
});
