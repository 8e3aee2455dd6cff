// The local host over real HTTP, with endpoints declared exactly as the app's functions are.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as z from "zod";
import type { HttpFunctionDefinition } from "../../functions/definition.js";
import { startHttpHost } from "../../local/host/httpHost.js";
import { httpEndpoint, MAX_BODY_BYTES } from "../../src/http/endpoint.js";

const echo = httpEndpoint({
  name: "echo",
  method: "POST",
  route: "api/things/{thingId}",
  summary: "Echoes what it was given",
  body: z.object({ name: z.string().min(1) }),
  params: z.object({ thingId: z.string() }),
  query: z.object({ colour: z.string().optional() }),
  responses: { 200: { description: "echo" } },
  handle: async ({ body, params, query, correlationId }) => ({
    status: 200,
    body: { name: body.name, thingId: params.thingId, colour: query.colour ?? null, correlationId },
  }),
});

const readThing = httpEndpoint({
  name: "readThing",
  method: "GET",
  route: "api/things/{thingId}",
  summary: "Reads a thing",
  params: z.object({ thingId: z.string() }),
  responses: { 200: { description: "the thing" } },
  handle: async ({ params }) => ({ status: 200, body: { thingId: params.thingId } }),
});

const crash = httpEndpoint({
  name: "crash",
  method: "GET",
  route: "api/crash",
  summary: "Fails with an internal error",
  responses: { 500: { description: "always" } },
  handle: async () => {
    throw new Error("database password is hunter2");
  },
});

/** A function with no body limit of its own, as a trigger declared without httpEndpoint would be: it reads
 * whatever the host hands it and answers its size, so any 413 can only be the host's. */
const upload: HttpFunctionDefinition = {
  kind: "http",
  name: "upload",
  options: {
    route: "api/uploads",
    methods: ["POST"],
    authLevel: "anonymous",
    handler: async (request) => ({
      status: 200,
      jsonBody: { bytes: (await request.arrayBuffer()).byteLength },
    }),
  },
  openapi: {
    method: "post",
    route: "api/uploads",
    operationId: "upload",
    summary: "Counts bytes",
    responses: {},
  },
};

/** Answers each shape of response a function may return, as the Functions host takes them. */
const shapes: HttpFunctionDefinition = {
  kind: "http",
  name: "shapes",
  options: {
    route: "api/shapes/{kind}",
    methods: ["GET"],
    authLevel: "anonymous",
    handler: async (request) => {
      switch (request.params.kind) {
        case "text":
          return { status: 200, body: "héllo", headers: { "X-Thing": "a", "x-thing": "b" } };
        case "bytes":
          return { status: 201, body: new Uint8Array([1, 2, 3]), headers: new Headers({ "X-Bytes": "3" }) };
        case "stream":
          return { body: new Blob(["from a blob"]).stream(), headers: [["content-type", "text/csv"]] };
        default:
          return { status: 204 };
      }
    },
  },
  openapi: {
    method: "get",
    route: "api/shapes/{kind}",
    operationId: "shapes",
    summary: "Shapes",
    responses: {},
  },
};

/** A route outside /api, as the SSF metadata's: routes name their whole path (host.json's routePrefix is empty). */
const wellKnown = httpEndpoint({
  name: "wellKnown",
  method: "GET",
  route: ".well-known/thing-configuration",
  summary: "A document served outside /api",
  responses: { 200: { description: "the document" } },
  handle: async () => ({ status: 200, body: { served: true } }),
});

let base = "";
let close: () => Promise<void> = async () => {};
const SMALL_LIMIT = 256 * 1024;

beforeAll(async () => {
  const host = await startHttpHost([echo, readThing, crash, upload, shapes, wellKnown], {
    port: 0,
    maxRequestBytes: SMALL_LIMIT,
  });
  base = `${host.url}/api`;
  close = host.close;
});
afterAll(() => close());

const postJson = (path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${base}/${path}`, {
    method: "POST",
    body,
    headers: { "content-type": "application/json", ...headers },
  });

describe("local Functions host: routing", () => {
  it("passes route parameters and the query to the function", async () => {
    const response = await postJson("things/t-1?colour=blue", JSON.stringify({ name: "kettle" }));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ name: "kettle", thingId: "t-1", colour: "blue" });
  });

  it("chooses the function by method when two share a route", async () => {
    const response = await fetch(`${base}/things/t-2`);
    expect(await response.json()).toEqual({ thingId: "t-2" });
  });

  it("serves a function whose route lies outside /api at that path, and not below /api", async () => {
    const origin = base.replace(/\/api$/, "");
    const response = await fetch(`${origin}/.well-known/thing-configuration`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ served: true });
    expect((await fetch(`${base}/.well-known/thing-configuration`)).status).toBe(404);
  });

  it("answers 404 for a path no function serves, and outside /api", async () => {
    expect((await fetch(`${base}/nothing-here`)).status).toBe(404);
    expect((await fetch(base.replace(/\/api$/, "/things/t-1"))).status).toBe(404);
  });

  it("answers 405 with Allow for a known route and another method", async () => {
    const response = await fetch(`${base}/things/t-1`, { method: "DELETE" });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST, GET");
  });

  it("hands a function without a limit of its own any body up to the host's limit", async () => {
    const response = await fetch(`${base}/uploads`, { method: "POST", body: new Uint8Array(SMALL_LIMIT) });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ bytes: SMALL_LIMIT });
  });

  it("answers 413 for a declared body above the host's limit, on a function without a limit of its own", async () => {
    const response = await fetch(`${base}/uploads`, {
      method: "POST",
      body: new Uint8Array(SMALL_LIMIT + 1),
    });
    expect(response.status).toBe(413);
  });

  it("answers 413 for a chunked body (no Content-Length) that grows past the host's limit", async () => {
    const chunk = new Uint8Array(64 * 1024);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        // Twice the limit, a chunk at a time; the host stops reading once over it.
        if (sent >= 2 * SMALL_LIMIT) return controller.close();
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const response = await fetch(`${base}/uploads`, { method: "POST", body, duplex: "half" } as RequestInit);
    expect(response.status).toBe(413);
  });

  it("turns an unhandled error into a bare 500 problem without the error's message", async () => {
    const response = await fetch(`${base}/crash`);
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).not.toContain("hunter2");
    expect(JSON.parse(text)).toMatchObject({ status: 500, title: "Internal server error" });
  });
});

describe("local Functions host: responses", () => {
  it("sends a string body as UTF-8 text with its length, joining headers named alike", async () => {
    const response = await fetch(`${base}/shapes/text`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/plain");
    expect(response.headers.get("content-length")).toBe(String(Buffer.byteLength("héllo")));
    expect(response.headers.get("x-thing")).toBe("a, b");
    expect(await response.text()).toBe("héllo");
  });

  it("sends bytes as they are, with headers given as a Headers object", async () => {
    const response = await fetch(`${base}/shapes/bytes`);
    expect(response.status).toBe(201);
    expect(response.headers.get("x-bytes")).toBe("3");
    expect([...new Uint8Array(await response.arrayBuffer())]).toEqual([1, 2, 3]);
  });

  it("reads a stream body whole, with headers given as pairs", async () => {
    const response = await fetch(`${base}/shapes/stream`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/csv");
    expect(await response.text()).toBe("from a blob");
  });

  it("sends no body when the function gives none", async () => {
    const response = await fetch(`${base}/shapes/none`);
    expect(response.status).toBe(204);
    expect(await response.text()).toBe("");
  });
});

describe("HTTP plumbing: problem+json", () => {
  it("answers 400 problem+json for malformed JSON", async () => {
    const response = await postJson("things/t-1", "{not json");
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(await response.json()).toMatchObject({
      status: 400,
      type: expect.stringContaining("malformed_json"),
    });
  });

  it("answers 400 with the failing fields for a body that breaks the schema", async () => {
    const response = await postJson("things/t-1", JSON.stringify({ name: "" }));
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { errors: unknown };
    expect(problem.errors).toEqual([{ path: "body.name", message: expect.any(String) }]);
  });

  it("answers 415 for a body that is not application/json", async () => {
    const response = await fetch(`${base}/things/t-1`, {
      method: "POST",
      body: "name=kettle",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(response.status).toBe(415);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
  });

  it("answers 413 problem+json for a body above the API's own limit", async () => {
    const response = await postJson("things/t-1", JSON.stringify({ name: "x".repeat(MAX_BODY_BYTES) }));
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ status: 413 });
  });

  it("echoes a given correlation id and mints one when none is given", async () => {
    const given = await postJson("things/t-1", JSON.stringify({ name: "a" }), {
      "x-correlation-id": "abc-123",
    });
    expect(given.headers.get("x-correlation-id")).toBe("abc-123");
    expect(((await given.json()) as { correlationId: string }).correlationId).toBe("abc-123");
    const minted = await postJson("things/t-1", JSON.stringify({ name: "a" }));
    expect(minted.headers.get("x-correlation-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("replaces a correlation id that could forge log lines", async () => {
    const response = await postJson("things/t-1", JSON.stringify({ name: "a" }), {
      "x-correlation-id": 'x" "level":"error',
    });
    expect(response.headers.get("x-correlation-id")).toMatch(/^[0-9a-f-]{36}$/);
  });
});
