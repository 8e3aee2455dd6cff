// GET and HEAD /api/health through the local host, against the real emulators (HEAD as Front Door's health probe
// sends it: the status GET would answer, its headers, and no body). Each test starts its own system, so that
// none depends on what an earlier one stopped, and no answer cached by another test is read.
import type { HttpResponseInit } from "@azure/functions";
import { afterEach, describe, expect, it } from "vitest";
import { health } from "../../functions/health.js";
import { HttpRequest, InvocationContext } from "../../local/host/functionsLibrary.js";
import type { LocalSystem } from "../../local/system.js";
import { services } from "../../src/composition.js";
import { mintId } from "../../src/domain/secrets.js";
import { startTestSystem } from "../support/system.js";

let system: LocalSystem | undefined;

async function started(): Promise<LocalSystem> {
  system = await startTestSystem();
  return system;
}
afterEach(async () => {
  await system?.close();
  system = undefined;
});

describe("GET /api/health", () => {
  it("answers 200 with every check ok while the dependencies answer", async () => {
    const { urls } = await started();
    const response = await fetch(`${urls.host}/api/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: "ok",
      checks: { cosmos: "ok", serviceBus: "ok", outbox: "ok" },
    });
  });

  it("answers 503 naming Service Bus once the Service Bus emulator has stopped", async () => {
    const { urls, serviceBus } = await started();
    await serviceBus.close();
    const response = await fetch(`${urls.host}/api/health`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      status: "unavailable",
      checks: { cosmos: "ok", serviceBus: "unavailable", outbox: "ok" },
    });
  });

  it("answers 503 naming Cosmos DB once the Cosmos DB emulator has stopped", async () => {
    const { urls, cosmos } = await started();
    await cosmos.close();
    const response = await fetch(`${urls.host}/api/health`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      status: "unavailable",
      checks: { cosmos: "unavailable", serviceBus: "ok", outbox: "unavailable" },
    });
  });

  it("answers 200 degraded, with the outbox check naming the count, while share events are parked", async () => {
    const { urls } = await started();
    const database = await services().database();
    const parked = (container: string, key: Record<string, string>) =>
      database.container(container).items.create({
        id: mintId(),
        ...key,
        outbox: {
          event: { eventId: mintId(), trustId: "RTH", type: "test", occurredAt: new Date().toISOString() },
          correlationId: "corr",
          storedAt: new Date().toISOString(),
          tries: 10,
          parked: { reason: "MessageSizeExceeded", at: new Date().toISOString() },
        },
      });
    await parked("shares", { subject: `did:example:${mintId()}`, trustId: "RTH" });
    await parked("shares", { subject: `did:example:${mintId()}`, trustId: "RTH" });
    await parked("credentialRequests", { trustId: "RTH" });
    const response = await fetch(`${urls.host}/api/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: "degraded",
      checks: { cosmos: "ok", serviceBus: "ok", outbox: "3 parked" },
    });
  });

  it("reuses a recent answer instead of asking the dependencies for every request", async () => {
    const { urls, serviceBus } = await started();
    const first = await Promise.all(Array.from({ length: 20 }, () => fetch(`${urls.host}/api/health`)));
    expect(first.map((response) => response.status)).toEqual(first.map(() => 200));
    // Stopped just after an answer: within its few seconds, the cached answer is given, not a new check.
    await serviceBus.close();
    const again = await fetch(`${urls.host}/api/health`);
    expect(again.status).toBe(200);
  });
});

describe("HEAD /api/health", () => {
  it("answers 200 with GET's content type and no body while the dependencies answer", async () => {
    const { urls } = await started();
    const head = await fetch(`${urls.host}/api/health`, { method: "HEAD" });
    expect(head.status).toBe(200);
    const get = await fetch(`${urls.host}/api/health`);
    expect(get.status).toBe(200);
    expect(head.headers.get("content-type")).toBe(get.headers.get("content-type"));
    // The function itself returns no body for HEAD, whatever the host would do with one.
    const answer = (await health.options.handler(
      new HttpRequest({ method: "HEAD", url: `${urls.host}/api/health` }),
      new InvocationContext({ functionName: "health" }),
    )) as HttpResponseInit;
    expect(answer.status).toBe(200);
    expect(answer.body).toBeUndefined();
    // Only health answers HEAD; the other GET endpoints do not.
    const other = await fetch(`${urls.host}/api/trusts?search=ox`, { method: "HEAD" });
    expect(other.status).toBe(405);
    expect(other.headers.get("allow")).toBe("GET");
  });

  it("answers 503 once a dependency has stopped, as GET does", async () => {
    const { urls, serviceBus } = await started();
    await serviceBus.close();
    const head = await fetch(`${urls.host}/api/health`, { method: "HEAD" });
    expect(head.status).toBe(503);
  });
});
