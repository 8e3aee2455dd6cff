// POST /api/ssf/status: the trust enables, pauses or disables its stream (SSF 1.0 section 8.1.2.2). Paused holds
// events for delivery in order once enabled; disabled keeps only their records.
import { updateStreamStatus as update } from "../src/app/streams.js";
import { services } from "../src/composition.js";
import { httpEndpoint } from "../src/http/endpoint.js";
import { requireTrust } from "../src/http/session.js";
import { statusChangeSchema, streamStatusOf, streamStatusSchema } from "../src/http/streamSchemas.js";

export const updateStreamStatus = httpEndpoint({
  name: "updateStreamStatus",
  method: "POST",
  route: "api/ssf/status",
  summary: "Sets the stream's status; enabling a paused stream delivers what it held, oldest first",
  tags: ["ssf"],
  security: "trust",
  authenticate: (request) => requireTrust(services(), request),
  callerLimit: { limiter: () => services().rateLimits.trust, key: (caller) => caller.trustId },
  body: statusChangeSchema,
  responses: {
    200: { description: "The status as it now is", schema: streamStatusSchema },
    400: { description: "A malformed change: no stream_id, or a status that is not one of the three" },
    401: { description: "Missing or invalid trust token" },
    404: { description: "No such stream of this trust" },
  },
  handle: async ({ body, auth, log }) => {
    const view = await update(
      services().streams,
      auth,
      { streamId: body.stream_id, status: body.status, reason: body.reason },
      log.with({ trustId: auth.trustId }),
    );
    return { status: 200, body: streamStatusOf(view) };
  },
});
