// GET /api/shares/{shareId}/receipt: a receipt of a shared share, signed with the service's keys, that the staff
// member keeps as proof of what they shared with which trust and when.
import * as z from "zod";
import { shareReceiptSigner } from "../src/adapters/keys/receiptTokens.js";
import { shareReceipt } from "../src/app/receipts.js";
import { services } from "../src/composition.js";
import { httpEndpoint } from "../src/http/endpoint.js";
import { requireSession } from "../src/http/session.js";
import { shareIdParams } from "../src/http/shareSchemas.js";

export const readShareReceipt = httpEndpoint({
  name: "readShareReceipt",
  method: "GET",
  route: "api/shares/{shareId}/receipt",
  summary:
    "A signed receipt (application/jwt, typ share-receipt+jwt) of a shared share, verifiable with the JWKS",
  tags: ["shares"],
  security: "session",
  authenticate: (request) => requireSession(services(), request),
  params: shareIdParams,
  responses: {
    200: {
      description:
        "The receipt: a JWT naming the trust, the types, when, the event and the delivery outcome so far; no claim values",
      schema: z.string(),
      contentType: "application/jwt",
    },
    401: { description: "Missing, invalid or expired session" },
    404: { description: "Unknown share, or another staff member's (the same answer)" },
    409: { description: "The share has not been shared (share_not_shared)" },
  },
  handle: async ({ params, auth }) => {
    const deps = services();
    const token = await shareReceipt(
      {
        shares: deps.shares,
        events: deps.shareEventDelivery.events,
        // The SSF issuer, as every SET names: a receipt's event_id is the jti of the SET the trust received.
        signReceipt: shareReceiptSigner(deps.keys, deps.eventIssuer),
        clock: deps.clock,
      },
      auth,
      params.shareId,
    );
    // The delivery outcome changes: a receipt is fetched afresh, never served from a cache.
    return {
      status: 200,
      text: token,
      headers: { "content-type": "application/jwt", "cache-control": "no-store" },
    };
  },
});
