// GET (and HEAD, for Front Door's health probe) /api/health: 200 when every dependency answers, 503 naming the one that does not; 200 "degraded" with the
// count when share events are parked in an outbox (an operator releases them with `npm run outbox`). The answer
// may be a few seconds old (src/app/checkHealth.ts), so that anonymous probes cannot flood the dependencies.
import * as z from "zod";
import { services } from "../src/composition.js";
import { httpEndpoint } from "../src/http/endpoint.js";

const healthSchema = z.object({
  status: z.enum(["ok", "degraded", "unavailable"]),
  checks: z.record(z.string(), z.union([z.enum(["ok", "unavailable"]), z.string().regex(/^\d+ parked$/)])),
});

export const health = httpEndpoint({
  name: "health",
  method: "GET",
  route: "api/health",
  head: true,
  rateLimit: () => services().rateLimits.anonymous,
  summary: "Reports whether the service and its dependencies answer",
  tags: ["operations"],
  responses: {
    200: {
      description:
        "Every dependency answers; degraded, with the outbox check naming the count, when share events are parked",
      schema: healthSchema,
    },
    503: { description: "A dependency does not answer", schema: healthSchema },
  },
  handle: async ({ log }) => {
    const report = await services().health();
    if (report.status === "unavailable")
      log.warn("dependency unavailable", { checks: JSON.stringify(report.checks) });
    if (report.status === "degraded")
      log.warn("share events parked", { checks: JSON.stringify(report.checks) });
    return { status: report.status === "unavailable" ? 503 : 200, body: report };
  },
});
