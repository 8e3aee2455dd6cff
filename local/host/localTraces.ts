// GET /local/traces/{traceId} on the local host: the spans of one trace that this process kept in memory, for the
// demo trust page's waterfall. A local diagnostic only, never part of the product's API, and never served in Azure.
import type { ServerResponse } from "node:http";
import { currentLocalTelemetry, type LocalSpan } from "../telemetry.js";

/** A W3C trace id: 32 lowercase hex digits. */
export const TRACE_ID = /^[0-9a-f]{32}$/;

export const LOCAL_TRACES_PREFIX = "/local/traces/";

export type LocalTrace = { traceId: string; spans: LocalSpan[] };

function problem(response: ServerResponse, status: number, title: string, detail: string): void {
  const body = JSON.stringify({ type: "about:blank", title, status, detail });
  response
    .writeHead(status, {
      "content-type": "application/problem+json",
      "content-length": String(Buffer.byteLength(body)),
      "cache-control": "no-store",
    })
    .end(body);
}

/** Whether a peer address is this machine's loopback (IPv4, IPv6, or IPv4 mapped into IPv6). */
const isLoopback = (address: string | undefined) =>
  address !== undefined && (/^(::ffff:)?127\./.test(address) || address === "::1");

/**
 * Answers a request under /local/traces/ from this machine; false for any other path or a peer elsewhere (a host
 * bound to every interface), which the caller answers as it would any path it does not serve.
 */
export function serveLocalTraces(
  path: string,
  method: string,
  peer: string | undefined,
  response: ServerResponse,
): boolean {
  if (!path.startsWith(LOCAL_TRACES_PREFIX) || !isLoopback(peer)) return false;
  if (method !== "GET") {
    response.writeHead(405, { allow: "GET" }).end();
    return true;
  }
  const traceId = path.slice(LOCAL_TRACES_PREFIX.length);
  if (!TRACE_ID.test(traceId)) {
    problem(
      response,
      400,
      "Not a trace id",
      "A trace id is 32 lowercase hexadecimal digits (W3C Trace Context).",
    );
    return true;
  }
  // Read at each request: the benchmark takes the SDK down and puts it back in the same process.
  const telemetry = currentLocalTelemetry();
  if (telemetry === undefined) {
    problem(
      response,
      404,
      "Telemetry is off",
      "This host keeps no traces: telemetry is off (OTEL_SDK_DISABLED).",
    );
    return true;
  }
  const spans = telemetry.spans(traceId);
  if (spans.length === 0) {
    problem(
      response,
      404,
      "Unknown trace",
      "This host kept no span of that trace: it keeps only the last traces it ran, in memory.",
    );
    return true;
  }
  const body = JSON.stringify({ traceId, spans } satisfies LocalTrace);
  response
    .writeHead(200, {
      "content-type": "application/json",
      "content-length": String(Buffer.byteLength(body)),
      "cache-control": "no-store",
    })
    .end(body);
  return true;
}
