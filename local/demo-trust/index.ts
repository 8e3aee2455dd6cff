// The local demo receiving trust (API.md sections 5 and 7): plays every seeded trust's HR system. It receives
// RFC 8935 pushes, verifies every SET against the service's JWKS, answers 202 (duplicates too) or 400 { err,
// description }, lists what it received at GET /events, and can be told to fail (POST /control) so that retries
// can be seen: always, or at random (`{ "mode": "random", "failRate": 0.3 }` answers 503 to that share of pushes,
// for the soak), or with 408 or 429 (`fail-408`, `fail-429`, the latter with Retry-After), the answers RFC 8935
// section 4 counts as recoverable. It also calls the trust API as each trust, with keys it makes at start (trustApi.ts), and
// receives by poll (RFC 8936) for the trusts set to poll (poller.ts); POST /control/delivery sets push or poll on
// the trust's SSF stream, and the page pauses, enables and verifies it (streams.ts). A SET encrypted to a trust's
// encryption key (API.md section 8) is decrypted with its private half, then verified like any other.
// GET /control/traces/{traceId} passes on the local host's spans of a push's trace, for the page's waterfall.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  compactDecrypt,
  createLocalJWKSet,
  decodeProtectedHeader,
  errors,
  type JWK,
  type JWTPayload,
  jwtVerify,
} from "jose";
import { LOCAL_TRACES_PREFIX, TRACE_ID } from "../host/localTraces.js";
import { type Site, serveSite } from "../pages/site.js";
import { type Poller, type PollVerdict, startPoller } from "./poller.js";
import { streamControl } from "./streams.js";
import {
  type DemoTrustKeys,
  demoTrustKeys,
  ENCRYPTION_ALGORITHM,
  type TrustApi,
  trustApiControl,
} from "./trustApi.js";

export type DemoTrustMode = "ok" | "fail-5xx" | "fail-400" | "fail-408" | "fail-429" | "timeout" | "random";
const MODES: readonly DemoTrustMode[] = [
  "ok",
  "fail-5xx",
  "fail-400",
  "fail-408",
  "fail-429",
  "timeout",
  "random",
];
/** Seconds the 429 of mode `fail-429` asks the transmitter to wait. */
export const DEMO_RETRY_AFTER_SECONDS = 1;

export type ReceivedEvent = {
  jti: string | null;
  aud: string | string[] | null;
  verified: boolean;
  duplicate: boolean;
  claims: JWTPayload | null;
  token: string;
  /** How it arrived: pushed to POST /events, or fetched by poll. */
  via: "push" | "poll";
  /** It arrived as a JWE (`token`), encrypted to one of the trust's keys; `claims` are the decrypted SET's. */
  encrypted: boolean;
  /** Why a token was refused (the `err` answered). */
  err?: string;
  /** The push's W3C `traceparent` header, when it came with one: the share's trace. */
  traceparent?: string;
};

const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** A well-formed traceparent header, or undefined: nothing else a sender writes is kept. */
function traceparentOf(request: IncomingMessage): string | undefined {
  const value = request.headers.traceparent;
  return typeof value === "string" && TRACEPARENT.test(value) ? value : undefined;
}

/** How long the page waits for the local host's trace before saying it cannot reach it. */
const TRACE_FETCH_TIMEOUT_MS = 5_000;

function sendProblem(response: ServerResponse, status: number, title: string, detail: string): void {
  response
    .writeHead(status, { "content-type": "application/problem+json" })
    .end(JSON.stringify({ type: "about:blank", title, status, detail }));
}

/**
 * The local host's spans of one trace, passed on as the host answered (the page may only call its own origin).
 * The host is the trust API's origin: the API's base URL names it.
 */
async function passTrace(trustApi: TrustApi | undefined, traceId: string, response: ServerResponse) {
  if (!TRACE_ID.test(traceId)) {
    return sendProblem(
      response,
      400,
      "Not a trace id",
      "A trace id is 32 lowercase hexadecimal digits (W3C Trace Context).",
    );
  }
  if (trustApi === undefined) return send(response, 404, { error: "not found" });
  let answer: Response;
  try {
    answer = await fetch(new URL(`${LOCAL_TRACES_PREFIX}${traceId}`, trustApi.baseUrl), {
      headers: { accept: "application/json" },
      signal: AbortSignal.timeout(TRACE_FETCH_TIMEOUT_MS),
    });
  } catch {
    return sendProblem(response, 502, "Host unreachable", "The local Functions host did not answer.");
  }
  const body = await answer.text();
  response
    .writeHead(answer.status, {
      "content-type": answer.headers.get("content-type") ?? "application/json",
      "cache-control": "no-store",
    })
    .end(body);
}

/** How a trust receives its events, which the demo trust sets through the trust's SSF stream. */
export type DeliveryMethod = "push" | "poll";

export type DemoTrustOptions = {
  port: number;
  host?: string;
  /** The service's JWKS URL. */
  jwksUrl: string;
  /** The service's `iss`. */
  issuer: string;
  /** The trust ids it plays; a SET for any other audience is refused with invalid_audience. */
  audiences: readonly string[];
  log?: (line: string) => void;
  /** The page listing what was received, served at /. */
  site?: Site;
  /** The trust API it calls as each trust it plays: the API's base URL and its audience. */
  trustApi?: TrustApi;
  /** Decides the random failures of mode `random`. */
  random?: () => number;
  /** The trusts that receive by poll from the start (the seed's). */
  pollTrusts?: readonly string[];
  /** The trusts that publish an encryption key beside their signing key, so that their SETs come encrypted. */
  encryptingTrusts?: readonly string[];
};

export type DemoTrust = {
  url: string;
  port: number;
  received(): readonly ReceivedEvent[];
  close(): Promise<void>;
};

/** A SET with a photo claim runs to several MiB (API.md section 3 allows 5 MiB of claims). */
const MAX_BODY_BYTES = 16 * 1024 * 1024;
const TIMEOUT_MODE_HOLD_MS = 120_000;
/** The SET event types it understands (API.md sections 3 and 7). */
const SET_EVENTS = [
  "urn:nhs:staff-passport:event:credentials-shared",
  "urn:nhs:staff-passport:event:credential-request-declined",
  // SSF's own events to the trust's stream (SSF 1.0 sections 8.1.4.1 and 8.1.5), which carry no `txn`.
  "https://schemas.openid.net/secevent/ssf/event-type/verification",
  "https://schemas.openid.net/secevent/ssf/event-type/stream-updated",
];

class Refusal extends Error {
  constructor(
    readonly err: string,
    readonly description: string,
  ) {
    super(description);
  }
}

/**
 * The service's JWKS, cached for the Cache-Control max-age it was served with, as an HTTP cache would keep it.
 * An unknown kid does not cause a refetch before then: a receiver like this one is why a new key must be
 * published a whole max-age before it signs.
 */
function jwksCache(url: string) {
  let cached: { keys: JWK[]; until: number } | undefined;
  return async (): Promise<{ keys: JWK[] }> => {
    if (cached !== undefined && Date.now() < cached.until) return cached;
    const response = await fetch(url, { headers: { accept: "application/json" } });
    if (response.status !== 200) throw new Error(`JWKS answered ${response.status}`);
    const body = (await response.json()) as { keys: JWK[] };
    const maxAge = /max-age=(\d+)/.exec(response.headers.get("cache-control") ?? "")?.[1];
    cached = { keys: body.keys, until: Date.now() + Number(maxAge ?? 0) * 1000 };
    return cached;
  };
}

/** A JWE in compact form has five parts; a JWS three. */
const isEncrypted = (token: string) => token.split(".").length === 5;

/**
 * The signed SET inside an encrypted one (a nested JWT, RFC 7519 section 5.2), decrypted with the private key its
 * header names; a SET that came signed only is returned as it is.
 */
async function signedSetOf(keys: DemoTrustKeys, token: string): Promise<string> {
  if (!isEncrypted(token)) return token;
  const undecryptable = new Refusal("invalid_key", "The SET is not encrypted to a key of this trust.");
  let kid: unknown;
  try {
    kid = decodeProtectedHeader(token).kid;
  } catch {
    throw new Refusal("invalid_request", "The request is not a valid SET.");
  }
  const key = typeof kid === "string" ? keys.decryptionKey(kid) : undefined;
  if (key === undefined) throw undecryptable;
  try {
    const { plaintext, protectedHeader } = await compactDecrypt(token, key, {
      keyManagementAlgorithms: [ENCRYPTION_ALGORITHM],
      contentEncryptionAlgorithms: ["A256GCM"],
    });
    if (protectedHeader.cty !== "JWT")
      throw new Refusal("invalid_request", 'An encrypted SET carries a signed one: cty "JWT".');
    return new TextDecoder().decode(plaintext);
  } catch (error) {
    if (error instanceof Refusal) throw error;
    throw undecryptable;
  }
}

function refusalOf(error: unknown): Refusal {
  if (error instanceof Refusal) return error;
  if (
    error instanceof errors.JWSSignatureVerificationFailed ||
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JOSEAlgNotAllowed
  ) {
    return new Refusal("invalid_key", "The signature does not verify with a key of the issuer's JWKS.");
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === "iss") return new Refusal("invalid_issuer", "The issuer is not the one expected.");
    if (error.claim === "aud") return new Refusal("invalid_audience", "The audience is not this trust.");
  }
  return new Refusal("invalid_request", "The request is not a valid SET.");
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Refusal("invalid_request", "The SET is too large.");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function send(
  response: ServerResponse,
  status: number,
  body?: unknown,
  contentType = "application/json",
): void {
  if (body === undefined) {
    response.writeHead(status).end();
    return;
  }
  response.writeHead(status, { "content-type": contentType }).end(JSON.stringify(body));
}

export async function startDemoTrust(options: DemoTrustOptions): Promise<DemoTrust> {
  const log = options.log ?? (() => {});
  const jwks = jwksCache(options.jwksUrl);
  const received: ReceivedEvent[] = [];
  const seen = new Set<string>();
  const held = new Set<ServerResponse>();
  let mode: DemoTrustMode = "ok";
  const keys = await demoTrustKeys(options.audiences, options.encryptingTrusts ?? []);
  const control = options.trustApi === undefined ? undefined : trustApiControl(keys, options.trustApi);
  // The trusts' SSF streams, through the service's stream API: POST /control/delivery and the page's stream view.
  const streams =
    options.trustApi === undefined ? undefined : streamControl(keys, options.trustApi, options.audiences);
  let failRate = 0;
  const random = options.random ?? Math.random;

  const verify = async (token: string): Promise<JWTPayload> => {
    let keys: { keys: JWK[] };
    try {
      keys = await jwks();
    } catch {
      // Not the transmitter's fault: a 5xx makes it try again later.
      throw new Error("jwks unavailable");
    }
    try {
      const { payload } = await jwtVerify(token, createLocalJWKSet(keys), {
        algorithms: ["ES256"],
        typ: "secevent+jwt",
        issuer: options.issuer,
        audience: [...options.audiences],
        requiredClaims: ["jti", "iat", "events"],
      });
      const events = payload.events;
      if (typeof events !== "object" || events === null || !SET_EVENTS.some((type) => type in events)) {
        throw new Refusal("invalid_request", "The SET carries no event this trust understands.");
      }
      if (payload.exp !== undefined || payload.sub !== undefined) {
        throw new Refusal("invalid_request", "A SET carries neither exp nor sub (RFC 8417 section 4.1).");
      }
      return payload;
    } catch (error) {
      throw refusalOf(error);
    }
  };

  const receive = async (request: IncomingMessage, response: ServerResponse) => {
    if (mode === "fail-5xx" || (mode === "random" && random() < failRate)) {
      return send(response, 503, { error: "failing on purpose" });
    }
    if (mode === "fail-408") return send(response, 408, { error: "timing out on purpose" });
    if (mode === "fail-429") {
      response.setHeader("retry-after", String(DEMO_RETRY_AFTER_SECONDS));
      return send(response, 429, { error: "throttling on purpose" });
    }
    if (mode === "fail-400") {
      return send(response, 400, { err: "access_denied", description: "The demo trust refuses on purpose." });
    }
    if (mode === "timeout") {
      held.add(response);
      const release = setTimeout(() => send(response, 503), TIMEOUT_MODE_HOLD_MS);
      response.on("close", () => {
        clearTimeout(release);
        held.delete(response);
      });
      return;
    }
    let token = "";
    try {
      const mediaType = (request.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
      token = (await readBody(request)).trim();
      if (mediaType !== "application/secevent+jwt") {
        throw new Refusal("invalid_request", "Send the SET as application/secevent+jwt.");
      }
      await list(token, "push", traceparentOf(request));
      return send(response, 202);
    } catch (error) {
      if (!(error instanceof Refusal)) return send(response, 503, { error: "try again later" });
      refused(token, "push", error);
      return send(response, 400, { err: error.err, description: error.description });
    }
  };

  /** Verifies a SET and lists it; throws a Refusal for a bad one, anything else when it cannot tell. */
  const list = async (token: string, via: "push" | "poll", traceparent?: string) => {
    const payload = await verify(await signedSetOf(keys, token));
    const jti = String(payload.jti);
    const duplicate = seen.has(jti);
    seen.add(jti);
    const encrypted = isEncrypted(token);
    received.push({
      jti,
      aud: payload.aud ?? null,
      verified: true,
      duplicate,
      claims: payload,
      token,
      via,
      encrypted,
      ...(traceparent === undefined ? {} : { traceparent }),
    });
    log(
      `[information] demo trust received ${encrypted ? "an encrypted " : ""}SET jti=${jti} by ${via}${duplicate ? " (duplicate)" : ""}`,
    );
  };
  const refused = (token: string, via: "push" | "poll", error: Refusal) => {
    received.push({
      jti: null,
      aud: null,
      verified: false,
      duplicate: false,
      claims: null,
      token,
      via,
      encrypted: isEncrypted(token),
      err: error.err,
    });
    log(`[warn] demo trust refused a SET: ${error.err}`);
  };
  const acceptPolled = async (token: string): Promise<PollVerdict> => {
    try {
      await list(token, "poll");
      return { ok: true };
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      refused(token, "poll", error);
      return { ok: false, err: error.err, description: error.description };
    }
  };
  const poller: Poller | undefined =
    options.trustApi === undefined
      ? undefined
      : startPoller({
          keys,
          trustApi: options.trustApi,
          accept: acceptPolled,
          log,
          trustIds: options.pollTrusts ?? [],
        });
  let url = "";

  const setDelivery = async (request: IncomingMessage, response: ServerResponse) => {
    let body: { trustId?: unknown; method?: unknown } = {};
    try {
      body = JSON.parse(await readBody(request)) as typeof body;
    } catch {
      return send(response, 400, { error: "send a JSON body" });
    }
    const { trustId, method } = body;
    if (typeof trustId !== "string" || !options.audiences.includes(trustId))
      return send(response, 400, { error: `trustId must be one of ${options.audiences.join(", ")}` });
    if (method !== "push" && method !== "poll")
      return send(response, 400, { error: "method must be push or poll" });
    if (streams === undefined || poller === undefined) return send(response, 404, { error: "not found" });
    // Push comes to this demo trust's POST /events; the stream is created the first time and updated after.
    const answer = await streams.setDelivery(trustId, method, `${url}/events`);
    if (answer.status !== 200 && answer.status !== 201) return send(response, answer.status, answer.body);
    poller.set(trustId, method === "poll");
    log(`[information] demo trust ${trustId} receives by ${method}`);
    return send(response, 200, { trustId, method });
  };

  const server = createServer((request, response) => {
    if (serveSite(options.site, request, response)) return;
    const path = new URL(request.url ?? "/", "http://localhost").pathname;
    const route = `${request.method} ${path}`;
    void (async () => {
      if (route === "POST /events") return receive(request, response);
      if (route === "GET /events") return send(response, 200, { events: received });
      if (route === "POST /control/delivery") return setDelivery(request, response);
      const modeNow = () => (mode === "random" ? { mode, failRate } : { mode });
      if (route === "GET /control") return send(response, 200, modeNow());
      if (route === "POST /control") {
        let body: { mode?: unknown; failRate?: unknown } = {};
        try {
          const parsed: unknown = JSON.parse(await readBody(request));
          if (typeof parsed === "object" && parsed !== null) body = parsed;
        } catch {
          body = {};
        }
        if (!MODES.includes(body.mode as DemoTrustMode)) {
          return send(response, 400, { error: `mode must be one of ${MODES.join(", ")}` });
        }
        const rate = body.failRate;
        if (body.mode === "random" && (typeof rate !== "number" || !(rate >= 0 && rate <= 1))) {
          return send(response, 400, { error: "mode random needs a failRate from 0 to 1" });
        }
        mode = body.mode as DemoTrustMode;
        failRate = typeof rate === "number" && mode === "random" ? rate : 0;
        log(`[information] demo trust mode ${mode}${mode === "random" ? ` failRate ${failRate}` : ""}`);
        return send(response, 200, modeNow());
      }
      if (streams?.handles(route)) {
        let body: unknown;
        try {
          body = request.method === "POST" ? JSON.parse(await readBody(request)) : undefined;
        } catch {
          return send(response, 400, { error: "send a JSON body" });
        }
        const answer = await streams.answer(route, body);
        log(`[information] demo trust ${route} answered ${answer.status}`);
        return send(response, answer.status, answer.body);
      }
      const traced = /^GET \/control\/traces\/(.*)$/.exec(route)?.[1];
      if (traced !== undefined) return passTrace(options.trustApi, traced, response);
      const jwks = /^GET \/trusts\/([A-Z0-9]{3,5})\/jwks\.json$/.exec(route)?.[1];
      if (jwks !== undefined) {
        const published = keys.jwks(jwks);
        return published ? send(response, 200, published) : send(response, 404, { error: "not found" });
      }
      if (
        route.startsWith("POST /control/") ||
        route === "GET /control/requests" ||
        route === "GET /control/access-keys"
      ) {
        if (control === undefined || !control.handles(route))
          return send(response, 404, { error: "not found" });
        let body: unknown;
        try {
          body = request.method === "POST" ? JSON.parse(await readBody(request)) : undefined;
        } catch {
          return send(response, 400, { error: "send a JSON body" });
        }
        const answer = await control.answer(route, body);
        log(`[information] demo trust ${route} answered ${answer.status}`);
        return send(response, answer.status, answer.body, answer.contentType);
      }
      return send(response, 404, { error: "not found" });
    })().catch(() => {
      if (!response.headersSent) send(response, 500);
    });
  });

  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  url = `http://${host}:${port}`;
  return {
    url,
    port,
    received: () => received,
    close: async () => {
      await poller?.stop();
      await new Promise<void>((resolve) => {
        for (const response of held) response.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
