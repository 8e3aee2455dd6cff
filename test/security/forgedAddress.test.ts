// A client cannot dodge the per-client limits by writing the headers they are keyed on: x-forwarded-for hops it
// wrote are never read, and Front Door's X-Azure-SocketIP counts only with this deployment's X-Azure-FDID. A spray of
// forged values lands in the sprayer's own bucket, so it cannot push genuine clients' buckets out of the limiter's
// bounded memory either. Through the local host, which appends the socket's address as the platform's front end does.
import { randomUUID } from "node:crypto";
import type { HttpResponseInit } from "@azure/functions";
import { describe, expect, it } from "vitest";
import { health as healthFunction } from "../../functions/health.js";
import { HttpRequest, InvocationContext } from "../../local/host/functionsLibrary.js";
import { useTestSystem } from "../support/suiteSystem.js";
import { call } from "../support/system.js";

const FRONT_DOOR_ID = randomUUID();
/** The limiter's memory bound (src/http/rateLimit.ts): a spray past it would push out older buckets. */
const MAX_CLIENTS = 10_000;

const { urls } = useTestSystem({
  settings: { RATE_LIMIT_LOGINS_PER_MINUTE: "3", RATE_LIMIT_ANONYMOUS_PER_MINUTE: "3", FRONT_DOOR_ID },
});

const viaFrontDoor = (address: string, frontDoorId = FRONT_DOOR_ID) => ({
  "x-azure-fdid": frontDoorId,
  "x-azure-socketip": address,
});
const startLogin = (headers: Record<string, string>) =>
  call(`${urls.api}/logins`, { body: { trustId: "RTH" }, headers });
const health = (headers: Record<string, string>) =>
  fetch(`${urls.api}/health`, { method: "HEAD", headers }).then((response) => response.status);

describe("forged client addresses", () => {
  it("limits a client that writes a new x-forwarded-for on every request by the address the platform adds", async () => {
    const statuses = [];
    for (let i = 1; i <= 4; i++) {
      statuses.push((await startLogin({ "x-forwarded-for": `192.0.2.${i}, 198.18.0.${i}` })).status);
    }
    expect(statuses).toEqual([201, 201, 201, 429]);
  });

  it("limits a client behind Front Door by its socket's address, whatever X-Azure-ClientIP or x-forwarded-for says", async () => {
    const statuses = [];
    for (let i = 1; i <= 4; i++) {
      const forged = { "x-azure-clientip": `192.0.2.${i}`, "x-forwarded-for": `192.0.2.${i}` };
      statuses.push((await startLogin({ ...forged, ...viaFrontDoor("198.51.100.60") })).status);
    }
    expect(statuses).toEqual([201, 201, 201, 429]);
  });

  it("reads X-Azure-SocketIP only with this deployment's X-Azure-FDID", async () => {
    // Another Front Door profile's id, or none: the forged socket addresses are ignored and the socket counts.
    const statuses = [];
    for (let i = 1; i <= 4; i++) {
      const forged =
        i % 2 === 0
          ? viaFrontDoor(`198.51.100.${70 + i}`, randomUUID())
          : { "x-azure-socketip": `198.51.100.${70 + i}` };
      statuses.push(await health(forged));
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
  });

  it("keeps a genuine client's spent bucket through a spray of more forged addresses than the limiter holds", async () => {
    const genuine = viaFrontDoor("198.51.100.90");
    for (let i = 0; i < 3; i++) expect(await health(genuine)).toBe(200);
    expect(await health(genuine)).toBe(429);
    // The sprayer comes through Front Door from one address and forges everything else it can write. Its requests
    // go straight to the function's handler, as the host would hand them over: over HTTP, ten thousand of them
    // would take longer than the genuine client's bucket takes to refill.
    const sprayed: number[] = [];
    for (let i = 0; i <= MAX_CLIENTS; i++) {
      const forged = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      const request = new HttpRequest({
        method: "HEAD",
        url: `${urls.api}/health`,
        headers: {
          ...viaFrontDoor("203.0.113.200"),
          "x-azure-clientip": forged,
          "x-forwarded-for": `${forged}, 127.0.0.1`,
        },
      });
      const context = new InvocationContext({ functionName: "health", logHandler: () => {} });
      const response = (await healthFunction.options.handler(request, context)) as HttpResponseInit;
      sprayed.push(response.status ?? 200);
    }
    expect(sprayed.filter((status) => status === 200).length).toBe(3);
    // Had each forged value had a bucket of its own, the genuine client's would have been pushed out and refilled.
    expect(await health(genuine)).toBe(429);
  });
});
