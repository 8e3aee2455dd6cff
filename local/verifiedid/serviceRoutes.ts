// The Request Service side of the simulator: POST /v1.0/verifiableCredentials/createPresentationRequest, with the
// real service's authentication, validation, response and error shapes.

import { qrCodeDataUrl } from "../../src/adapters/qrCode.js";
import type { SimulatorContext } from "./context.js";
import { validateCreateRequest } from "./createRequest.js";
import { parseJson, type Reply, type Route } from "./http.js";
import { serviceError } from "./serviceErrors.js";

export function serviceRoutes(context: SimulatorContext): Route[] {
  return [
    {
      method: "POST",
      pattern: /^\/v1\.0\/verifiableCredentials\/createPresentationRequest$/,
      handle: async ({ request, text }) => {
        // Any bearer token will do locally; what matters is that the client always sends one.
        const authorization = request.headers.authorization ?? "";
        if (!/^Bearer \S+$/i.test(authorization)) {
          return serviceError(401, { code: "tokenError", message: "A bearer access token is required." });
        }
        const fault = takeFault(context);
        if (fault !== undefined) return fault;
        const json = parseJson(text);
        if (json === undefined) {
          return serviceError(400, {
            code: "badOrMissingField",
            message: "The request body is not valid JSON.",
          });
        }
        const validated = validateCreateRequest(json.value);
        if (!validated.ok) return serviceError(400, validated.inner);

        const stored = context.requests.create(validated.body);
        const url = `openid-vc://?request_uri=${context.baseUrl}/wallet/requests/${stored.requestId}`;
        const created: Record<string, unknown> = { requestId: stored.requestId, url, expiry: stored.expiry };
        if (validated.body.includeQRCode === true) {
          created.qrCode = qrCodeDataUrl(url);
        }
        // Routine, as the host's information lines: `npm start` prints it only with LOG_LEVEL=debug.
        context.log(`[information] created presentation request ${stored.requestId}`);
        return { status: 201, body: created };
      },
    },
  ];
}

/** The next injected create failure, if any; issuance and presentation requests share them. */
export function takeFault(context: SimulatorContext): Reply | undefined {
  const fault = context.fault;
  if (fault === undefined || fault.remaining <= 0) return undefined;
  fault.remaining--;
  if (fault.remaining === 0) context.fault = undefined;
  const headers =
    fault.retryAfterSeconds !== undefined ? { "retry-after": String(fault.retryAfterSeconds) } : undefined;
  // The service marks throttling and outages as transientError: "the client might succeed if it retries".
  return serviceError(
    fault.status,
    { code: "transientError", message: "Injected failure; retry later." },
    headers,
  );
}
