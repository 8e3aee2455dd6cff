// The limits on calls that cost something, through the local host against the real emulators: shares and declines
// per staff member (the session's subject), every trust API call per trust, and callbacks refused as
// unauthenticated per source address. Each answers 429 problem+json with Retry-After, and holds back no one else.
// Sources are told apart as Front Door would tell them (X-Azure-SocketIP with the configured X-Azure-FDID).
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalSystem } from "../../local/system.js";
import { trustAudience } from "../../src/adapters/keys/trustTokens.js";
import { mintId } from "../../src/domain/secrets.js";
import { bearer, logIn, requestIdOf, type Urls } from "../support/journeys.js";
import { call, type JsonResponse, startTestSystem } from "../support/system.js";
import { registerTrustKey, type TrustKey, trustKey, trustToken } from "../support/trustTokens.js";

const FRONT_DOOR_ID = randomUUID();
const IDENTITY = "StaffPassportIdentity";

let system: LocalSystem;
let urls: Urls;
const sessions = { demoRth: "", demoRrk: "", partialRth: "" };
const keys: Record<"RRK" | "RJ1", TrustKey | undefined> = { RRK: undefined, RJ1: undefined };

beforeAll(async () => {
  system = await startTestSystem({
    settings: {
      RATE_LIMIT_SHARES_PER_MINUTE: "2",
      RATE_LIMIT_DECLINES_PER_MINUTE: "2",
      RATE_LIMIT_TRUST_PER_MINUTE: "3",
      RATE_LIMIT_FAILED_CALLBACKS_PER_MINUTE: "2",
      FRONT_DOOR_ID,
    },
  });
  urls = { api: `${system.urls.host}/api`, sim: system.urls.verifiedId };
  sessions.demoRth = await logIn(urls, "demo", "RTH");
  sessions.demoRrk = await logIn(urls, "demo", "RRK");
  sessions.partialRth = await logIn(urls, "partial", "RTH");
  for (const trustId of ["RRK", "RJ1"] as const) {
    const key = await trustKey();
    await registerTrustKey(trustId, key);
    keys[trustId] = key;
  }
}, 60_000);
afterAll(() => system?.close());

/** Headers of a request that came through this deployment's Front Door from that address. */
const viaFrontDoor = (address: string) => ({ "x-azure-fdid": FRONT_DOOR_ID, "x-azure-socketip": address });

function expectRateLimited(response: JsonResponse<unknown>): void {
  expect(response.status).toBe(429);
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  expect(response.body).toMatchObject({ status: 429, type: "urn:nhs:staff-passport:problem:rate_limited" });
  const retryAfter = Number(response.headers.get("retry-after"));
  expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
}

const share = (session: string) =>
  call(`${urls.api}/shares`, { body: { credentialTypes: [IDENTITY] }, headers: bearer(session) });

const decline = (session: string) =>
  call(`${urls.api}/credential-requests/${mintId()}/decline`, {
    body: { reason: "Not needed for this role" },
    headers: bearer(session),
  });

async function readAsTrust(trustId: "RRK" | "RJ1") {
  const key = keys[trustId];
  if (key === undefined) throw new Error(`no key registered for ${trustId}`);
  const token = await trustToken(key, trustId, trustAudience(system.settings.SESSION_ISSUER ?? ""));
  return call(`${urls.api}/trust/credential-requests/${mintId()}`, { headers: bearer(token) });
}

/** A login's presentation request as Verified ID holds it: where its callbacks go, their state and api-key. */
async function callbackTarget() {
  const login = await call<{ url: string }>(`${urls.api}/logins`, { body: { trustId: "RTH" } });
  expect(login.status).toBe(201);
  const requestId = requestIdOf(login.body.url);
  const held = await call<{
    body: { callback: { url: string; state: string; headers: Record<string, string> } };
  }>(`${urls.sim}/control/requests/${requestId}`);
  const { url, state, headers } = held.body.body.callback;
  return {
    url,
    apiKey: headers["api-key"] ?? "",
    body: { requestId, requestStatus: "request_retrieved", state },
  };
}

describe("limits per staff member", () => {
  it("answers 429 to a staff member's shares over the limit, in any of their sessions, and to no one else", async () => {
    expect([(await share(sessions.demoRth)).status, (await share(sessions.demoRth)).status]).toEqual([
      201, 201,
    ]);
    expectRateLimited(await share(sessions.demoRth));
    // The same person logged in at another trust is the same subject.
    expectRateLimited(await share(sessions.demoRrk));
    expect((await share(sessions.partialRth)).status).toBe(201);
  });

  it("answers 429 to a staff member's declines over the limit, and to no one else", async () => {
    expect([
      (await decline(sessions.partialRth)).status,
      (await decline(sessions.partialRth)).status,
    ]).toEqual([404, 404]);
    expectRateLimited(await decline(sessions.partialRth));
    expect((await decline(sessions.demoRth)).status).toBe(404);
  });
});

describe("limits per trust", () => {
  it("answers 429 to a trust's calls over the limit, and to no other trust", async () => {
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await readAsTrust("RRK")).status);
    expect(statuses).toEqual([404, 404, 404]);
    expectRateLimited(await readAsTrust("RRK"));
    expect((await readAsTrust("RJ1")).status).toBe(404);
  });
});

describe("limits on failed callback authentications", () => {
  it("refuses a source's callbacks with 429 once its failed authentications are over the limit, and only that source's", async () => {
    const target = await callbackTarget();
    const attempt = (source: string, apiKey: string) =>
      call(target.url, { body: target.body, headers: { "api-key": apiKey, ...viaFrontDoor(source) } });
    const wrong = "not-the-api-key";
    expect([
      (await attempt("198.51.100.30", wrong)).status,
      (await attempt("198.51.100.30", wrong)).status,
    ]).toEqual([401, 401]);
    expectRateLimited(await attempt("198.51.100.30", wrong));
    // Refused before the key is looked at: the right key from that source waits too.
    expectRateLimited(await attempt("198.51.100.30", target.apiKey));
    expect((await attempt("198.51.100.31", wrong)).status).toBe(401);
    expect((await attempt("198.51.100.32", target.apiKey)).status).toBe(200);
  });

  it("never counts callbacks that authenticate", async () => {
    const target = await callbackTarget();
    const attempt = (apiKey: string) =>
      call(target.url, {
        body: target.body,
        headers: { "api-key": apiKey, ...viaFrontDoor("198.51.100.40") },
      });
    const genuine = [];
    for (let i = 0; i < 4; i++) genuine.push((await attempt(target.apiKey)).status);
    expect(genuine).toEqual([200, 200, 200, 200]);
    const wrong = "not-the-api-key";
    expect([(await attempt(wrong)).status, (await attempt(wrong)).status]).toEqual([401, 401]);
    expectRateLimited(await attempt(wrong));
  });
});
