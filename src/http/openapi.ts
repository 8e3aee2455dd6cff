// OpenAPI 3.1 from the zod schemas that validate requests, so the published contract cannot drift from the code.
import * as z from "zod";

export type OpenApiResponse = { description: string; schema?: z.ZodType; contentType?: string };

export type OpenApiOperation = {
  method: string;
  /** Also answered for HEAD: the same responses without their bodies. */
  head?: boolean;
  /** Route as the Functions host declares it, without the /api prefix, e.g. "logins/{loginId}". */
  route: string;
  operationId: string;
  summary: string;
  tags?: string[];
  security?: "session" | "trust" | "pollToken";
  body?: z.ZodType;
  query?: z.ZodObject;
  params?: z.ZodObject;
  responses: Record<number, OpenApiResponse>;
};

type JsonSchema = Record<string, unknown>;

const problemSchema: JsonSchema = {
  type: "object",
  required: ["type", "title", "status", "detail"],
  properties: {
    type: { type: "string", format: "uri-reference" },
    title: { type: "string" },
    status: { type: "integer" },
    detail: { type: "string" },
    instance: { type: "string" },
    errors: {
      type: "array",
      items: {
        type: "object",
        required: ["path", "message"],
        properties: { path: { type: "string" }, message: { type: "string" } },
      },
    },
  },
};

function jsonSchema(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as JsonSchema;
  return rest;
}

function parameters(operation: OpenApiOperation): JsonSchema[] {
  const out: JsonSchema[] = [];
  for (const [where, schema] of [
    ["path", operation.params],
    ["query", operation.query],
  ] as const) {
    if (!schema) continue;
    const shape = jsonSchema(schema, "input") as {
      properties?: Record<string, JsonSchema>;
      required?: string[];
    };
    for (const [name, property] of Object.entries(shape.properties ?? {})) {
      out.push({
        name,
        in: where,
        required: where === "path" || (shape.required ?? []).includes(name),
        schema: property,
      });
    }
  }
  if (operation.security === "pollToken") {
    out.push({ name: "X-Poll-Token", in: "header", required: true, schema: { type: "string" } });
  }
  return out;
}

function operationObject(operation: OpenApiOperation): JsonSchema {
  const responses: Record<string, JsonSchema> = {};
  for (const [status, response] of Object.entries(operation.responses)) {
    const isError = Number(status) >= 400;
    const contentType = response.contentType ?? (isError ? "application/problem+json" : "application/json");
    const schema = response.schema
      ? jsonSchema(response.schema, "output")
      : isError
        ? problemSchema
        : undefined;
    responses[status] = schema
      ? { description: response.description, content: { [contentType]: { schema } } }
      : { description: response.description };
  }
  return {
    operationId: operation.operationId,
    summary: operation.summary,
    ...(operation.tags ? { tags: operation.tags } : {}),
    ...(operation.security === "session" || operation.security === "trust"
      ? { security: [{ [operation.security]: [] }] }
      : {}),
    parameters: parameters(operation),
    ...(operation.body
      ? {
          requestBody: {
            required: true,
            content: { "application/json": { schema: jsonSchema(operation.body, "input") } },
          },
        }
      : {}),
    responses,
  };
}

/** The HEAD twin of an operation: its own id (ids are unique), the same statuses, no content. */
function headObject(operation: OpenApiOperation): JsonSchema {
  const responses = Object.fromEntries(
    Object.entries(operation.responses).map(([status, response]) => [
      status,
      { description: `${response.description} (headers only)` },
    ]),
  );
  return {
    operationId: `${operation.operationId}Head`,
    summary: `${operation.summary}, without the body`,
    ...(operation.tags ? { tags: operation.tags } : {}),
    responses,
  };
}

/** The whole document for a set of operations. */
export function openApiDocument(
  operations: readonly OpenApiOperation[],
  info: { title: string; version: string },
) {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const operation of operations) {
    const path = `/${operation.route.replace(/\{([^}:?]+)[^}]*\}/g, "{$1}")}`;
    paths[path] ??= {};
    paths[path][operation.method.toLowerCase()] = operationObject(operation);
    if (operation.head) paths[path].head = headObject(operation);
  }
  return {
    openapi: "3.1.0",
    info: {
      ...info,
      description:
        "Staff Passport sharing service: the portal, callback and discovery endpoints, and the trust API.",
    },
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    paths,
    components: {
      securitySchemes: {
        session: { type: "http", scheme: "bearer", bearerFormat: "JWT" },
        trust: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "JWT",
          description:
            "A JWT the trust's system signs with a key registered on its trust document (jwks or jwksUri): " +
            "ES256, iss and sub the trust id, aud the session issuer followed by /trust, iat, exp at most " +
            "300 seconds after iat, and jti.",
        },
      },
      schemas: { Problem: problemSchema },
    },
  };
}
