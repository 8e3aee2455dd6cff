// A trust document that does not have the shape the service writes (an operator's typo in Data Explorer) is a
// logged 503 for the portal and a `failed` login for a callback, never a TypeError answered with 500.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalSystem } from "../../local/system.js";
import { services } from "../../src/composition.js";
import { present } from "../support/journeys.js";
import { call, correlationIdOf, startTestSystem } from "../support/system.js";

let system: LocalSystem;
let api = "";
let sim = "";
const lines: string[] = [];

beforeAll(async () => {
  // These tests edit trust documents in the container, as an operator does, and expect the next request to see
  // the edit, so the instance keeps no trust document.
  system = await startTestSystem({ log: (line) => lines.push(line), settings: { TRUST_CACHE_SECONDS: "0" } });
  api = `${system.urls.host}/api`;
  sim = system.urls.verifiedId;
});
afterAll(() => system?.close());

const trusts = async () => (await services().database()).container("trusts");

/** Writes a copy of a seeded trust under a new id, changed by `damage`. */
async function brokenTrust(id: string, damage: (trust: Record<string, unknown>) => void): Promise<void> {
  const { resource } = await (await trusts()).item("RTH", "RTH").read<Record<string, unknown>>();
  const copy: Record<string, unknown> = { ...resource, id };
  for (const field of ["_etag", "_rid", "_ts", "_self", "_attachments"]) delete copy[field];
  damage(copy);
  await (await trusts()).items.upsert(copy);
}

describe("trust documents read from the directory", () => {
  it("answers a login for a trust without issuerDids with a logged 503 problem", async () => {
    await brokenTrust("RZZ1", (trust) => {
      delete trust.issuerDids;
    });
    const response = await fetch(`${api}/logins`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ trustId: "RZZ1" }),
    });
    expect(response.status).toBe(503);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    const correlationId = correlationIdOf(response);
    const logged = lines.filter((line) => line.includes(correlationId) && line.includes('"level":"error"'));
    expect(logged.join("\n")).toContain("TrustDocumentInvalid");
    expect(logged.join("\n")).toContain("RZZ1");
  });

  it("answers a trust search that meets a document without a name with a 503 problem", async () => {
    await brokenTrust("RZZ2", (trust) => {
      delete trust.name;
    });
    const response = await call(`${api}/trusts?search=RZZ2`);
    expect(response.status).toBe(503);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
  });

  it("fails a login whose trust document went bad before the presentation arrived", async () => {
    // The demo wallet holds an access key for RTH, so the login is for RTH, whose document is broken between
    // the QR code and the presentation, and restored afterwards.
    const started = await call<{ loginId: string; pollToken: string; url: string }>(`${api}/logins`, {
      body: { trustId: "RTH" },
    });
    expect(started.status).toBe(201);
    const { resource: original } = await (await trusts()).item("RTH", "RTH").read<Record<string, unknown>>();
    try {
      await (await trusts()).items.upsert({ ...original, issuerDids: "did:web:not-a-list" });
      expect((await present({ api, sim }, "demo", started.body.url)).status).toBe(200);
      const polled = await call<{ status: string; error?: { code: string } }>(
        `${api}/logins/${started.body.loginId}`,
        { headers: { "x-poll-token": started.body.pollToken } },
      );
      expect(polled.body).toMatchObject({ status: "failed", error: { code: "trust_invalid" } });
    } finally {
      await (await trusts()).items.upsert(original ?? {});
    }
  });
});
