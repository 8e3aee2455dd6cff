// GET /api/openid4vp/root.pem: the root of the verifier's certificate chain, for wallets told to trust it (the
// local certificate authority's; a deployment's root is a public CA's, which wallets already know).
import { services } from "../src/composition.js";
import { httpEndpoint } from "../src/http/endpoint.js";
import { HttpProblem } from "../src/http/problem.js";

export const openid4vpRoot = httpEndpoint({
  name: "openid4vpRoot",
  method: "GET",
  route: "api/openid4vp/root.pem",
  rateLimit: () => services().rateLimits.anonymous,
  summary: "The verifier certificate chain's root (PEM)",
  tags: ["openid4vp"],
  responses: {
    200: { description: "The root certificate (application/x-pem-file)" },
    404: { description: "No root is configured" },
  },
  handle: async () => {
    const root = services().config.OPENID4VP_ROOT_CERTIFICATE;
    if (root === undefined) throw new HttpProblem("not_found", "No verifier root certificate is configured.");
    return { status: 200, text: `${root.trim()}\n`, headers: { "content-type": "application/x-pem-file" } };
  },
});
