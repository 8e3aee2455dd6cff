// GET /api/me/export: everything the service holds about the session's subject, across trusts, as one JSON
// document the person can download (API.md section 11; UK GDPR Article 15).
import * as z from "zod";
import { exportPersonalData as exportData } from "../src/app/personalData.js";
import { services } from "../src/composition.js";
import { httpEndpoint } from "../src/http/endpoint.js";
import { requireSession } from "../src/http/session.js";

export const exportPersonalData = httpEndpoint({
  name: "exportPersonalData",
  method: "GET",
  route: "api/me/export",
  summary:
    "Everything the service holds about the session's subject: shares, requests, access keys, audit entries",
  tags: ["shares"],
  security: "session",
  authenticate: (request) => requireSession(services(), request),
  responses: {
    200: {
      description: "The subject-access export; claim values are not held once delivered, so not in it",
      schema: z.object({
        subject: z.string(),
        exportedAt: z.string(),
        staffIds: z.array(z.object({ trustId: z.string(), staffId: z.string() })),
        shares: z.array(z.record(z.string(), z.unknown())),
        credentialRequests: z.array(z.record(z.string(), z.unknown())),
        accessKeys: z.array(z.record(z.string(), z.unknown())),
        auditEntries: z.array(z.record(z.string(), z.unknown())),
        notIncluded: z.array(z.string()),
      }),
    },
    401: { description: "Missing, invalid or expired session" },
  },
  handle: async ({ auth }) => {
    const deps = services();
    const body = await exportData({ ...deps, events: deps.shareEventDelivery.events }, auth);
    return {
      status: 200,
      body,
      headers: { "content-disposition": 'attachment; filename="staff-passport-export.json"' },
    };
  },
});
