// GET /api/ssf/stream: the trust reads its stream (with stream_id) or the list of its streams, none or one
// (without), as SSF 1.0 section 8.1.1.2 says.
import * as z from "zod";
import { listStreams, readStream as read } from "../src/app/streams.js";
import { services } from "../src/composition.js";
import { httpEndpoint } from "../src/http/endpoint.js";
import { requireTrust } from "../src/http/session.js";
import { streamConfiguration, streamConfigurationSchema, streamQuery } from "../src/http/streamSchemas.js";

export const readStream = httpEndpoint({
  name: "readStream",
  method: "GET",
  route: "api/ssf/stream",
  summary: "The trust's SSF stream by stream_id, or without it the list of its streams (none or one)",
  tags: ["ssf"],
  security: "trust",
  authenticate: (request) => requireTrust(services(), request),
  callerLimit: { limiter: () => services().rateLimits.trust, key: (caller) => caller.trustId },
  query: streamQuery,
  responses: {
    200: {
      description: "The stream, or an array of the trust's streams",
      schema: z.union([streamConfigurationSchema, z.array(streamConfigurationSchema)]),
    },
    400: { description: "A malformed stream_id" },
    401: { description: "Missing or invalid trust token" },
    404: { description: "No such stream of this trust (another trust's is the same answer)" },
  },
  handle: async ({ query, auth }) => {
    const { streams, eventIssuer } = services();
    if (query.stream_id === undefined) {
      const list = await listStreams(streams, auth);
      return { status: 200, body: list.map((stream) => streamConfiguration(stream, eventIssuer)) };
    }
    return {
      status: 200,
      body: streamConfiguration(await read(streams, auth, query.stream_id), eventIssuer),
    };
  },
});
