// HEAD /api/health through the local host, as Front Door's health probe sends it: the status GET would answer, its
// headers, and no body; each test starts its own system, so that no answer cached by another test is read.
import type { HttpResponseInit } from "@azure/functions";
import { afterEach, describe, expect, it } from "vitest";
import { health } from "../../functions/health.js";
import { HttpRequest, InvocationContext } from "../../local/host/functionsLibrary.js";
import type { LocalSystem } from "../../local/system.js";
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
