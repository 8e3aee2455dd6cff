// Every log line of a whole journey (trust search, login, share, recording and delivery of the share event, and
// the trust API's decisions and requests), from the host, the simulator and the demo trust alike, is searched for
// what must never be logged: claim values, session, event and trust tokens, the poll token, callback api-keys,
// the private signing key, and the reasons people write for a rejection or a decline. A standard wallet's login
// and share over OpenID4VP are searched too: its claims, the request's nonce, the encrypted responses and the
// SD-JWT presentations (their key binding JWTs among them) never reach a log line. Nor do they reach the spans and
// metrics the journeys export.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LOCAL_KEYS_FILE } from "../../src/adapters/keys/localSigningKeys.js";
import { trustAudience } from "../../src/adapters/keys/trustTokens.js";
import { apiKeyOf, bearer, logIn, present, readShare, startedShare, walletOf } from "../support/journeys.js";
import { received } from "../support/shareEvents.js";
import { useTestSystem } from "../support/suiteSystem.js";
import { call } from "../support/system.js";
import { registerTrustKey, trustKey, trustToken } from "../support/trustTokens.js";
import { until } from "../support/until.js";
import { standardWallet } from "./openid4vpWallet.js";
import { DBS, IDENTITY } from "./support.js";

const SHARED = [IDENTITY, DBS, "StaffPassportProfessionalRegistration", "StaffPassportOccupationalHealth"];

const lines: string[] = [];
const { urls, system } = useTestSystem({ log: (line) => lines.push(line), settings: { LOG_LEVEL: "debug" } });

/** Every string (and long number) inside a value: the claim values a log line must not hold. */
function leaves(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string" || typeof value === "number") out.push(String(value));
  else if (typeof value === "object" && value !== null)
    for (const child of Object.values(value)) leaves(child, out);
  return out;
}

/** The SETs the demo trust received about a share or a credential request. */
const receivedAbout = async (txn: string) =>
  (await received(system())).filter((event) => event.claims?.txn === txn);

describe("log capture of a whole journey", () => {
  it("holds no claim value, token, api-key or key in any log line", async () => {
    expect((await call(`${urls.api}/trusts?search=oxford`)).status).toBe(200);
    const login = await call<{ loginId: string; pollToken: string; url: string }>(`${urls.api}/logins`, {
      body: { trustId: "RTH" },
    });
    const loginApiKey = await apiKeyOf(urls, login.body.url);
    expect((await present(urls, "demo", login.body.url)).status).toBe(200);
    const polled = await call<{ status: string; sessionToken?: string }>(
      `${urls.api}/logins/${login.body.loginId}`,
      { headers: { "x-poll-token": login.body.pollToken } },
    );
    const session = polled.body.sessionToken ?? "";
    expect(session).not.toBe("");

    const share = await startedShare(urls, session, SHARED);
    const shareApiKey = await apiKeyOf(urls, share.url);
    expect((await present(urls, "demo", share.url)).status).toBe(200);
    expect((await readShare(urls, session, share.shareId)).body.status).toBe("shared");
    const delivered = await until(
      async () => (await receivedAbout(share.shareId)).find((event) => event.verified),
      { what: `the SET of share ${share.shareId} at the demo trust` },
    );
    const setToken = delivered.token;

    const wallet = await walletOf(urls, "demo");
    const presented = wallet.credentials.filter(
      (credential) =>
        SHARED.includes(credential.type) ||
        (credential.type === "StaffPassportAccessKey" && credential.claims.trustId === "RTH"),
    );
    // Identifiers that may be logged on purpose (trust ids, dates shared by many records) are left out; every
    // other claim value of five characters or more is searched for.
    const claimValues = [...new Set(leaves(presented.map((credential) => credential.claims)))].filter(
      (value) => value.length >= 5 && !/^\d{4}-\d{2}-\d{2}$/.test(value),
    );
    expect(claimValues.length).toBeGreaterThan(10);
    const keyFile = JSON.parse(
      await readFile(join(system().settings.LOCAL_KEYS_DIR ?? "", LOCAL_KEYS_FILE), "utf8"),
    ) as { current: { d: string } };
    const secrets: Record<string, string> = {
      "session token": session,
      "session token signature": session.split(".")[2] ?? "",
      "poll token": login.body.pollToken,
      "login api-key": loginApiKey,
      "share api-key": shareApiKey,
      "share event token": setToken,
      "share event signature": setToken.split(".")[2] ?? "",
      "private signing key": keyFile.current.d,
    };
    for (const [index, value] of claimValues.entries()) secrets[`claim value ${index}`] = value;

    expect(lines.length).toBeGreaterThan(20);
    expect(leakedInto(lines, secrets)).toEqual([]);
    expect(leakedInto(await telemetryLines(), secrets)).toEqual([]);
  });

  it("holds no trust token, rejection reason or decline reason from the trust API", async () => {
    const key = await trustKey();
    await registerTrustKey("RRK", key);
    const session = await logIn(urls, "demo", "RRK");
    const share = await startedShare(urls, session, [IDENTITY]);
    expect((await present(urls, "demo", share.url)).status).toBe(200);
    const token = await trustToken(key, "RRK", trustAudience(system().settings.SESSION_ISSUER ?? ""));
    // A trust signs a token for each call that changes something: a token is used up by the first.
    const secondToken = await trustToken(key, "RRK", trustAudience(system().settings.SESSION_ISSUER ?? ""));
    const rejection = "Surname differs from the ESR record";
    const decided = await call(`${urls.api}/trust/shares/${share.shareId}/credentials/${IDENTITY}/decision`, {
      method: "PUT",
      body: { decision: "rejected", reason: rejection },
      headers: bearer(token),
    });
    expect(decided.status).toBe(200);
    const requested = await call<{ requestId: string }>(`${urls.api}/trust/credential-requests`, {
      body: { staffId: "RRK-0457331", credentialTypes: [DBS], message: "Needed before your start date" },
      headers: bearer(secondToken),
    });
    expect(requested.status).toBe(201);
    const decline = "Waiting for my renewed certificate";
    const declined = await call(`${urls.api}/credential-requests/${requested.body.requestId}/decline`, {
      body: { reason: decline },
      headers: bearer(session),
    });
    expect(declined.status).toBe(200);
    // The decline travels as a SET to the demo trust's endpoint: its logging is only searched once it arrived.
    await until(async () => (await receivedAbout(requested.body.requestId)).find((event) => event.verified), {
      what: `the SET of the decline of ${requested.body.requestId} at the demo trust`,
    });
    expect(
      leakedInto(lines, {
        "trust token": token,
        "trust token signature": token.split(".")[2] ?? "",
        "second trust token": secondToken,
        "rejection reason": rejection,
        "decline reason": decline,
        "request message": "Needed before your start date",
      }),
    ).toEqual([]);
  });
});

describe("log capture of a standard wallet's journey", () => {
  it("holds no claim value, nonce, encrypted response or presentation of an OpenID4VP login and share", async () => {
    const wallet = await standardWallet(urls.sim);
    const person = { givenName: "Ottoline", familyName: "Brackenbury-Voss" };
    const claims = {
      accessKey: { trustId: "RTH", staffId: "RTH-7734019", ...person, jobTitle: "Theatre Practitioner" },
      identity: { ...person, dateOfBirth: "1988-02-14", verificationMethod: "Face to face at Northgate" },
      dbs: {
        certificateNumber: "009988776655",
        level: "Enhanced with adult barred list",
        workforce: "Adult workforce",
        outcome: "Certificate clear of entries",
        issuedOn: "2025-01-09",
        updateServiceSubscribed: true,
      },
    };
    await wallet.receive("StaffPassportAccessKey", claims.accessKey);
    await wallet.receive(IDENTITY, claims.identity);
    await wallet.receive(DBS, claims.dbs);

    const login = await call<{ loginId: string; pollToken: string; url: string }>(`${urls.api}/logins`, {
      body: { trustId: "RTH", protocol: "openid4vp" },
    });
    expect(login.status).toBe(201);
    const loggedIn = await wallet.answer(login.body.url);
    expect(loggedIn.body).toBe("{}");
    const polled = await call<{ status: string; sessionToken?: string }>(
      `${urls.api}/logins/${login.body.loginId}`,
      { headers: { "x-poll-token": login.body.pollToken } },
    );
    const session = polled.body.sessionToken ?? "";
    expect(session).not.toBe("");

    const share = await call<{ shareId: string; url: string }>(`${urls.api}/shares`, {
      body: { credentialTypes: [IDENTITY, DBS], protocol: "openid4vp" },
      headers: bearer(session),
    });
    expect(share.status).toBe(201);
    const shared = await wallet.answer(share.body.url);
    expect(shared.body).toBe("{}");
    expect((await readShare(urls, session, share.body.shareId)).body.status).toBe("shared");
    await until(async () => (await receivedAbout(share.body.shareId)).find((event) => event.verified), {
      what: `the SET of share ${share.body.shareId} at the demo trust`,
    });

    const claimValues = [...new Set(leaves(claims))].filter(
      (value) => value.length >= 5 && value !== "RTH" && !/^\d{4}-\d{2}-\d{2}$/.test(value),
    );
    expect(claimValues.length).toBeGreaterThan(8);
    const secrets: Record<string, string> = {
      "session token": session,
      "poll token": login.body.pollToken,
      "login nonce": loggedIn.nonce,
      "share nonce": shared.nonce,
      "login response JWE": loggedIn.jwe,
      "share response JWE": shared.jwe,
      "login response JWE ciphertext": loggedIn.jwe.split(".")[3] ?? "",
      "share response JWE ciphertext": shared.jwe.split(".")[3] ?? "",
    };
    for (const [index, presentation] of [...loggedIn.presentations, ...shared.presentations].entries()) {
      secrets[`presentation ${index}`] = presentation;
      // The issuer's signature and the key binding JWT's, which a log of any part of the presentation would hold.
      secrets[`presentation ${index} issuer signature`] = presentation.split("~")[0]?.split(".")[2] ?? "";
      secrets[`presentation ${index} key binding JWT`] = presentation.slice(
        presentation.lastIndexOf("~") + 1,
      );
      for (const [disclosure, text] of presentation.split("~").slice(1, -1).entries()) {
        secrets[`presentation ${index} disclosure ${disclosure}`] = text;
      }
    }
    for (const [index, value] of claimValues.entries()) secrets[`claim value ${index}`] = value;
    expect(leakedInto(lines, secrets)).toEqual([]);
    expect(leakedInto(await telemetryLines(), secrets)).toEqual([]);
  });
});

/**
 * Every span the journey exported (name, attributes, status) and every metric point with its labels, one JSON line
 * each: what would reach Application Insights or an OTLP collector.
 */
async function telemetryLines(): Promise<string[]> {
  const telemetry = system().telemetry;
  if (telemetry === undefined) throw new Error("telemetry is off; this test reads what it exports");
  const spans = telemetry.allSpans().map((span) => JSON.stringify(span));
  const { scopeMetrics } = await telemetry.collectMetrics();
  const points = scopeMetrics.flatMap((scope) =>
    scope.metrics.flatMap((metric) =>
      (metric.dataPoints as { attributes: unknown; value: unknown }[]).map((point) =>
        JSON.stringify({ name: metric.descriptor.name, attributes: point.attributes, value: point.value }),
      ),
    ),
  );
  expect(spans.length).toBeGreaterThan(10);
  expect(points.length).toBeGreaterThan(3);
  return [...spans, ...points];
}

/** The secrets found in some line, with the line's start. */
function leakedInto(lines: readonly string[], secrets: Record<string, string>): string[] {
  return Object.entries(secrets).flatMap(([name, secret]) => {
    expect(secret.length, name).toBeGreaterThan(4);
    const line = lines.find((candidate) => candidate.includes(secret));
    return line === undefined ? [] : [`${name} in: ${line.slice(0, 200)}`];
  });
}
