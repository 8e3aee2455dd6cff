// POST /api/shares: starts sharing the chosen credentials with the session's trust, optionally answering one of its
// credential requests; answers with the QR code.
import { startShare as start } from "../src/app/shares.js";
import { services } from "../src/composition.js";
import { httpEndpoint } from "../src/http/endpoint.js";
import { requireSession } from "../src/http/session.js";
import { startedShareSchema, startShareSchema } from "../src/http/shareSchemas.js";

export const startShare = httpEndpoint({
  name: "startShare",
  method: "POST",
  route: "api/shares",
  summary: "Creates one presentation request for every chosen credential type, for the session's trust",
  tags: ["shares"],
  security: "session",
  authenticate: (request) => requireSession(services(), request),
  callerLimit: { limiter: () => services().rateLimits.shares, key: (session) => session.subject },
  body: startShareSchema,
  responses: {
    201: { description: "The share, with the QR code to scan", schema: startedShareSchema },
    400: {
      description:
        "Empty list, duplicates, an unknown type or the access key type; a protocol the trust does not offer or other than the session's",
    },
    401: { description: "Missing, invalid or expired session" },
    403: { description: "The session's trust is no longer active" },
    404: { description: "requestId names no credential request of the session's trust for its staff id" },
    409: { description: "requestId names a credential request that is no longer open" },
    502: { description: "Verified ID could not create the request" },
    503: { description: "The trust's wallet protocol is unavailable" },
  },
  handle: async ({ body, auth, log }) => {
    const started = await start(services(), auth, body.credentialTypes, body.requestId, body.protocol);
    log.info("share started", { shareId: started.shareId, trustId: started.trustId });
    return { status: 201, body: started, headers: { location: `/api/shares/${started.shareId}` } };
  },
});
