// POST /api/trust/access-keys: the trust issues an access key to a member of staff through Verified ID, and gets
// the link, QR code and PIN it gives them.
import { issueAccessKey } from "../src/app/accessKeys.js";
import { services } from "../src/composition.js";
import { newAccessKeySchema, offeredAccessKeySchema } from "../src/http/accessKeySchemas.js";
import { httpEndpoint } from "../src/http/endpoint.js";
import { requireTrust } from "../src/http/session.js";

export const createAccessKey = httpEndpoint({
  name: "createAccessKey",
  method: "POST",
  route: "api/trust/access-keys",
  summary: "Offers the member of staff an access key: a Verified ID issuance request with a PIN",
  tags: ["trust"],
  security: "trust",
  authenticate: (request) => requireTrust(services(), request),
  callerLimit: { limiter: () => services().rateLimits.trust, key: (caller) => caller.trustId },
  body: newAccessKeySchema,
  responses: {
    201: { description: "The offer; its PIN is given only here", schema: offeredAccessKeySchema },
    400: { description: "A missing, blank or unknown field; nothing stored" },
    401: { description: "Missing or invalid trust token" },
    409: { description: "The trust has no access key manifest in the directory" },
    502: { description: "Verified ID did not create the issuance request; nothing stored" },
  },
  handle: async ({ body, auth, log }) => {
    const offered = await issueAccessKey(services(), auth, body);
    // Never the PIN, the link or the claims: the ids alone.
    log.info("access key offered", { accessKeyId: offered.accessKeyId, trustId: auth.trustId });
    return { status: 201, body: offered };
  },
});
