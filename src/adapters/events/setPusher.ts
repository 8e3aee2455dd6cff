// RFC 8935 push: POSTs a SET to the trust's endpoint and reports the status, body and time taken, or a timeout
// or connection failure. Redirects are not followed (a trust moves its endpoint in the directory instead).
import type { SetPusher } from "../../app/ports.js";

/** Enough of an error body to read `err` and `description`; a receiver cannot make us hold more. */
const MAX_RESPONSE_CHARS = 4096;

export function httpSetPusher(clock: () => number = () => performance.now()): SetPusher {
  return async (endpoint, token, timeoutMs) => {
    const started = clock();
    const elapsed = () => Math.round(clock() - started);
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const response = await fetch(endpoint, {
        method: "POST",
        headers: { "content-type": "application/secevent+jwt", accept: "application/json" },
        body: token,
        redirect: "manual",
        signal,
      });
      const body = (await response.text()).slice(0, MAX_RESPONSE_CHARS);
      return { kind: "response", status: response.status, body, durationMs: elapsed() };
    } catch {
      return { kind: signal.aborted ? "timeout" : "connection", durationMs: elapsed() };
    }
  };
}
