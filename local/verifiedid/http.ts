// Small node:http helpers for the simulator: a route table, bounded body reading and JSON replies.
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";

export type Reply = {
  readonly status: number;
  readonly body?: unknown;
  /** A body sent as it is, instead of `body` as JSON; `headers` then name its content type. */
  readonly text?: string;
  readonly headers?: Readonly<Record<string, string>>;
};

export type RouteContext = {
  readonly request: IncomingMessage;
  /** Decoded path parameters, in the order of the pattern's groups. */
  readonly params: readonly string[];
  /** The raw request body. */
  readonly text: string;
};

export type Route = {
  readonly method: "GET" | "POST" | "DELETE";
  readonly pattern: RegExp;
  readonly handle: (context: RouteContext) => Promise<Reply> | Reply;
};

// The Request Service documents 1 MB for issuance requests; the same bound keeps a test's mistake cheap.
// A wallet holding an identity credential with its photo is several MiB (API.md section 3 allows 5 MiB of claims).
const MAX_BODY_BYTES = 16 * 1024 * 1024;

export class BodyTooLarge extends Error {}

export async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLarge("Request body too large");
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Parses a JSON body, or returns undefined when it is not JSON at all. */
export function parseJson(text: string): { readonly value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) };
  } catch {
    return undefined;
  }
}

export function sendReply(response: ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { ...reply.headers };
  if (reply.text !== undefined) {
    headers["content-length"] = String(Buffer.byteLength(reply.text));
    response.writeHead(reply.status, headers).end(reply.text);
    return;
  }
  if (reply.body === undefined) {
    response.writeHead(reply.status, headers).end();
    return;
  }
  const payload = JSON.stringify(reply.body);
  headers["content-type"] ??= "application/json; charset=utf-8";
  headers["content-length"] = String(Buffer.byteLength(payload));
  response.writeHead(reply.status, headers).end(payload);
}

export function matchRoute(
  routes: readonly Route[],
  method: string,
  path: string,
): { readonly route: Route; readonly params: string[] } | "method_not_allowed" | undefined {
  let pathMatched = false;
  for (const route of routes) {
    const match = route.pattern.exec(path);
    if (match === null) continue;
    pathMatched = true;
    if (route.method !== method) continue;
    return { route, params: match.slice(1).map((part) => decodeURIComponent(part ?? "")) };
  }
  return pathMatched ? "method_not_allowed" : undefined;
}

/** A simple error reply for the simulator's own (wallet and control) endpoints. */
export function simulatorError(status: number, error: string, message: string): Reply {
  return { status, body: { error, message } };
}

export type Result<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reply: Reply };

export function fail(
  status: number,
  error: string,
  message: string,
): { readonly ok: false; readonly reply: Reply } {
  return { ok: false, reply: simulatorError(status, error, message) };
}

/** A JSON body validated by a schema, or a 400 reply saying what is wrong with it. */
export function parseBody<T>(text: string, schema: z.ZodType<T>): Result<T> {
  const json = parseJson(text);
  if (json === undefined) return fail(400, "invalidJson", "The body is not valid JSON.");
  const parsed = schema.safeParse(json.value);
  if (!parsed.success) return fail(400, "invalidBody", z.prettifyError(parsed.error));
  return { ok: true, value: parsed.data };
}
