// The OpenAPI document is generated from the same definitions the host serves.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpFunctions } from "../../functions/index.js";
import { startHttpHost } from "../../local/host/httpHost.js";

type Operation = {
  operationId: string;
  security?: Record<string, string[]>[];
  requestBody: { content: Record<string, { schema: { type: string } }> };
};
type OpenApi = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, { type: string; scheme: string; bearerFormat?: string }> };
};

let base = "";
let close: () => Promise<void> = async () => {};

beforeAll(async () => {
  const host = await startHttpHost(httpFunctions(), { port: 0 });
  base = host.url;
  close = host.close;
});
afterAll(() => close());

describe("GET /api/openapi.json", () => {
  it("is an OpenAPI 3.1 document that lists every HTTP function with its method and route", async () => {
    const response = await fetch(`${base}/api/openapi.json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as OpenApi;
    expect(document.openapi).toBe("3.1.0");
    for (const fn of httpFunctions()) {
      const path = `/${fn.options.route.replace(/\{([^}:?]+)[^}]*\}/g, "{$1}")}`;
      for (const method of fn.options.methods) {
        // A HEAD twin has an id of its own, as operation ids are unique in a document.
        const operationId = method === "HEAD" ? `${fn.name}Head` : fn.name;
        expect(document.paths[path]?.[method.toLowerCase()]?.operationId, `${method} ${path}`).toBe(
          operationId,
        );
      }
    }
  });

  it("describes request bodies with the schemas that validate them", async () => {
    const document = (await (await fetch(`${base}/api/openapi.json`)).json()) as OpenApi;
    for (const fn of httpFunctions().filter((f) => f.openapi.body)) {
      const path = `/${fn.options.route.replace(/\{([^}:?]+)[^}]*\}/g, "{$1}")}`;
      const operation = document.paths[path]?.[fn.openapi.method.toLowerCase()];
      expect(operation?.requestBody.content["application/json"]?.schema.type).toBe("object");
    }
  });

  it("documents the trust API with the trust's own bearer JWT, apart from the portal's session", async () => {
    const document = (await (await fetch(`${base}/api/openapi.json`)).json()) as OpenApi;
    expect(document.components.securitySchemes.trust).toMatchObject({
      type: "http",
      scheme: "bearer",
      bearerFormat: "JWT",
    });
    const trustPaths = Object.entries(document.paths).filter(([path]) => path.startsWith("/api/trust/"));
    // Decisions, credential requests and access keys (each with and without an id), and the poll for share events.
    expect(trustPaths.map(([path]) => path)).toContain("/api/trust/events");
    expect(trustPaths.map(([path]) => path)).toContain("/api/trust/access-keys/{accessKeyId}");
    expect(trustPaths.length).toBe(6);
    for (const [path, operations] of trustPaths) {
      for (const [method, operation] of Object.entries(operations)) {
        expect(operation.security, `${method} ${path}`).toEqual([{ trust: [] }]);
      }
    }
    expect(document.paths["/api/credential-requests"]?.get?.security).toEqual([{ session: [] }]);
  });
});
