// GET /api/openid4vp/requests/{id}: a standard wallet fetches the signed request object of a login or share
// (OpenID4VP 1.0 request by reference, API.md section 9); the request becomes `scanned`.
import * as z from "zod";
import { walletRequestObject } from "../src/app/standardWallets.js";
import { services } from "../src/composition.js";
import { httpEndpoint } from "../src/http/endpoint.js";

export const openid4vpRequest = httpEndpoint({
  name: "openid4vpRequest",
  method: "GET",
  route: "api/openid4vp/requests/{id}",
  rateLimit: () => services().rateLimits.anonymous,
  summary: "The signed OpenID4VP request object (application/oauth-authz-req+jwt)",
  tags: ["openid4vp"],
  params: z.object({ id: z.string() }),
  responses: {
    200: { description: "The request object, a JWS signed with the verifier certificate's key" },
    404: { description: "No OpenID4VP request with that id waits for a wallet" },
    503: { description: "Standard wallets are unavailable" },
  },
  handle: async ({ params, log, correlationId }) => {
    const deps = { ...services(), log: log.with({ requestId: params.id }) };
    const token = await walletRequestObject(deps, params.id, correlationId);
    return {
      status: 200,
      text: token,
      headers: { "content-type": "application/oauth-authz-req+jwt", "cache-control": "no-store" },
    };
  },
});
