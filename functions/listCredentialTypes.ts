// GET /api/credential-types: the credential types a member of staff can choose to share.
import * as z from "zod";
import { SHAREABLE_CREDENTIAL_TYPES } from "../src/domain/catalogue.js";
import { httpEndpoint } from "../src/http/endpoint.js";

const credentialTypesSchema = z.object({
  credentialTypes: z.array(z.object({ type: z.string(), displayName: z.string(), description: z.string() })),
});

export const listCredentialTypes = httpEndpoint({
  name: "listCredentialTypes",
  method: "GET",
  route: "api/credential-types",
  summary: "The shareable credential types (never the access key)",
  tags: ["shares"],
  responses: { 200: { description: "The catalogue", schema: credentialTypesSchema } },
  handle: async () => ({
    status: 200,
    body: {
      credentialTypes: SHAREABLE_CREDENTIAL_TYPES.map(({ type, displayName, description }) => ({
        type,
        displayName,
        description,
      })),
    },
    headers: { "cache-control": "public, max-age=300" },
  }),
});
