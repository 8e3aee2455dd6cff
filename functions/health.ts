// GET /api/health: 200 when every dependency answers, 503 naming the one that does not. The answer may be a
// few seconds old (src/app/checkHealth.ts), so that anonymous probes cannot flood the dependencies.
import * as z from "zod";
import { services } from "../src/composition.js";
import { httpEndpoint } from "../src/http/endpoint.js";

const healthSchema = z.object({
  status: z.enum(["ok", "unavailable"]),
  checks: z.record(z.string(), z.enum(["ok", "unavailable"])),
});

export const health = httpEndpoint({
  name: "health",
  method: "GET",
  route: "health",
  rateLimit: () => services().rateLimits.anonymous,
  summary: "Reports whether the service and its dependencies answer",
  tags: ["operations"],
  responses: {
    200: { description: "Every dependency answers", schema: healthSchema },
    503: { description: "A dependency does not answer", schema: healthSchema },
  },
  handle: async ({ log }) => {
    const report = await services().health();
    if (report.status !== "ok") log.warn("dependency unavailable", { checks: JSON.stringify(report.checks) });
    return { status: report.status === "ok" ? 200 : 503, body: report };
  },
});
