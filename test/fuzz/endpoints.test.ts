// Property-based fuzzing (fast-check) of every HTTP endpoint and the Verified ID callback, over 12,200 cases a
// run: never a 5xx, every error RFC 9457 problem+json with its own status, and nothing stored after a 4xx (the
// Cosmos DB containers grow by exactly what a 201 stores, and a share refused a callback is left as it was).
// Seeded: the same cases each run unless FUZZ_SEED names another seed, or `random` for a fresh one (as CI may run
// it); a failure names the seed and the case's path, and FUZZ_SEED=<seed> replays it.
import { randomInt } from "node:crypto";
import fc from "fast-check";
import { decodeJwt } from "jose";
import { afterAll, describe, expect, it } from "vitest";
import { trustAudience } from "../../src/adapters/keys/trustTokens.js";
import { services } from "../../src/composition.js";
import { SHAREABLE_CREDENTIAL_TYPES } from "../../src/domain/catalogue.js";
import {
  apiKeyOf,
  bearer,
  logIn,
  present,
  readShare,
  requestIdOf,
  type StartedShare,
  startedShare,
} from "../support/journeys.js";
import { useTestSystem } from "../support/suiteSystem.js";
import { call } from "../support/system.js";
import { registerTrustKey, trustKey, trustToken } from "../support/trustTokens.js";
import { bodyText, contentType, encode, headerToken, json, nearly, segment, text } from "./arbitraries.js";

/** The run's seed: fixed, so that a plain run repeats the same cases, unless FUZZ_SEED says otherwise. */
function runSeed(setting: string | undefined): number {
  if (setting === undefined || setting === "") return 20_261_129;
  if (setting === "random") return randomInt(2 ** 31 - 1);
  const seed = Number(setting);
  if (!Number.isSafeInteger(seed))
    throw new Error(`FUZZ_SEED must be an integer or "random", not ${setting}`);
  return seed;
}
const SEED = runSeed(process.env.FUZZ_SEED);
const TYPES = SHAREABLE_CREDENTIAL_TYPES.map((type) => type.type);
const PROTOCOLS = ["verifiedid", "openid4vp", "OpenID4VP"];
const CONTAINERS = ["trusts", "requests", "shares", "shareEvents", "credentialRequests"] as const;

const { urls, system, session } = useTestSystem({
  // The per-client limits would answer 429 to a fuzz from one address; they have tests of their own.
  settings: { RATE_LIMIT_LOGINS_PER_MINUTE: "1000000", RATE_LIMIT_ANONYMOUS_PER_MINUTE: "1000000" },
  logIn: "RTH",
});
let cases = 0;

afterAll(() => {
  console.log(`fuzz: ${cases} cases, FUZZ_SEED=${SEED}`);
});

type Outcome = { status: number; contentType: string | null; text: string };
type Request = { path: string; method?: string; headers?: Record<string, string>; body?: string };

async function send(request: Request): Promise<Outcome> {
  cases++;
  const response = await fetch(`${urls.api}/${request.path}`, {
    method: request.method ?? (request.body === undefined ? "GET" : "POST"),
    ...(request.headers ? { headers: request.headers } : {}),
    ...(request.body === undefined ? {} : { body: request.body }),
  });
  return {
    status: response.status,
    contentType: response.headers.get("content-type"),
    text: await response.text(),
  };
}

/**
 * True when the request never reaches the route the property aims at, so the host's own routing answers it (an
 * empty 404, or 405 for a route that exists with other methods): a path that is not valid percent-encoding, or one
 * whose id is a dot segment (`.`, `..`, `%2e`), which URL parsing removes before the request is sent.
 */
const unrouted = (path: string) => {
  try {
    decodeURIComponent(path);
  } catch {
    return true;
  }
  const pathname = path.split("?")[0] ?? "";
  return new URL(`/api/${pathname}`, "http://host").pathname !== `/api/${pathname}`;
};

/** Never a 5xx; every 4xx problem+json with type, title, detail and its own status. */
function expectWellFormed(outcome: Outcome, path: string): void {
  const label = `${outcome.status} ${outcome.contentType}: ${outcome.text.slice(0, 160)}`;
  expect(outcome.status, label).toBeLessThan(500);
  if (outcome.status < 400) return;
  if (unrouted(path) && (outcome.status === 404 || outcome.status === 405) && outcome.text === "") return;
  expect(outcome.contentType, label).toBe("application/problem+json");
  expect(JSON.parse(outcome.text), label).toMatchObject({
    type: expect.any(String),
    title: expect.any(String),
    detail: expect.any(String),
    status: outcome.status,
  });
}

async function counts(): Promise<Record<string, number>> {
  const database = await services().database();
  const entries = await Promise.all(
    CONTAINERS.map(async (name) => {
      const { resources } = await database
        .container(name)
        .items.query<number>("SELECT VALUE COUNT(1) FROM c")
        .fetchAll();
      return [name, resources[0] ?? 0] as const;
    }),
  );
  return Object.fromEntries(entries);
}

/**
 * Runs a property over exactly `numRuns` cases with its own seed; a failure names FUZZ_SEED and fast-check's path.
 * Each property checks its own count, so that the total holds whichever tests run, and in whatever order.
 */
async function fuzz<T>(
  offset: number,
  numRuns: number,
  input: fc.Arbitrary<T>,
  check: (value: T) => Promise<void>,
): Promise<void> {
  const seed = SEED + offset;
  let ran = 0;
  const counted = async (value: T) => {
    ran++;
    await check(value);
  };
  try {
    await fc.assert(fc.asyncProperty(input, counted), { seed, numRuns, endOnFailure: true });
  } catch (error) {
    // fast-check keeps the failed check's own error as the cause: it says what was wrong with the answer.
    const { message, cause } = error as Error;
    const why = cause instanceof Error ? `\n${cause.message}` : "";
    throw new Error(`FUZZ_SEED=${SEED} (property seed ${seed}): ${message}${why}`, { cause });
  }
  expect(ran, `cases run by the property of seed ${seed}`).toBe(numRuns);
}

/**
 * Sends a request, checks its answer, and counts what its success stores; after the property the containers must
 * have grown by exactly that, so no 4xx stored anything.
 */
function sending(stored: Record<string, number>, grows: Record<string, number>) {
  return async (request: Request) => {
    const outcome = await send(request);
    expectWellFormed(outcome, request.path);
    if (outcome.status < 400) {
      for (const [name, by] of Object.entries(grows)) stored[name] = (stored[name] ?? 0) + by;
    }
  };
}

const grewBy = async (before: Record<string, number>, stored: Record<string, number>) => {
  const expected = { ...before };
  for (const [name, by] of Object.entries(stored)) expected[name] = (expected[name] ?? 0) + by;
  expect(await counts()).toEqual(expected);
};

const post = (
  path: string,
  body: string,
  type: string | undefined,
  headers: Record<string, string> = {},
) => ({
  path,
  method: "POST",
  headers: { ...(type === undefined ? {} : { "content-type": type }), ...headers },
  body,
});

describe("fuzzing the portal endpoints", () => {
  it("POST /api/logins: never 5xx, problem+json errors, and a 4xx stores nothing", async () => {
    const body = fc.oneof(
      {
        weight: 3,
        arbitrary: fc.record(
          { trustId: nearly(["RTH", "RJ1", "RQ8", "rth", " RTH ", "XXX"]), protocol: nearly(PROTOCOLS) },
          { requiredKeys: ["trustId"] },
        ),
      },
      { weight: 1, arbitrary: json() },
    );
    const before = await counts();
    const stored: Record<string, number> = {};
    const sendLogin = sending(stored, { requests: 1 });
    await fuzz(1, 1_000, fc.tuple(bodyText(body), contentType), ([text, type]) =>
      sendLogin(post("logins", text, type)),
    );
    await grewBy(before, stored);
  }, 300_000);

  it("POST /api/shares: never 5xx, problem+json errors, and a 4xx stores nothing", async () => {
    const types = fc.array(nearly([...TYPES, "StaffPassportAccessKey"]), { maxLength: 4 });
    const body = fc.oneof(
      {
        weight: 4,
        arbitrary: fc.record(
          { credentialTypes: fc.oneof(types, json(2)), protocol: nearly(PROTOCOLS) },
          { requiredKeys: ["credentialTypes"] },
        ),
      },
      { weight: 1, arbitrary: json() },
    );
    const auth = fc.oneof(
      { weight: 8, arbitrary: fc.constant(() => bearer(session())) },
      { weight: 1, arbitrary: headerToken.map((token) => () => bearer(token)) },
      { weight: 1, arbitrary: fc.constant(() => ({})) },
    );
    const before = await counts();
    const stored: Record<string, number> = {};
    const sendShare = sending(stored, { requests: 1, shares: 1 });
    await fuzz(2, 1_000, fc.tuple(bodyText(body), contentType, auth), ([text, type, headers]) =>
      sendShare(post("shares", text, type, headers())),
    );
    await grewBy(before, stored);
  }, 300_000);

  it("the GET and DELETE endpoints: never 5xx, problem+json errors, and nothing stored", async () => {
    const before = await counts();
    const requests: fc.Arbitrary<Request>[] = [
      text.map((search) => ({ path: `trusts?search=${encode(search)}` })),
      fc.tuple(segment, fc.option(headerToken)).map(([id, token]) => ({
        path: `logins/${id}`,
        ...(token === null ? {} : { headers: { "x-poll-token": token } }),
      })),
      fc
        .tuple(segment, fc.constantFrom("GET", "DELETE"))
        .map(([id, method]) => ({ path: `shares/${id}`, method, headers: bearer(session()) })),
      segment.map((id) => ({ path: `openid4vp/requests/${id}` })),
      fc.tuple(text, fc.option(headerToken)).map(([continuation, token]) => ({
        path: `shares?continuation=${encode(continuation)}`,
        headers: bearer(token ?? session()),
      })),
      fc
        .tuple(
          fc.constantFrom(
            "credential-types",
            ".well-known/jwks.json",
            "health",
            "openapi.json",
            "openid4vp/root.pem",
          ),
          text,
          headerToken,
        )
        .map(([path, query, header]) => ({
          path: `${path}?${encode(query)}=${encode(query)}`,
          headers: { authorization: header, "x-correlation-id": header },
        })),
    ];
    // Three properties at once, each with its own seed: the endpoints are independent and this one is read-only.
    await Promise.all(
      [30, 31, 32].map((offset) =>
        fuzz(offset, 2_000, fc.oneof(...requests), async (request) => {
          expectWellFormed(await send(request), request.path);
        }),
      ),
    );
    // Every request was a read, or a DELETE of a share that is not the caller's: nothing was stored.
    expect(await counts()).toEqual(before);
  }, 300_000);
});

describe("fuzzing a standard wallet's response URI", () => {
  it("POST /api/openid4vp/responses/{id}: never 5xx, problem+json errors, and nothing changes", async () => {
    // A login waiting for its wallet's response, so that many cases reach the decryption with a real request.
    const login = await call<{ loginId: string; pollToken: string; url: string }>(`${urls.api}/logins`, {
      body: { trustId: "RTH", protocol: "openid4vp" },
    });
    expect(login.status).toBe(201);
    const requestObject = await fetch(new URL(login.body.url).searchParams.get("request_uri") ?? "");
    const waiting = new URL(String(decodeJwt(await requestObject.text()).response_uri)).pathname.replace(
      /^\/api\//,
      "",
    );
    const loginStatus = async () =>
      (
        await call<{ status: string }>(`${urls.api}/logins/${login.body.loginId}`, {
          headers: { "x-poll-token": login.body.pollToken },
        })
      ).body.status;
    expect(await loginStatus()).toBe("scanned");
    const base64url = fc.string({
      unit: fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
      maxLength: 60,
    });
    // Compact JWE shapes (five parts) with a header that names this request's algorithm, or anything at all.
    const header = fc
      .record({ alg: nearly(["ECDH-ES"]), enc: nearly(["A128GCM", "A256GCM"]), kid: json(1) })
      .map((value) => Buffer.from(JSON.stringify(value)).toString("base64url"));
    const jwe = fc.oneof(
      fc.tuple(header, base64url, base64url, base64url, base64url).map((parts) => parts.join(".")),
      fc.array(base64url, { maxLength: 7 }).map((parts) => parts.join(".")),
      text,
    );
    const form = fc.oneof(
      { weight: 4, arbitrary: jwe.map((value) => new URLSearchParams({ response: value }).toString()) },
      {
        weight: 1,
        arbitrary: fc
          .dictionary(fc.constantFrom("response", "vp_token", "state", "error", ""), text, { maxKeys: 3 })
          .map((fields) => new URLSearchParams(fields).toString()),
      },
      { weight: 1, arbitrary: text },
    );
    const path = fc.oneof(
      { weight: 3, arbitrary: fc.constant(waiting) },
      { weight: 1, arbitrary: segment.map((id) => `openid4vp/responses/${id}`) },
    );
    const type = fc.oneof(
      { weight: 6, arbitrary: fc.constant("application/x-www-form-urlencoded") },
      { weight: 1, arbitrary: contentType },
    );
    const before = await counts();
    await fuzz(7, 1_000, fc.tuple(path, form, type), async ([target, body, media]) => {
      const outcome = await send(post(target, body, media));
      expectWellFormed(outcome, target);
      // Nothing can be decrypted with the request's key, so nothing is ever taken or refused as a presentation.
      expect(outcome.status, outcome.text.slice(0, 160)).not.toBe(200);
      if (outcome.status === 400)
        expect(JSON.parse(outcome.text)).toMatchObject({ code: "response_invalid" });
    });
    expect(await counts()).toEqual(before);
    expect(await loginStatus()).toBe("scanned");
  }, 300_000);
});

describe("fuzzing the trust API and the credential request endpoints", () => {
  it("never answers 5xx, answers every error as problem+json, and stores a request only for a 201", async () => {
    const key = await trustKey();
    await registerTrustKey("RRK", key);
    const audience = trustAudience(system().settings.SESSION_ISSUER ?? "");
    const rrkSession = await logIn(urls, "demo", "RRK");
    const share = await startedShare(urls, rrkSession, [TYPES[0] ?? "", TYPES[1] ?? ""]);
    expect((await present(urls, "demo", share.url)).status).toBe(200);
    // Mostly a genuine token, made afresh for each request; otherwise made-up text or none.
    const trustAuth = fc.oneof(
      { weight: 8, arbitrary: fc.constant(async () => bearer(await trustToken(key, "RRK", audience))) },
      { weight: 1, arbitrary: headerToken.map((token) => async () => bearer(token)) },
      { weight: 1, arbitrary: fc.constant(async () => ({})) },
    );
    const words = nearly(["Too old", "x".repeat(500), "x".repeat(501), ""]);
    const reason = fc.option(fc.record({ reason: words }), { nil: {} });
    const decision = fc.tuple(
      fc.oneof({ weight: 3, arbitrary: fc.constant(share.shareId) }, segment),
      fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...TYPES) }, segment),
      reason,
      nearly(["accepted", "rejected"]),
    );
    const decisions = fc
      .tuple(decision, fc.option(json(2)), contentType, trustAuth)
      .map(([[shareId, type, why, verdict], other, mime, auth]) => ({
        path: `trust/shares/${shareId}/credentials/${type}/decision`,
        method: "PUT",
        body: other ?? { decision: verdict, ...why },
        mime,
        auth,
      }));
    const requestBody = fc.oneof(
      {
        weight: 4,
        arbitrary: fc.record({
          staffId: nearly(["RRK-0457331", "x".repeat(65)]),
          credentialTypes: fc.array(nearly([...TYPES, "StaffPassportAccessKey"]), { maxLength: 4 }),
          message: fc.option(words, { nil: undefined }),
        }),
      },
      { weight: 1, arbitrary: json() },
      // Well-formed requests, so that every seed reaches the 201s whose stored documents are counted below.
      {
        weight: 2,
        arbitrary: fc.record({
          staffId: fc.constant("RRK-0457331"),
          credentialTypes: fc.subarray([...TYPES], { minLength: 1 }),
        }),
      },
    );
    const creates = fc.tuple(requestBody, contentType, trustAuth).map(([body, mime, auth]) => ({
      path: "trust/credential-requests",
      method: "POST",
      body,
      mime,
      auth,
    }));
    const reads = fc
      .tuple(segment, fc.constantFrom("GET", "DELETE"), trustAuth)
      .map(([id, method, auth]) => ({ path: `trust/credential-requests/${id}`, method, auth }));
    const declines = fc.tuple(segment, fc.oneof(reason, json(2)), contentType).map(([id, body, mime]) => ({
      path: `credential-requests/${id}/decline`,
      method: "POST",
      body,
      mime,
      auth: async () => bearer(rrkSession),
    }));
    const before = await counts();
    let created = 0;
    const input = fc.oneof(decisions, creates, reads, declines);
    await fuzz(6, 1_200, input, async (request) => {
      const headers = await request.auth();
      const outcome = await send(
        "body" in request
          ? {
              ...post(request.path, JSON.stringify(request.body), request.mime, headers),
              method: request.method,
            }
          : { path: request.path, method: request.method, headers },
      );
      expectWellFormed(outcome, request.path);
      if (outcome.status === 201) created++;
    });
    expect(created).toBeGreaterThan(3);
    const after = await counts();
    // Only a 201 stores a request, with the marker of the call that made it; a decision changes the share in place.
    expect({
      credentialRequests: after.credentialRequests,
      shares: after.shares,
      requests: after.requests,
    }).toEqual({
      credentialRequests: (before.credentialRequests ?? 0) + 2 * created,
      shares: before.shares,
      requests: before.requests,
    });
  }, 300_000);
});

describe("fuzzing the Verified ID callback", () => {
  it("answers 401 to every body without the request's api-key, whatever it holds, and stores nothing", async () => {
    const share = await startedShare(urls, session(), [TYPES[0] ?? ""]);
    const before = await counts();
    const body = fc.oneof(
      json().map((value) => ({ ...(value as object), state: share.shareId })),
      json(),
    );
    const key = fc.option(headerToken.map((value) => ({ "api-key": value })));
    await fuzz(4, 1_000, fc.tuple(bodyText(body), contentType, key), async ([text, type, headers]) => {
      const path = `verifiedid/callback/${share.shareId}`;
      const outcome = await send(post(path, text, type, headers ?? {}));
      expectWellFormed(outcome, path);
      expect([401, 413]).toContain(outcome.status);
    });
    expect(await counts()).toEqual(before);
    expect((await readShare(urls, session(), share.shareId)).body.status).toBe("pending");
  }, 300_000);

  it("never answers 5xx to a mutated body with the right api-key, and a share refused one is left as it was", async () => {
    let share: StartedShare = await startedShare(urls, session(), [TYPES[0] ?? ""]);
    let apiKey = await apiKeyOf(urls, share.url);
    const credential = fc.oneof(
      json(2).map((claims) => ({
        issuer: "did:web:x",
        type: ["VerifiableCredential", TYPES[0]],
        claims,
        credentialState: { revocationStatus: "VALID" },
      })),
      json(2),
    );
    const mutation = fc.option(fc.tuple(fc.nat(5), json(2)));
    const input = fc.record({
      requestStatus: nearly(["request_retrieved", "presentation_verified", "presentation_error"]),
      subject: nearly(["did:web:someone"]),
      verifiedCredentialsData: fc.oneof(fc.array(credential, { maxLength: 2 }), json(2)),
      error: fc.option(json(2)),
      mutation,
      type: contentType,
      cut: fc.oneof(
        { weight: 9, arbitrary: fc.constant(false) },
        { weight: 1, arbitrary: fc.constant(true) },
      ),
    });
    const before = await counts();
    let started = 1;
    await fuzz(5, 1_000, input, async (value) => {
      const body: Record<string, unknown> = {
        requestId: requestIdOf(share.url),
        requestStatus: value.requestStatus,
        state: share.shareId,
        subject: value.subject,
        verifiedCredentialsData: value.verifiedCredentialsData,
        ...(value.error === null ? {} : { error: value.error }),
      };
      // One member of the valid shape replaced by anything.
      if (value.mutation !== null) {
        const keys = Object.keys(body);
        body[keys[value.mutation[0] % keys.length] ?? "state"] = value.mutation[1];
      }
      const text = JSON.stringify(body);
      const previous = (await readShare(urls, session(), share.shareId)).body;
      const path = `verifiedid/callback/${share.shareId}`;
      const outcome = await send(
        post(path, value.cut ? text.slice(0, -1) : text, value.type, { "api-key": apiKey }),
      );
      expectWellFormed(outcome, path);
      const after = (await readShare(urls, session(), share.shareId)).body;
      if (outcome.status >= 400) expect(after).toEqual(previous);
      if (after.status !== "pending" && after.status !== "scanned") {
        share = await startedShare(urls, session(), [TYPES[0] ?? ""]);
        apiKey = await apiKeyOf(urls, share.url);
        started++;
      }
    });
    // Only the shares this test started were stored (a callback never creates a request or a share).
    const after = await counts();
    expect({ requests: after.requests, shares: after.shares }).toEqual({
      requests: (before.requests ?? 0) + started - 1,
      shares: (before.shares ?? 0) + started - 1,
    });
  }, 300_000);
});
