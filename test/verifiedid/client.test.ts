// The Request Service client, run against the simulator over real HTTP: the body it builds, the secret per
// request, token caching, typed errors, and retries bounded in attempts and total time. Answers the simulator does
// not give (a request left hanging, a 401 for one token, a dropped connection) come from a local stand-in server.
import type { AccessToken, TokenCredential } from "@azure/identity";
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { startVerifiedIdSimulator, type VerifiedIdSimulator } from "../../local/verifiedid/index.js";
import {
  createVerifiedIdClient,
  type PresentationRequestInput,
  StaticTokenCredential,
  VERIFIED_ID_SCOPE,
  type VerifiedIdClientOptions,
  VerifiedIdError,
} from "../../src/adapters/verifiedId/index.js";
import { startFaultProxy } from "../support/faultProxy.js";
import { until } from "../support/until.js";
import {
  forwardingTo,
  getJson,
  postJson,
  type StandIn,
  type StandInAnswer,
  startStandIn,
} from "./support.js";

const AUTHORITY = "did:web:verifier.staffpassport.nhs.uk";
const CALLBACK_URL = "https://sharing.staffpassport.nhs.uk/api/verifiedid/callback";
const TOKEN = "token-that-must-never-leak";

const LOGIN: PresentationRequestInput = {
  clientName: "Oxford University Hospitals NHS Foundation Trust",
  purpose: "Log in to the staff passport portal",
  state: "state-login-1",
  requestedCredentials: [
    {
      type: "StaffPassportAccessKey",
      purpose: "Prove you work here",
      acceptedIssuers: ["did:web:rth.staffpassport.nhs.uk"],
      constraints: [{ claimName: "trustId", values: ["RTH"] }],
    },
  ],
};

let simulator: VerifiedIdSimulator;
beforeAll(async () => {
  simulator = await startVerifiedIdSimulator({ port: 0 });
});
afterAll(() => simulator.close());

/** A stand-in for the Request Service for one test, closed when the test ends. */
async function standIn(answer: StandInAnswer): Promise<StandIn> {
  const server = await startStandIn(answer);
  onTestFinished(() => server.close());
  return server;
}
afterEach(async () => {
  await fetch(`${simulator.url}/control/faults`, { method: "DELETE" });
});

/** A fake clock for the retry waits: sleeping moves time on, nothing really waits. */
function fakeTime() {
  let now = 1_000_000;
  const sleeps: number[] = [];
  return {
    sleeps,
    elapsed: () => now - 1_000_000,
    options: {
      now: () => now,
      sleep: async (ms: number) => {
        sleeps.push(ms);
        now += ms;
      },
      random: () => 0.5,
    },
  };
}

function client(overrides: Partial<VerifiedIdClientOptions> = {}) {
  return createVerifiedIdClient({
    baseUrl: simulator.url,
    credential: new StaticTokenCredential(TOKEN),
    authority: AUTHORITY,
    callbackUrl: CALLBACK_URL,
    ...overrides,
  });
}

async function injectFaults(createStatus: 429 | 503, count: number, retryAfterSeconds?: number) {
  const response = await postJson(`${simulator.url}/control/faults`, {
    createStatus,
    count,
    retryAfterSeconds,
  });
  expect(response.status).toBe(204);
}

describe("createPresentationRequest", () => {
  it("creates a request and returns its id, link, QR code, expiry and the callback secret", async () => {
    const created = await client().createPresentationRequest(LOGIN);
    expect(created.url).toBe(
      `openid-vc://?request_uri=${simulator.url}/wallet/requests/${created.requestId}`,
    );
    expect(created.qrCode).toMatch(/^data:image\/png;base64,/);
    expect(created.expiresAt.getTime()).toBeGreaterThan(Date.now() + 4 * 60_000);
    expect(created.apiKey).toMatch(/^[A-Za-z0-9_-]{43}$/); // 256 bits, base64url
  });

  it("sends the authority, trust name, the request's own callback URL with its api-key, issuers, validation and constraints", async () => {
    const created = await client().createPresentationRequest({ ...LOGIN, includeReceipt: true });
    const recorded = await getJson(`${simulator.url}/control/requests/${created.requestId}`);
    expect((recorded.body as { body: unknown }).body).toEqual({
      authority: AUTHORITY,
      includeQRCode: true,
      includeReceipt: true,
      registration: { clientName: LOGIN.clientName, purpose: LOGIN.purpose },
      callback: {
        url: `${CALLBACK_URL}/state-login-1`,
        state: "state-login-1",
        headers: { "api-key": created.apiKey },
      },
      requestedCredentials: [
        {
          type: "StaffPassportAccessKey",
          purpose: "Prove you work here",
          acceptedIssuers: ["did:web:rth.staffpassport.nhs.uk"],
          configuration: { validation: { allowRevoked: true, validateLinkedDomain: true } },
          constraints: [{ claimName: "trustId", values: ["RTH"] }],
        },
      ],
    });
  });

  it("puts a different api-key in every request", async () => {
    const verifiedId = client();
    const keys = new Set<string>();
    for (let i = 0; i < 5; i++) keys.add((await verifiedId.createPresentationRequest(LOGIN)).apiKey);
    expect(keys.size).toBe(5);
  });

  it("fetches the access token once for many requests, for the Request Service scope", async () => {
    const scopes: (string | string[])[] = [];
    const credential: TokenCredential = {
      async getToken(scope): Promise<AccessToken> {
        scopes.push(scope);
        return { token: TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 };
      },
    };
    const verifiedId = client({ credential });
    await verifiedId.createPresentationRequest(LOGIN);
    await verifiedId.createPresentationRequest(LOGIN);
    await verifiedId.createPresentationRequest(LOGIN);
    expect(scopes).toEqual([VERIFIED_ID_SCOPE]);
  });

  it("refuses to send a requested credential with no accepted issuers, which would mean any issuer", async () => {
    const input = {
      ...LOGIN,
      requestedCredentials: [{ type: "StaffPassportIdentity", purpose: "p", acceptedIssuers: [] }],
    } as unknown as PresentationRequestInput;
    await expect(client().createPresentationRequest(input)).rejects.toThrow(TypeError);
  });
});

describe("errors and retries", () => {
  it("turns a 400 into a typed error with the service's codes and target, without retrying", async () => {
    const time = fakeTime();
    const error = await client({ authority: "did:web", ...time.options })
      .createPresentationRequest(LOGIN)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(VerifiedIdError);
    expect(error).toMatchObject({
      code: "verified_id_failed",
      reason: "rejected",
      status: 400,
      serviceCode: "badRequest",
      innerCode: "badOrMissingField",
      target: "authority",
      attempts: 1,
    });
    expect(time.sleeps).toEqual([]);
  });

  it("never puts the token or the callback secret in the error message", async () => {
    await injectFaults(503, 10);
    const error = (await client({ ...fakeTime().options })
      .createPresentationRequest(LOGIN)
      .catch((caught: unknown) => caught)) as VerifiedIdError;
    expect(error).toBeInstanceOf(VerifiedIdError);
    expect(`${error.message} ${JSON.stringify(error)}`).not.toContain(TOKEN);
    expect(error.message).not.toMatch(/api-key|Bearer/i);
  });

  it("retries a 429 and then succeeds", async () => {
    await injectFaults(429, 2);
    const time = fakeTime();
    const created = await client({ ...time.options }).createPresentationRequest(LOGIN);
    expect(created.requestId).not.toBe("");
    expect(time.sleeps).toHaveLength(2);
  });

  it("retries a 503 and then succeeds", async () => {
    await injectFaults(503, 1);
    const time = fakeTime();
    const created = await client({ ...time.options }).createPresentationRequest(LOGIN);
    expect(created.requestId).not.toBe("");
    expect(time.sleeps).toHaveLength(1);
  });

  it("backs off exponentially between retries", async () => {
    await injectFaults(503, 3);
    const time = fakeTime();
    await client({ ...time.options, retry: { baseDelayMs: 100, maxAttempts: 4 } }).createPresentationRequest(
      LOGIN,
    );
    // random() = 0.5: three quarters of each doubling step.
    expect(time.sleeps).toEqual([75, 150, 300]);
  });

  it("waits at least as long as Retry-After asks", async () => {
    await injectFaults(429, 1, 3);
    const time = fakeTime();
    await client({ ...time.options, retry: { maxTotalMs: 10_000 } }).createPresentationRequest(LOGIN);
    expect(time.sleeps).toEqual([3_000]);
  });

  it("gives up after the maximum number of attempts with an unavailable error", async () => {
    await injectFaults(503, 10);
    const time = fakeTime();
    const error = await client({ ...time.options, retry: { maxAttempts: 3, maxTotalMs: 60_000 } })
      .createPresentationRequest(LOGIN)
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      reason: "unavailable",
      status: 503,
      serviceCode: "serviceUnavailable",
      innerCode: "transientError",
      attempts: 3,
    });
  });

  it("keeps the total time of retries within maxTotalMs", async () => {
    await injectFaults(429, 50);
    const time = fakeTime();
    const error = await client({
      ...time.options,
      retry: { maxAttempts: 50, maxTotalMs: 2_000, baseDelayMs: 200 },
    })
      .createPresentationRequest(LOGIN)
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ reason: "unavailable", status: 429 });
    expect(time.elapsed()).toBeLessThanOrEqual(2_000);
    expect(time.sleeps.length).toBeGreaterThan(1);
  });

  it("does not wait for a Retry-After beyond the total budget", async () => {
    await injectFaults(429, 1, 60);
    const time = fakeTime();
    const error = await client({ ...time.options, retry: { maxTotalMs: 5_000 } })
      .createPresentationRequest(LOGIN)
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ reason: "unavailable", status: 429, attempts: 1 });
    expect(time.sleeps).toEqual([]);
  });

  it("retries when the service cannot be reached, then reports it unavailable", async () => {
    const time = fakeTime();
    // A port this test holds, which drops every connection: no other process can answer on it meanwhile.
    const unreachable = await startFaultProxy();
    onTestFinished(() => unreachable.close());
    const error = await client({
      baseUrl: `http://127.0.0.1:${unreachable.port}`,
      ...time.options,
      retry: { maxAttempts: 2 },
    })
      .createPresentationRequest(LOGIN)
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ reason: "unavailable", attempts: 2 });
    expect((error as VerifiedIdError).status).toBeUndefined();
  });

  it("retries a credential that yields no token, then reports a token failure without the identity error", async () => {
    let asked = 0;
    const credential: TokenCredential = {
      async getToken() {
        asked++;
        throw new Error("AADSTS700016: application not found in tenant");
      },
    };
    const error = await client({ credential, ...fakeTime().options, retry: { maxAttempts: 3 } })
      .createPresentationRequest(LOGIN)
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "verified_id_failed", reason: "token", attempts: 3 });
    expect(asked).toBe(3);
    expect((error as Error).message).not.toContain("AADSTS");
  });

  it("gives a hung attempt no more than what is left of the total budget", async () => {
    // The stand-in takes the request and never answers.
    const service = await standIn(() => {});
    const started = Date.now();
    const error = await client({ baseUrl: service.url, retry: { maxAttempts: 1, maxTotalMs: 600 } })
      .createPresentationRequest(LOGIN)
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "verified_id_failed", reason: "unavailable", attempts: 1 });
    // The client gave up on the request itself, and well before the attempt's own 10 s limit.
    await until(() => service.abandoned.length === 1);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("retries a connection dropped before any answer, then succeeds", async () => {
    const forward = forwardingTo(simulator.url);
    const service = await standIn((request, body, response) =>
      service.requests.length === 1 ? void response.socket?.destroy() : forward(request, body, response),
    );
    const time = fakeTime();
    const created = await client({ baseUrl: service.url, ...time.options }).createPresentationRequest(LOGIN);
    expect(created.requestId).toBeTruthy();
    expect(service.requests).toHaveLength(2);
    expect(time.sleeps).toHaveLength(1);
  });

  it("drops a token the service refuses with 401 and tries once more with a fresh one", async () => {
    const tokens = ["revoked-token", "fresh-token"];
    const credential: TokenCredential = {
      async getToken() {
        return { token: tokens.shift() ?? "later-token", expiresOnTimestamp: Date.now() + 3_600_000 };
      },
    };
    const forward = forwardingTo(simulator.url);
    const service = await standIn((request, body, response) => {
      if (request.headers.authorization !== "Bearer revoked-token") return forward(request, body, response);
      response.writeHead(401, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: { code: "unauthorized", message: "token revoked" } }));
    });
    const created = await client({
      baseUrl: service.url,
      credential,
      ...fakeTime().options,
    }).createPresentationRequest(LOGIN);
    expect(created.requestId).toBeTruthy();
    expect(service.requests.map((request) => request.headers.authorization)).toEqual([
      "Bearer revoked-token",
      "Bearer fresh-token",
    ]);
  });

  it("asks no third time when a fresh token is refused too", async () => {
    const service = await standIn((_request, _body, response) => {
      response.writeHead(401, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: { code: "unauthorized", message: "no role" } }));
    });
    const error = await client({ baseUrl: service.url, ...fakeTime().options, retry: { maxAttempts: 5 } })
      .createPresentationRequest(LOGIN)
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ reason: "rejected", status: 401, attempts: 2 });
    expect(service.requests).toHaveLength(2);
  });
});
