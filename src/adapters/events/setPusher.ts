// RFC 8935 push: POSTs a SET to the trust's endpoint through the outbound guard (src/adapters/net/publicFetch.ts)
// and reports the status, body and time taken, a refusal by the guard, or a timeout or connection failure.
// Redirects are not followed (a trust moves its endpoint in its stream instead).
import type { SetPusher } from "../../app/ports.js";
import { type OutboundPolicy, publicFetch } from "../net/publicFetch.js";

/** Enough of an error body to read `err` and `description`; a receiver cannot make us hold more. */
const MAX_RESPONSE_BYTES = 4096;

export function httpSetPusher(
  policy: OutboundPolicy,
  clock: () => number = () => performance.now(),
): SetPusher {
  return async (endpoint, token, timeoutMs, options = {}) => {
    const started = clock();
    const result = await publicFetch(
      endpoint,
      {
        method: "POST",
        headers: {
          "content-type": "application/secevent+jwt",
          accept: "application/json",
          // SSF 1.0 section 6.1.1: the stream's authorization_header goes with every push, as it was given.
          ...(options.authorization === undefined ? {} : { authorization: options.authorization }),
        },
        body: token,
        timeoutMs,
        maxBytes: MAX_RESPONSE_BYTES,
        allowedHosts: options.allowedHosts,
      },
      policy,
    );
    const durationMs = Math.round(clock() - started);
    switch (result.kind) {
      case "response":
        return {
          kind: "response",
          status: result.status,
          body: result.body,
          durationMs,
          ...(result.truncated ? { truncated: true } : {}),
        };
      case "refused":
        return { kind: "refused", reason: result.reason, durationMs };
      default:
        return { kind: result.kind, durationMs };
    }
  };
}
