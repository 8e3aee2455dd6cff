// GET /.well-known/ssf-configuration: the SSF transmitter configuration metadata (SSF 1.0 section 7), public, where
// SSF derives it from the issuer (an origin without a path, so outside /api).
import { services } from "../src/composition.js";
import { httpEndpoint } from "../src/http/endpoint.js";
import { ssfMetadata, ssfMetadataSchema } from "../src/http/streamSchemas.js";

export const ssfConfiguration = httpEndpoint({
  name: "ssfConfiguration",
  method: "GET",
  route: ".well-known/ssf-configuration",
  rateLimit: () => services().rateLimits.anonymous,
  summary:
    "SSF transmitter configuration metadata: the issuer, its JWKS, delivery methods and stream endpoints",
  tags: ["discovery", "ssf"],
  responses: { 200: { description: "The transmitter's metadata", schema: ssfMetadataSchema } },
  handle: async () => ({
    status: 200,
    body: ssfMetadata(services().eventIssuer),
    headers: { "cache-control": "public, max-age=3600" },
  }),
});
