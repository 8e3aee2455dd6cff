// The local host's GET /local/traces/{traceId}: the spans this process kept, 400 for what is not a trace id, 404
// for a trace it never ran or when telemetry is off, and never in the way of a function's own route.
import { randomBytes } from "node:crypto";
import { networkInterfaces } from "node:os";
import { trace } from "@opentelemetry/api";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { HttpFunctionDefinition } from "../../functions/definition.js";
import { type HttpHost, startHttpHost } from "../../local/host/httpHost.js";
import { installLocalTelemetry, type LocalSpan, uninstallLocalTelemetry } from "../../local/telemetry.js";

const hex = (bytes: number) => randomBytes(bytes).toString("hex");

/** A function whose route is the diagnostic's own path: the function must win. */
const sameRoute: HttpFunctionDefinition = {
  kind: "http",
  name: "sameRoute",
  options: {
    route: "local/traces/{traceId}",
    methods: ["GET"],
    authLevel: "anonymous",
    handler: async (request) => ({ status: 200, jsonBody: { fromFunction: request.params.traceId } }),
  },
  openapi: {
    method: "get",
    route: "local/traces/{traceId}",
    operationId: "sameRoute",
    summary: "",
    responses: {},
  },
};

const hosts: HttpHost[] = [];
const startHost = async (functions: HttpFunctionDefinition[] = [], address?: string) => {
  const host = await startHttpHost(functions, {
    port: 0,
    ...(address === undefined ? {} : { host: address }),
  });
  hosts.push(host);
  return host;
};
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((host) => host.close()));
  uninstallLocalTelemetry();
});
afterAll(() => uninstallLocalTelemetry());

/** An address of this machine other than loopback, to call a host bound to every interface from. */
const outsideAddress = Object.values(networkInterfaces())
  .flat()
  .find((entry) => entry !== undefined && entry.family === "IPv4" && !entry.internal)?.address;

const get = async (url: string, method = "GET") => {
  const response = await fetch(url, { method });
  const text = await response.text();
  return {
    status: response.status,
    type: response.headers.get("content-type"),
    body: (text === "" ? undefined : JSON.parse(text)) as Record<string, unknown> | undefined,
  };
};

describe("GET /local/traces/{traceId} on the local host", () => {
  it("answers the spans of a trace this process kept, in the order they started", async () => {
    const telemetry = installLocalTelemetry({});
    if (telemetry === undefined) throw new Error("telemetry did not install");
    const tracer = trace.getTracer("test");
    const traceId = tracer.startActiveSpan("outer", (outer) => {
      tracer.startSpan("inner").end();
      outer.end();
      return outer.spanContext().traceId;
    });
    const host = await startHost();

    const answer = await get(`${host.url}/local/traces/${traceId}`);
    expect(answer.status).toBe(200);
    expect(answer.type).toBe("application/json");
    expect(answer.body?.traceId).toBe(traceId);
    const spans = answer.body?.spans as LocalSpan[];
    // Both may start within the same millisecond: order by start, and find each by name.
    expect(spans.map((span) => span.name).sort()).toEqual(["inner", "outer"]);
    expect(spans.map((span) => span.startMs)).toEqual(
      spans.map((span) => span.startMs).sort((a, b) => a - b),
    );
    const byName = new Map(spans.map((span) => [span.name, span]));
    expect(byName.get("inner")?.parentSpanId).toBe(byName.get("outer")?.spanId);
    expect(spans.every((span) => span.traceId === traceId)).toBe(true);
  });

  it("answers 404 problem+json for a trace it never ran", async () => {
    installLocalTelemetry({});
    const host = await startHost();
    const answer = await get(`${host.url}/local/traces/${hex(16)}`);
    expect(answer.status).toBe(404);
    expect(answer.type).toBe("application/problem+json");
    expect(answer.body?.title).toBe("Unknown trace");
  });

  it("answers 400 problem+json for anything but 32 lowercase hex digits, and 405 for another method", async () => {
    installLocalTelemetry({});
    const host = await startHost();
    for (const bad of [hex(16).toUpperCase(), hex(15), `${hex(16)}0`, `${hex(16)}/spans`, "..%2Fapi"]) {
      const answer = await get(`${host.url}/local/traces/${bad}`);
      expect({ bad, status: answer.status, type: answer.type }).toEqual({
        bad,
        status: 400,
        type: "application/problem+json",
      });
      expect(answer.body?.detail).toContain("32 lowercase hexadecimal digits");
    }
    const post = await fetch(`${host.url}/local/traces/${hex(16)}`, { method: "POST" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET");
  });

  it("answers 404 saying telemetry is off when the process registered no SDK (OTEL_SDK_DISABLED=true)", async () => {
    expect(installLocalTelemetry({ OTEL_SDK_DISABLED: "true" })).toBeUndefined();
    const host = await startHost();
    const answer = await get(`${host.url}/local/traces/${hex(16)}`);
    expect(answer.status).toBe(404);
    expect(answer.type).toBe("application/problem+json");
    expect(String(answer.body?.detail)).toContain("telemetry is off");
  });

  it("never shadows a function: a function's route on the same path answers instead", async () => {
    installLocalTelemetry({});
    const traceId = hex(16);
    const host = await startHost([sameRoute]);
    const answer = await get(`${host.url}/local/traces/${traceId}`);
    expect(answer).toMatchObject({ status: 200, body: { fromFunction: traceId } });
  });

  it.skipIf(outsideAddress === undefined)(
    "answers only callers on this machine when the host listens on every interface",
    async () => {
      installLocalTelemetry({});
      const traceId = trace.getTracer("test").startActiveSpan("kept", (span) => {
        span.end();
        return span.spanContext().traceId;
      });
      const host = await startHost([], "0.0.0.0");
      expect((await get(`http://127.0.0.1:${host.port}/local/traces/${traceId}`)).status).toBe(200);
      const fromOutside = await get(`http://${outsideAddress}:${host.port}/local/traces/${traceId}`);
      expect(fromOutside).toEqual({ status: 404, type: null, body: undefined });
    },
  );
});
