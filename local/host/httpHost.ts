// Serves the HTTP functions at /api/<route> over node:http, as the Functions host does: route templates,
// methods (405 for a known route with another method), a request body limit (413), and real HttpRequest and
// InvocationContext objects in, HttpResponseInit out. Beside them, the demo pages and GET /local/traces/{traceId}.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { HttpResponseInit } from "@azure/functions";
import type { HttpFunctionDefinition } from "../../functions/definition.js";
import { type Site, serveSite } from "../pages/site.js";
import { HttpRequest, InvocationContext } from "./functionsLibrary.js";
import { serveLocalTraces } from "./localTraces.js";
import { compileRoute } from "./routes.js";

/** The Functions host's default request size limit (FUNCTIONS_REQUEST_BODY_SIZE_LIMIT), 100 MiB. */
export const DEFAULT_MAX_REQUEST_BYTES = 104_857_600;

export type HttpHostOptions = {
  port: number;
  host?: string;
  maxRequestBytes?: number;
  log?: (line: string) => void;
  /** Static files served outside /api/ (the demo portal); nothing of the service's logic. */
  site?: Site;
};

export type HttpHost = { server: Server; port: number; url: string; close(): Promise<void> };

function hostError(response: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  response.writeHead(status, headers).end();
}

class TooLarge extends Error {}

async function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  if (Number(request.headers["content-length"] ?? 0) > limit) throw new TooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new TooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function headersOf(request: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  // As App Service's front end does: the socket's address is appended to x-forwarded-for.
  const peer = request.socket.remoteAddress;
  if (peer) out["x-forwarded-for"] = out["x-forwarded-for"] ? `${out["x-forwarded-for"]}, ${peer}` : peer;
  return out;
}

/**
 * Response headers by lower-case name. A plain record (what the endpoints return) is read directly; anything else
 * fetch's Headers accepts goes through Headers. Names that differ only in case are joined as Headers joins them.
 */
function responseHeaders(init: HttpResponseInit["headers"]): Record<string, string> {
  if (init === undefined || init === null) return {};
  if (init instanceof Headers || Array.isArray(init) || Symbol.iterator in init) {
    return Object.fromEntries(new Headers(init as ConstructorParameters<typeof Headers>[0]).entries());
  }
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(init as Record<string, string>)) {
    const key = name.toLowerCase();
    const text = String(value).trim();
    out[key] = out[key] === undefined ? text : `${out[key]}, ${text}`;
  }
  return out;
}

/** The body as bytes: strings and byte arrays as they are, anything else through fetch's Response. */
async function bodyBytes(body: NonNullable<HttpResponseInit["body"]>): Promise<Uint8Array> {
  if (typeof body === "string") return Buffer.from(body, "utf8");
  if (body instanceof Uint8Array) return body;
  return new Uint8Array(await new Response(body as ConstructorParameters<typeof Response>[0]).arrayBuffer());
}

async function writeResult(
  response: ServerResponse,
  result: HttpResponseInit | undefined,
  method: string,
): Promise<void> {
  const headers = responseHeaders(result?.headers);
  let body: Uint8Array | undefined;
  if (result?.jsonBody !== undefined) {
    body = Buffer.from(JSON.stringify(result.jsonBody), "utf8");
    headers["content-type"] ??= "application/json";
  } else if (result?.body !== undefined && result.body !== null) {
    // Anything fetch's Response accepts (string, bytes, streams, form data) is what the host accepts.
    body = await bodyBytes(result.body);
    if (typeof result.body === "string") headers["content-type"] ??= "text/plain";
  }
  if (body !== undefined) headers["content-length"] = String(body.byteLength);
  response.writeHead(result?.status ?? 200, headers);
  // As the Functions host: a HEAD is answered with the status and headers, whatever body the function returned.
  response.end(method === "HEAD" ? undefined : body);
}

export async function startHttpHost(functions: readonly HttpFunctionDefinition[], options: HttpHostOptions) {
  const routes = functions.map((fn) => ({ fn, route: compileRoute(fn.options.route) }));
  const limit = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  const log = options.log ?? (() => {});

  const server = createServer(async (request, response) => {
    try {
      if (serveSite(options.site, request, response)) return;
      const url = new URL(request.url ?? "/", `http://${request.headers.host ?? "localhost"}`);
      // Every route names its whole path (host.json's routePrefix is empty), as on the Functions host.
      const path = url.pathname;
      const method = (request.method ?? "GET").toUpperCase();
      const matches = routes.flatMap(({ fn, route }) => {
        const match = route.match(path);
        return match ? [{ fn, params: match.params }] : [];
      });
      if (matches.length === 0) {
        // Only where no function's route matches, so that the local diagnostics never shadow the API.
        if (serveLocalTraces(path, method, request.socket.remoteAddress, response)) return;
        return hostError(response, 404);
      }
      const chosen = matches.find(({ fn }) => fn.options.methods.includes(method as never));
      if (!chosen) {
        const allow = [...new Set(matches.flatMap(({ fn }) => fn.options.methods))].join(", ");
        return hostError(response, 405, { allow });
      }
      let bytes: Buffer;
      try {
        bytes = await readBody(request, limit);
      } catch (error) {
        if (error instanceof TooLarge) {
          hostError(response, 413, { connection: "close" });
          request.destroy();
          return;
        }
        throw error;
      }
      const httpRequest = new HttpRequest({
        method,
        url: url.toString(),
        headers: headersOf(request),
        params: chosen.params,
        ...(bytes.length > 0 ? { body: { bytes } } : {}),
      });
      const context = new InvocationContext({
        invocationId: randomUUID(),
        functionName: chosen.fn.name,
        logHandler: (level, ...args) => log(`[${level}] ${args.map(String).join(" ")}`),
      });
      const result = await chosen.fn.options.handler(httpRequest, context);
      await writeResult(response, result as HttpResponseInit | undefined, method);
    } catch (error) {
      // As the real host: an unhandled error is a bare 500 and never leaks details.
      log(`[error] unhandled error in an HTTP function: ${error instanceof Error ? error.name : "unknown"}`);
      if (!response.headersSent) hostError(response, 500);
      else response.destroy();
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    url: `http://${options.host === "0.0.0.0" ? "localhost" : (options.host ?? "127.0.0.1")}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  } satisfies HttpHost;
}
