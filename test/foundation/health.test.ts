// GET /api/health through the local host, against the real Cosmos DB emulator.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalSystem } from "../../local/system.js";
import { startTestSystem } from "../support/system.js";

let system: LocalSystem;

beforeAll(async () => {
  system = await startTestSystem();
});
afterAll(() => system.close());

describe("GET /api/health", () => {
  it("answers 200 with every check ok while the dependencies answer", async () => {
    const response = await fetch(`${system.urls.host}/api/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: "ok",
      checks: expect.objectContaining({ cosmos: "ok" }),
    });
  });

  it("answers 503 naming Service Bus once the Service Bus emulator has stopped", async () => {
    await system.serviceBus.close();
    const response = await fetch(`${system.urls.host}/api/health`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      status: "unavailable",
      checks: { cosmos: "ok", serviceBus: "unavailable" },
    });
  });

  it("answers 503 naming Cosmos DB once the Cosmos DB emulator has stopped", async () => {
    await system.cosmos.close();
    const response = await fetch(`${system.urls.host}/api/health`);
    expect(response.status).toBe(503);
    const body = (await response.json()) as { status: string; checks: Record<string, string> };
    expect(body.status).toBe("unavailable");
    expect(body.checks.cosmos).toBe("unavailable");
  });
});
