// The HTTP plumbing every endpoint shares: correlation id, rate limits, content type and size checks, JSON
// parsing, zod validation, problem+json for every error, and one log line per request without bodies or secrets.
import { randomUUID } from "node:crypto";
import type { HttpMethod, HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import { decodeJwt } from "jose";
import type * as z from "zod";
import type { HttpFunctionDefinition } from "../../functions/definition.js";
import { type RateLimits, services } from "../composition.js";
import { ServiceError } from "../errors.js";
import { describeError, invocationLogger, type Logger } from "../log.js";
import { measure, type RefusedKind } from "../telemetry/metrics.js";
import { contextFrom, inSpan, SpanKind } from "../telemetry/tracing.js";
import type { OpenApiOperation, OpenApiResponse } from "./openapi.js";
import {
  type FieldError,
  HttpProblem,
  PROBLEM_CONTENT_TYPE,
  problemFromError,
  problemType,
} from "./problem.js";
import { RateLimited, type RateLimiter } from "./rateLimit.js";

/** Request bodies of the portal API are small JSON documents; anything larger is refused before it is parsed. */
export const MAX_BODY_BYTES = 64 * 1024;

const CORRELATION_HEADER = "x-correlation-id";
const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const JSON_CONTENT_TYPE = "application/json; charset=utf-8";
const BEARER_CHALLENGE = 'Bearer realm="staff-passport", error="invalid_token"';
const BEARER_PROBLEMS = new Set([problemType("invalid_session"), problemType("invalid_trust_token")]);
const TRUST_ID = /^[A-Z0-9]{3,5}$/;

/**
 * Refused authentications counted per endpoint and client address, by error code. A callback's api-key is a
 * secret a caller can guess at again and again; once a source is over its limit, its further callbacks are refused
 * (429) before anything of them is read. Verified ID's own callbacks authenticate, so they never count.
 */
const COUNTED_REFUSALS: Readonly<Record<string, (limits: RateLimits) => RateLimiter>> = {
  invalid_callback: (limits) => limits.failedCallbacks,
};

/** The kind a refused authentication is counted under, by its error code. */
const REFUSED_KINDS: Readonly<Record<string, RefusedKind>> = {
  invalid_trust_token: "trust_token",
  invalid_callback: "callback_key",
  invalid_session: "session",
};

/**
 * The request's parent span: the Functions host's own request span when it passes one (it continues the caller's
 * `traceparent`), else the caller's `traceparent` header.
 */
function requestTraceParent(request: HttpRequest, context: InvocationContext) {
  const host = context.traceContext;
  return (
    contextFrom(
      host?.traceParent
        ? { traceparent: host.traceParent, tracestate: host.traceState ?? undefined }
        : undefined,
    ) ??
    contextFrom({
      traceparent: request.headers.get("traceparent"),
      tracestate: request.headers.get("tracestate"),
    })
  );
}

type Infer<S, Fallback> = S extends z.ZodType ? z.output<S> : Fallback;

export type EndpointInput<B, Q, P, A = undefined> = {
  body: Infer<B, undefined>;
  /** What `authenticate` returned. */
  auth: A;
  query: Infer<Q, Record<string, never>>;
  params: Infer<P, Record<string, never>>;
  request: HttpRequest;
  context: InvocationContext;
  log: Logger;
  correlationId: string;
};

/**
 * What a handler answers: `body` is sent as JSON; `text` as it is, for the few answers that are not JSON (a signed
 * request object, a PEM certificate), with the content type in `headers`.
 */
export type EndpointResult = {
  status: number;
  body?: unknown;
  text?: string;
  headers?: Record<string, string>;
};

export type EndpointSpec<B, Q, P, A = undefined> = {
  name: string;
  method: HttpMethod;
  route: string;
  summary: string;
  tags?: string[];
  security?: OpenApiOperation["security"];
  body?: B;
  /** The per-client limit of an anonymous endpoint, checked before anything else (src/http/rateLimit.ts). */
  rateLimit?: () => RateLimiter;
  /** The limit per authenticated caller (a session's subject, a trust), checked as soon as it is authenticated. */
  callerLimit?: { limiter: () => RateLimiter; key: (auth: A) => string };
  /** Also answers HEAD (Front Door's health probe sends it): the same status and headers, without the body. */
  head?: boolean;
  /** The largest body taken, in bytes; MAX_BODY_BYTES unless the endpoint needs more. */
  maxBodyBytes?: number;
  /**
   * Authenticates the caller from the request and the parsed JSON body (undefined when it is not JSON) before
   * the body is validated, so a caller who fails learns nothing about the schema. Throws to refuse.
   */
  authenticate?: (request: HttpRequest, json: unknown) => Promise<A>;
  /**
   * Authenticates the caller from the headers and the path alone, before a byte of the body is read, so that a
   * caller who fails costs no reading or parsing. Takes the place of `authenticate`. Throws to refuse.
   */
  authenticateBeforeBody?: (request: HttpRequest, params: Infer<P, Record<string, never>>) => Promise<A>;
  query?: Q;
  params?: P;
  responses: Record<number, OpenApiResponse>;
  handle: (input: EndpointInput<B, Q, P, A>) => Promise<EndpointResult>;
};

function fieldErrors(error: z.ZodError, prefix: string): FieldError[] {
  return error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter(Boolean).join("."),
    message: issue.message,
  }));
}

function validate<S extends z.ZodType>(schema: S, value: unknown, prefix: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new HttpProblem(
    "validation_failed",
    `The ${prefix || "request"} is not valid.`,
    fieldErrors(parsed.error, prefix),
  );
}

type JsonBody = { ok: true; value: unknown } | { ok: false; problem: HttpProblem };

/** Reads the body's bytes; a size over the limit throws, declared or not. */
export async function readBodyBytes(request: HttpRequest, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > maxBytes) throw new HttpProblem("payload_too_large", `The body exceeds ${maxBytes} bytes.`);
  const bytes = new Uint8Array(await request.arrayBuffer());
  if (bytes.byteLength > maxBytes) {
    throw new HttpProblem("payload_too_large", `The body exceeds ${maxBytes} bytes.`);
  }
  return bytes;
}

/** Reads the body as JSON; a size over the limit throws at once, a wrong type or bad JSON is returned. */
async function readJsonBody(request: HttpRequest, maxBytes: number): Promise<JsonBody> {
  const bytes = await readBodyBytes(request, maxBytes);
  const mediaType = (request.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase();
  if (mediaType !== "application/json") {
    return {
      ok: false,
      problem: new HttpProblem("unsupported_media_type", "Send the body as application/json."),
    };
  }
  try {
    return { ok: true, value: JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes)) };
  } catch {
    return { ok: false, problem: new HttpProblem("malformed_json", "The body could not be parsed as JSON.") };
  }
}

/**
 * The trust a refused bearer token claims, read without trusting it, for the log: a trust token's issuer or a
 * session's `trust`. Only a trust id's shape is kept, so nothing else the caller wrote reaches the log.
 */
function claimedTrust(code: string, request: HttpRequest): string | undefined {
  const claim = code === "invalid_trust_token" ? "iss" : code === "invalid_session" ? "trust" : undefined;
  const token = /^Bearer (\S+)$/i.exec((request.headers.get("authorization") ?? "").trim())?.[1];
  if (claim === undefined || token === undefined) return undefined;
  try {
    const value = decodeJwt(token)[claim];
    return typeof value === "string" && TRUST_ID.test(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function correlationIdOf(request: HttpRequest): string {
  const given = request.headers.get(CORRELATION_HEADER);
  return given && CORRELATION_ID.test(given) ? given : randomUUID();
}

/** Declares an HTTP function: its trigger, its OpenAPI operation and its wrapped handler, from one spec. */
export function httpEndpoint<
  B extends z.ZodType | undefined = undefined,
  Q extends z.ZodObject | undefined = undefined,
  P extends z.ZodObject | undefined = undefined,
  A = undefined,
>(spec: EndpointSpec<B, Q, P, A>): HttpFunctionDefinition {
  // Set once this endpoint has counted a refused authentication: until then no source can be over the limit, and
  // endpoints that never refuse one never look.
  let refusalsCounted = false;
  const handler = (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> =>
    inSpan(
      `${spec.method} /${spec.route}`,
      {
        kind: SpanKind.SERVER,
        parent: requestTraceParent(request, context),
        attributes: {
          "http.request.method": spec.method,
          "http.route": `/${spec.route}`,
          "faas.name": spec.name,
        },
      },
      async (span) => {
        const response = await handle(request, context);
        span.setAttribute("http.response.status_code", response.status ?? 200);
        return response;
      },
    );
  const handle = async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const started = Date.now();
    const correlationId = correlationIdOf(request);
    const log = invocationLogger(context, { correlationId, method: spec.method, route: spec.route });
    const common = { [CORRELATION_HEADER]: correlationId, "cache-control": "no-store" };
    let address: string | undefined;
    const client = () => {
      address ??= services().rateLimits.clientAddress(request);
      return address;
    };
    // Failed authentications are counted per kind (both callback URLs share one count), and only endpoints that
    // have refused one look at the count.
    const refusalKey = (code: string) => `${code} ${client()}`;
    let response: HttpResponseInit;
    try {
      const retryAfter = spec.rateLimit?.().take(client());
      if (retryAfter !== undefined) throw new RateLimited(retryAfter);
      if (refusalsCounted) {
        for (const [code, limiter] of Object.entries(COUNTED_REFUSALS)) {
          const wait = limiter(services().rateLimits).wait(refusalKey(code));
          if (wait !== undefined) throw new RateLimited(wait);
        }
      }
      const params = spec.params ? validate(spec.params, request.params, "path") : {};
      const query = spec.query
        ? validate(spec.query, Object.fromEntries(request.query.entries()), "query")
        : {};
      const early = spec.authenticateBeforeBody
        ? { auth: await spec.authenticateBeforeBody(request, params as Infer<P, Record<string, never>>) }
        : undefined;
      const json = spec.body ? await readJsonBody(request, spec.maxBodyBytes ?? MAX_BODY_BYTES) : undefined;
      const auth = early
        ? early.auth
        : spec.authenticate
          ? await spec.authenticate(request, json?.ok ? json.value : undefined)
          : (undefined as A);
      if (spec.callerLimit) {
        const callerRetryAfter = spec.callerLimit.limiter().take(spec.callerLimit.key(auth));
        if (callerRetryAfter !== undefined) throw new RateLimited(callerRetryAfter);
      }
      if (json?.ok === false) throw json.problem;
      const body = spec.body ? validate(spec.body, json?.value, "body") : undefined;
      const result = await spec.handle({
        body: body as Infer<B, undefined>,
        auth,
        query: query as Infer<Q, Record<string, never>>,
        params: params as Infer<P, Record<string, never>>,
        request,
        context,
        log,
        correlationId,
      });
      response =
        result.text !== undefined
          ? { status: result.status, body: result.text, headers: { ...common, ...result.headers } }
          : result.body === undefined
            ? { status: result.status, headers: { ...common, ...result.headers } }
            : {
                status: result.status,
                body: JSON.stringify(result.body),
                headers: { "content-type": JSON_CONTENT_TYPE, ...common, ...result.headers },
              };
    } catch (error) {
      const problem = problemFromError(error, new URL(request.url).pathname);
      if (problem.status >= 500)
        log.error("request failed", { status: problem.status, ...describeError(error) });
      if (error instanceof RateLimited) measure.authRefused("rate_limited");
      if (problem.status === 401) {
        const code = error instanceof ServiceError ? error.code : "unauthorized";
        measure.authRefused(REFUSED_KINDS[code] ?? "session");
        // Never the token or key: the code, the trust the caller claims, and where the attempt came from.
        const claimed = claimedTrust(code, request);
        log.warn("authentication refused", {
          errorCode: code,
          claimedTrust: claimed,
          clientAddress: client(),
        });
        // Not awaited: a flood of forged tokens must not hold each answer for a Cosmos DB write (the recorder
        // bounds the writes in flight and samples each source's).
        services().refusals.refused({
          ...(claimed === undefined ? {} : { trustId: claimed }),
          code,
          route: `${spec.method} /${spec.route}`,
          clientAddress: client(),
          correlationId,
        });
        const counted = COUNTED_REFUSALS[code];
        if (counted) {
          counted(services().rateLimits).take(refusalKey(code));
          refusalsCounted = true;
        }
      }
      // RFC 6750: a refused bearer token says so, so that clients know to log in again.
      const challenge = BEARER_PROBLEMS.has(problem.type) ? { "www-authenticate": BEARER_CHALLENGE } : {};
      const retry = error instanceof RateLimited ? { "retry-after": String(error.retryAfterSeconds) } : {};
      response = {
        status: problem.status,
        body: JSON.stringify(problem),
        headers: { "content-type": PROBLEM_CONTENT_TYPE, ...challenge, ...retry, ...common },
      };
    }
    log.info("request completed", { status: response.status, durationMs: Date.now() - started });
    if (request.method === "HEAD") {
      const { body: _unsent, ...headOnly } = response;
      return headOnly;
    }
    return response;
  };

  return {
    kind: "http",
    name: spec.name,
    options: {
      route: spec.route,
      methods: spec.head ? [spec.method, "HEAD"] : [spec.method],
      authLevel: "anonymous",
      handler,
    },
    openapi: {
      method: spec.method,
      ...(spec.head ? { head: true } : {}),
      route: spec.route,
      operationId: spec.name,
      summary: spec.summary,
      ...(spec.tags ? { tags: spec.tags } : {}),
      ...(spec.security ? { security: spec.security } : {}),
      ...(spec.body ? { body: spec.body as z.ZodType } : {}),
      ...(spec.query ? { query: spec.query as z.ZodObject } : {}),
      ...(spec.params ? { params: spec.params as z.ZodObject } : {}),
      responses:
        spec.rateLimit || spec.callerLimit
          ? {
              ...spec.responses,
              429: {
                description: spec.callerLimit
                  ? "Too many requests from this caller; see Retry-After"
                  : "Too many requests from this client; see Retry-After",
              },
            }
          : spec.responses,
    },
  };
}
