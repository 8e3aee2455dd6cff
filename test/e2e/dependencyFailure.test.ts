// What the portal and Verified ID see when Cosmos DB stops answering: 503 problem+json, never a half-done change.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalSystem } from "../../local/system.js";
import { call, startTestSystem } from "../support/system.js";

let system: LocalSystem;
let api = "";
let started: { loginId: string; url: string };
let apiKey = "";

beforeAll(async () => {
  system = await startTestSystem();
  api = `${system.urls.host}/api`;
  started = (await call<{ loginId: string; url: string }>(`${api}/logins`, { body: { trustId: "RTH" } }))
    .body;
  const requestId = new URL(new URL(started.url).searchParams.get("request_uri") ?? "").pathname
    .split("/")
    .pop();
  const { body } = await call<{ body: { callback: { headers: Record<string, string> } } }>(
    `${system.urls.verifiedId}/control/requests/${requestId}`,
  );
  apiKey = body.body.callback.headers["api-key"] ?? "";
  await system.cosmos.close();
});
afterAll(() => system.close());

describe("with Cosmos DB down", () => {
  it("answers a callback with 503 problem+json so that Verified ID retries it", async () => {
    const requestId = new URL(new URL(started.url).searchParams.get("request_uri") ?? "").pathname
      .split("/")
      .pop();
    const response = await call<{ status: number; detail: string }>(
      `${api}/verifiedid/callback/${started.loginId}`,
      {
        body: { requestId, requestStatus: "request_retrieved", state: started.loginId },
        headers: { "api-key": apiKey },
      },
    );
    expect(response.status).toBe(503);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(response.body.detail).not.toMatch(/stack|ECONNREFUSED|at /);
  }, 60_000);

  it("answers a new login with 503 rather than a session that was never stored", async () => {
    const response = await call<{ status: number }>(`${api}/logins`, { body: { trustId: "RTH" } });
    expect(response.status).toBe(503);
  }, 60_000);
});
