// The simulator's createPresentationRequest validates bodies as strictly as Microsoft's Request Service and
// answers in its error shape.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startVerifiedIdSimulator, type VerifiedIdSimulator } from "../../local/verifiedid/index.js";
import { BEARER, postJson, validCreateBody } from "./support.js";

const CALLBACK = "http://127.0.0.1:9/api/verifiedid/callback";
let simulator: VerifiedIdSimulator;
let createUrl: string;

beforeAll(async () => {
  simulator = await startVerifiedIdSimulator({ port: 0 });
  createUrl = `${simulator.url}/v1.0/verifiableCredentials/createPresentationRequest`;
});
afterAll(() => simulator.close());

function expectServiceError(
  body: unknown,
  status: { code: string },
  inner: { code: string; target?: string },
) {
  expect(body).toEqual({
    requestId: expect.any(String),
    date: expect.any(String),
    mscv: expect.any(String),
    error: {
      code: status.code,
      message: expect.any(String),
      innererror: {
        code: inner.code,
        message: expect.any(String),
        ...(inner.target ? { target: inner.target } : {}),
      },
    },
  });
}

describe("createPresentationRequest validation", () => {
  it("accepts a valid request with 201, requestId, url and expiry five minutes ahead", async () => {
    const before = Math.floor(Date.now() / 1000);
    const response = await postJson(createUrl, validCreateBody(CALLBACK), BEARER);
    expect(response.status).toBe(201);
    const body = response.body as { requestId: string; url: string; expiry: number };
    expect(body.url).toBe(`openid-vc://?request_uri=${simulator.url}/wallet/requests/${body.requestId}`);
    expect(body.expiry).toBeGreaterThanOrEqual(before + 300);
    expect(body.expiry).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 300);
  });

  it("refuses a request without a bearer token with 401 unauthorized", async () => {
    const response = await postJson(createUrl, validCreateBody(CALLBACK));
    expect(response.status).toBe(401);
    expectServiceError(response.body, { code: "unauthorized" }, { code: "tokenError" });
  });

  const cases: [string, (body: Record<string, unknown>) => void, string][] = [
    ["a missing authority", (body) => delete body.authority, "authority"],
    ["an authority that is not a DID", (body) => Object.assign(body, { authority: "verifier" }), "authority"],
    [
      "empty requestedCredentials",
      (body) => Object.assign(body, { requestedCredentials: [] }),
      "requestedCredentials",
    ],
    ["an unknown top-level field", (body) => Object.assign(body, { presentation: {} }), "presentation"],
    [
      "a callback header other than api-key or Authorization",
      (body) =>
        Object.assign(body, { callback: { url: CALLBACK, state: "s", headers: { "x-functions-key": "k" } } }),
      "callback.headers",
    ],
    [
      "a malformed callback URL",
      (body) => Object.assign(body, { callback: { url: "not a url", state: "s" } }),
      "callback.url",
    ],
    ["a missing callback", (body) => delete body.callback, "callback"],
    [
      "an includeQRCode that is not a boolean",
      (body) => Object.assign(body, { includeQRCode: "yes" }),
      "includeQRCode",
    ],
    [
      "a requested credential without a type",
      (body) => Object.assign(body, { requestedCredentials: [{ purpose: "p" }] }),
      "requestedCredentials[0].type",
    ],
  ];

  for (const [name, spoil, target] of cases) {
    it(`rejects ${name} with 400 badOrMissingField naming ${target}`, async () => {
      const body = validCreateBody(CALLBACK);
      spoil(body);
      const response = await postJson(createUrl, body, BEARER);
      expect(response.status).toBe(400);
      expectServiceError(response.body, { code: "badRequest" }, { code: "badOrMissingField", target });
    });
  }

  it("accepts an Authorization callback header as well as api-key", async () => {
    const body = validCreateBody(CALLBACK);
    body.callback = { url: CALLBACK, state: "s", headers: { Authorization: "Bearer x" } };
    expect((await postJson(createUrl, body, BEARER)).status).toBe(201);
  });

  it("rejects a body that is not JSON with 400 in the service's shape", async () => {
    const response = await fetch(createUrl, { method: "POST", headers: BEARER, body: "{" });
    expect(response.status).toBe(400);
    expectServiceError(await response.json(), { code: "badRequest" }, { code: "badOrMissingField" });
  });
});
