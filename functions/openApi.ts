// GET /api/openapi.json: the OpenAPI 3.1 document, generated from the schemas that validate requests.
import * as z from "zod";
import { httpEndpoint } from "../src/http/endpoint.js";
import { openApiDocument } from "../src/http/openapi.js";
import type { HttpFunctionDefinition } from "./definition.js";

let document: unknown;

/** Built from the function list on first request; the list is passed in to avoid an import cycle. */
export function openApi(list: () => readonly HttpFunctionDefinition[]) {
  return httpEndpoint({
    name: "openApi",
    method: "GET",
    route: "api/openapi.json",
    summary: "The OpenAPI 3.1 document of this API",
    tags: ["operations"],
    responses: { 200: { description: "The document", schema: z.looseObject({ openapi: z.string() }) } },
    handle: async () => {
      document ??= openApiDocument(
        list().map((fn) => fn.openapi),
        { title: "Staff Passport sharing service", version: "1.0.0" },
      );
      return { status: 200, body: document };
    },
  });
}
