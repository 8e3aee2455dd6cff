// Every refused authentication leaves a warning in the log (its code, the trust the caller claims, the route and
// the client's address), and never the token or api-key that was refused: a refused trust token, a refused
// session token and a refused callback, through the local host with the log captured. A refusal is answered
// without waiting for its audit entry, which is written once the answer has gone.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { trustAudience } from "../../src/adapters/keys/trustTokens.js";
import { auditRecorder, refusalRecorder } from "../../src/app/audit.js";
import { services } from "../../src/composition.js";
import { mintId } from "../../src/domain/secrets.js";
import { processLogger } from "../../src/log.js";
import { bearer, logIn, requestIdOf } from "../support/journeys.js";
import { heldTrail } from "../support/memoryPorts.js";
import { useTestSystem } from "../support/suiteSystem.js";
import { call } from "../support/system.js";
import { registerTrustKey, trustKey, trustToken } from "../support/trustTokens.js";

const FRONT_DOOR_ID = randomUUID();

const lines: string[] = [];
const { urls, system } = useTestSystem({ log: (line) => lines.push(line), settings: { FRONT_DOOR_ID } });

const viaFrontDoor = (address: string) => ({ "x-azure-fdid": FRONT_DOOR_ID, "x-azure-socketip": address });

/** The warnings of refused authentications logged so far, as the objects the service wrote. */
function refusals(): Record<string, unknown>[] {
  return lines
    .filter((line) => line.includes('"authentication refused"'))
    .map((line) => JSON.parse(line.slice(line.indexOf("{"))) as Record<string, unknown>);
}

/** The secrets found in some log line, by name. */
function leaked(secrets: Record<string, string>): string[] {
  return Object.entries(secrets).flatMap(([name, secret]) => {
    expect(secret.length, name).toBeGreaterThan(8);
    return lines.some((line) => line.includes(secret)) ? [name] : [];
  });
}

describe("refused authentications in the log", () => {
  it("logs a refused trust token with the trust it claims, the route and the address, and not the token", async () => {
    await registerTrustKey("RRK", await trustKey());
    // Signed with a key RRK never registered.
    const token = await trustToken(
      await trustKey(),
      "RRK",
      trustAudience(system().settings.SESSION_ISSUER ?? ""),
    );
    const refused = await call(`${urls.api}/trust/credential-requests/${mintId()}`, {
      headers: { ...bearer(token), ...viaFrontDoor("198.51.100.11") },
    });
    expect(refused.status).toBe(401);
    expect(refusals()).toContainEqual(
      expect.objectContaining({
        level: "warn",
        errorCode: "invalid_trust_token",
        claimedTrust: "RRK",
        route: "api/trust/credential-requests/{requestId}",
        clientAddress: "198.51.100.11",
      }),
    );
    expect(leaked({ token, signature: token.split(".")[2] ?? "" })).toEqual([]);
  });

  it("logs a refused session token with the trust it claims, and not the token", async () => {
    const session = await logIn(urls, "demo", "RTH");
    const other = await logIn(urls, "demo", "RJ1");
    // The claims of a genuine session with another session's signature.
    const [header, payload] = session.split(".");
    const forged = `${header}.${payload}.${other.split(".")[2]}`;
    const refused = await call(`${urls.api}/shares`, {
      headers: { ...bearer(forged), ...viaFrontDoor("198.51.100.12") },
    });
    expect(refused.status).toBe(401);
    expect(refusals()).toContainEqual(
      expect.objectContaining({
        level: "warn",
        errorCode: "invalid_session",
        claimedTrust: "RTH",
        route: "api/shares",
        clientAddress: "198.51.100.12",
      }),
    );
    expect(leaked({ forged, session, other, signature: other.split(".")[2] ?? "" })).toEqual([]);
  });

  it("logs a refused callback with no trust claimed, and not the api-key", async () => {
    const login = await call<{ url: string }>(`${urls.api}/logins`, { body: { trustId: "RTH" } });
    const requestId = requestIdOf(login.body.url);
    const held = await call<{ body: { callback: { url: string; state: string } } }>(
      `${urls.sim}/control/requests/${requestId}`,
    );
    const apiKey = `wrong-${randomUUID()}`;
    const refused = await call(held.body.body.callback.url, {
      body: { requestId, requestStatus: "request_retrieved", state: held.body.body.callback.state },
      headers: { "api-key": apiKey, ...viaFrontDoor("198.51.100.13") },
    });
    expect(refused.status).toBe(401);
    const logged = refusals().find((refusal) => refusal.clientAddress === "198.51.100.13");
    expect(logged).toMatchObject({
      level: "warn",
      errorCode: "invalid_callback",
      route: "api/verifiedid/callback/{state}",
    });
    expect(logged).not.toHaveProperty("claimedTrust", expect.anything());
    expect(leaked({ apiKey })).toEqual([]);
  });
});

describe("refused authentications in the audit trail", () => {
  it("answers a refused session token's 401 while its audit entry is held back, and has the entry once settled", async () => {
    const session = await logIn(urls, "demo", "RTH");
    const [header, payload, signature] = session.split(".");
    const forged = `${header}.${payload}.${signature?.split("").reverse().join("")}`;
    const correlationId = `refusal-${mintId()}`;
    const written = async () =>
      (await services().auditTrail.byTrust("RTH")).filter((entry) => entry.correlationId === correlationId);

    const real = services().refusals;
    const held = heldTrail(services().auditTrail);
    const log = processLogger({ component: "audit" });
    const refusals = refusalRecorder(
      auditRecorder(held.trail, () => new Date(), log),
      () => new Date(),
      log,
    );
    services().refusals = refusals;
    try {
      const refused = await call(`${urls.api}/shares`, {
        headers: { ...bearer(forged), "x-correlation-id": correlationId, ...viaFrontDoor("198.51.100.14") },
      });
      expect(refused.status).toBe(401);
      // The answer came while the write had begun and was still held.
      expect(held.started()).toBe(1);
      expect(await written()).toEqual([]);
      held.open();
      await refusals.settled();
      expect(await written()).toEqual([
        expect.objectContaining({
          action: "auth.refused",
          actor: "anonymous",
          trustId: "RTH",
          code: "invalid_session",
          route: "GET /api/shares",
          clientAddress: "198.51.100.14",
        }),
      ]);
    } finally {
      held.open();
      await refusals.settled();
      services().refusals = real;
    }
  });
});
