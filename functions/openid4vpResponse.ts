// POST /api/openid4vp/responses/{id}: a standard wallet posts its encrypted response (`direct_post.jwt`,
// `response=<JWE>` form-encoded, API.md section 9). 200 `{}` once accepted; 400 with a `code` when refused (the
// request then fails with it) or when it is no response to take (nothing changes).
import * as z from "zod";
import {
  acceptWalletResponse,
  PresentationRefused,
  WalletResponseInvalid,
} from "../src/app/standardWallets.js";
import { services } from "../src/composition.js";
import { httpEndpoint, readBodyBytes } from "../src/http/endpoint.js";
import { HttpProblem, PROBLEM_CONTENT_TYPE, problemFromError } from "../src/http/problem.js";

/** Seven credentials with their disclosures, a photo among them, fit well inside this. */
export const MAX_RESPONSE_BYTES = 1024 * 1024;

const FORM_CONTENT_TYPE = "application/x-www-form-urlencoded";

export const openid4vpResponse = httpEndpoint({
  name: "openid4vpResponse",
  method: "POST",
  route: "api/openid4vp/responses/{id}",
  rateLimit: () => services().rateLimits.anonymous,
  summary: "A standard wallet's encrypted OpenID4VP response (direct_post.jwt)",
  tags: ["openid4vp"],
  params: z.object({ id: z.string() }),
  responses: {
    200: { description: "Accepted", schema: z.object({}) },
    400: {
      description:
        "Refused (`code` says why; the request failed), or not a response to take (`code` response_invalid; nothing changed)",
    },
    413: { description: "The body exceeds 1 MiB" },
    415: { description: "Not form-encoded" },
    503: { description: "A dependency failed; nothing was half-done" },
  },
  handle: async ({ params, request, log, correlationId }) => {
    const mediaType = (request.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase();
    if (mediaType !== FORM_CONTENT_TYPE) {
      throw new HttpProblem("unsupported_media_type", `Send the response as ${FORM_CONTENT_TYPE}.`);
    }
    const text = new TextDecoder().decode(await readBodyBytes(request, MAX_RESPONSE_BYTES));
    const form = Object.fromEntries(new URLSearchParams(text));
    const deps = { ...services(), log: log.with({ requestId: params.id }) };
    try {
      await acceptWalletResponse(deps, params.id, form, correlationId);
    } catch (error) {
      // Both 400s name their reason as `code`, which a wallet shows or logs: the refusal's, or response_invalid.
      const code =
        error instanceof PresentationRefused
          ? error.refusal.code
          : error instanceof WalletResponseInvalid
            ? error.code
            : undefined;
      if (code === undefined) throw error;
      log.warn("standard wallet's response refused", { requestId: params.id, errorCode: code });
      const problem = problemFromError(error, new URL(request.url).pathname);
      return { status: 400, body: { ...problem, code }, headers: { "content-type": PROBLEM_CONTENT_TYPE } };
    }
    log.info("standard wallet's presentation accepted", { requestId: params.id });
    return { status: 200, body: {} };
  },
});
