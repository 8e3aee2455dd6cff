// Anonymous endpoints are limited per client address (the last x-forwarded-for hop, which the platform's front end
// appends, here the socket's address; or Front Door's socket address when it carries the configured id), so that a
// flood of POST /api/logins cannot spend the tenant's Verified ID quota: 429 problem+json with Retry-After.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalSystem } from "../../local/system.js";
import { call, startTestSystem } from "../support/system.js";

const FRONT_DOOR_ID = randomUUID();

let system: LocalSystem;
let api = "";

beforeAll(async () => {
  system = await startTestSystem({
    settings: { RATE_LIMIT_LOGINS_PER_MINUTE: "3", RATE_LIMIT_ANONYMOUS_PER_MINUTE: "5", FRONT_DOOR_ID },
  });
  api = `${system.urls.host}/api`;
});
afterAll(() => system?.close());

/** Headers of a request that came through this deployment's Front Door from that address. */
const viaFrontDoor = (address: string) => ({ "x-azure-fdid": FRONT_DOOR_ID, "x-azure-socketip": address });

const startLogin = (headers?: Record<string, string>) =>
  call(`${api}/logins`, { body: { trustId: "RTH" }, ...(headers ? { headers } : {}) });

describe("per-client rate limits", () => {
  it("answers 429 problem+json with Retry-After once a client has spent its logins, and only that client", async () => {
    const client = viaFrontDoor("198.51.100.7");
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await startLogin(client)).status);
    expect(statuses).toEqual([201, 201, 201]);
    const refused = await startLogin(client);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("content-type")).toBe("application/problem+json");
    expect(refused.body).toMatchObject({ status: 429, type: "urn:nhs:staff-passport:problem:rate_limited" });
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
    // Another client is not held back by the first one's flood.
    expect((await startLogin(viaFrontDoor("198.51.100.8"))).status).toBe(201);
  });

  it("limits a client without Front Door's headers by its socket's address", async () => {
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await startLogin()).status);
    expect(statuses).toEqual([201, 201, 201, 429]);
  });

  it("limits the other anonymous endpoints with their own, larger budget", async () => {
    const headers = viaFrontDoor("203.0.113.50");
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await call(`${api}/trusts?search=ox`, { headers })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    // Logins keep their own budget.
    expect((await startLogin(headers)).status).toBe(201);
  });
});
