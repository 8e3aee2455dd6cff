// RFC 8935 push: POSTs a SET to the trust's endpoint through the outbound guard (src/adapters/net/publicFetch.ts)
// and reports the status, body and time taken, a refusal by the guard, or a timeout or connection failure.
// Redirects are not followed (a trust moves its endpoint in its stream instead).
import type { SetPusher } from "../../app/ports.js";
import type { TraceContext } from "../../domain/traceContext.js";
import { inSpan, SpanKind, traceContextOf } from "../../telemetry/tracing.js";
import { type OutboundPolicy, publicFetch } from "../net/publicFetch.js";

/** W3C Trace Context's headers (no Diagnostic-Id: that one is Service Bus's). */
const traceHeaders = (trace: TraceContext | undefined): Record<string, string> =>
  trace === undefined
    ? {}
    : {
        traceparent: trace.traceparent,
        ...(trace.tracestate === undefined ? {} : { tracestate: trace.tracestate }),
      };

/** Enough of an error body to read `err` and `description`; a receiver cannot make us hold more. */
const MAX_RESPONSE_BYTES = 4096;

export function httpSetPusher(
  policy: OutboundPolicy,
  clock: () => number = () => performance.now(),
): SetPusher {
  return async (endpoint, token, timeoutMs, options = {}) => {
    const started = clock();
    // A client span around the push; its context goes to the trust as `traceparent`, so a trust can tie its own
    // handling to the share's trace.
    const result = await inSpan(
      "POST push",
      { kind: SpanKind.CLIENT, attributes: { "http.request.method": "POST" } },
      async (span) => {
        const pushed = await publicFetch(
          endpoint,
          {
            method: "POST",
            headers: {
              "content-type": "application/secevent+jwt",
              accept: "application/json",
              // SSF 1.0 section 6.1.1: the stream's authorization_header goes with every push, as it was given.
              ...(options.authorization === undefined ? {} : { authorization: options.authorization }),
              ...traceHeaders(traceContextOf()),
            },
            body: token,
            timeoutMs,
            maxBytes: MAX_RESPONSE_BYTES,
            allowedHosts: options.allowedHosts,
          },
          policy,
        );
        span.setAttribute("staff_passport.push.result", pushed.kind);
        if (pushed.kind === "response") span.setAttribute("http.response.status_code", pushed.status);
        return pushed;
      },
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
