// Access keys end to end (API.md section 10): the local host over HTTP with the Cosmos DB emulator and the Verified
// ID simulator. RRK's system issues a key with its own registered trust key, the demo wallet accepts it with the
// PIN, the person logs in with it, RRK revokes it, and logins with it are refused as credential_revoked.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { LocalSystem } from "../../local/system.js";
import { trustAudience } from "../../src/adapters/keys/trustTokens.js";
import { services } from "../../src/composition.js";
import { bearer, requestIdOf, scan, type Urls } from "../support/journeys.js";
import { call, startTestSystem } from "../support/system.js";
import { registerTrustKey, type TrustKey, trustKey, trustToken } from "../support/trustTokens.js";
import { until } from "../support/until.js";

const ACCESS_KEY = "StaffPassportAccessKey";

type Offered = {
  accessKeyId: string;
  staffId: string;
  status: string;
  url: string;
  qrCode: string;
  pin: string;
  expiresAt: string;
};
type Listed = { accessKeys: { accessKeyId: string; status: string; error?: { code: string } }[] };
type Accepted = { credentialId: string; requestStatus: string };

let system: LocalSystem;
let urls: Urls;
const keys: Record<"RRK" | "RJ1", TrustKey | undefined> = { RRK: undefined, RJ1: undefined };

beforeAll(async () => {
  system = await startTestSystem();
  urls = { api: `${system.urls.host}/api`, sim: system.urls.verifiedId };
  for (const trustId of ["RRK", "RJ1"] as const) {
    const key = await trustKey();
    await registerTrustKey(trustId, key);
    keys[trustId] = key;
  }
}, 60_000);
afterAll(() => system?.close());

/** A call to the trust API as the trust's system, with a fresh one-use token. */
async function asTrust<T = Record<string, unknown>>(
  trustId: "RRK" | "RJ1",
  path: string,
  init: { method?: string; body?: unknown; now?: Date } = {},
) {
  const key = keys[trustId];
  if (key === undefined) throw new Error(`no key for ${trustId}`);
  const audience = trustAudience(system.settings.SESSION_ISSUER ?? "");
  const token = await trustToken(key, trustId, audience, init.now === undefined ? {} : { now: init.now });
  const { now: _now, ...rest } = init;
  return call<T>(`${urls.api}${path}`, { ...rest, headers: bearer(token) });
}

let staffCounter = 0;
/** A staff id no other test uses, so that each test lists only its own keys. */
const newStaffId = () => `RRK-${process.pid}-${Date.now()}-${++staffCounter}`;

const person = (staffId: string) => ({
  staffId,
  givenName: "Mary",
  familyName: "Seacole",
  jobTitle: "Staff Nurse",
});

async function offer(staffId: string): Promise<Offered> {
  const offered = await asTrust<Offered>("RRK", "/trust/access-keys", { body: person(staffId) });
  expect(offered.status).toBe(201);
  return offered.body;
}

const accept = (url: string, pin: string) =>
  call<Accepted>(`${urls.sim}/wallet/wallets/demo/accept`, { body: { url, pin } });

const listed = async (staffId: string, now?: Date) =>
  (
    await asTrust<Listed>("RRK", `/trust/access-keys?staffId=${encodeURIComponent(staffId)}`, {
      ...(now === undefined ? {} : { now }),
    })
  ).body.accessKeys;

async function statusOf(staffId: string, accessKeyId: string): Promise<string | undefined> {
  return (await listed(staffId)).find((key) => key.accessKeyId === accessKeyId)?.status;
}

/** An issued access key in the demo wallet: its id, and the wallet's id of the credential. */
async function issued(staffId: string): Promise<{ accessKeyId: string; credentialId: string }> {
  const offered = await offer(staffId);
  const accepted = await accept(offered.url, offered.pin);
  expect(accepted.status).toBe(200);
  await until(async () => ((await statusOf(staffId, offered.accessKeyId)) === "issued" ? true : undefined));
  return { accessKeyId: offered.accessKeyId, credentialId: accepted.body.credentialId };
}

type Started = { loginId: string; pollToken: string; url: string };

async function startLogin(): Promise<Started> {
  const started = await call<Started>(`${urls.api}/logins`, { body: { trustId: "RRK" } });
  expect(started.status).toBe(201);
  return started.body;
}

/** Presents the chosen access key (the demo wallet also holds the seed's RRK key) and waits for the outcome. */
async function presentAndPoll(started: Started, credentialId: string) {
  const presented = await call(`${urls.sim}/wallet/wallets/demo/present`, {
    body: { requestId: requestIdOf(started.url), choose: { [ACCESS_KEY]: credentialId } },
  });
  expect(presented.status).toBe(200);
  return until(async () => {
    const polled = await call<{ status: string; error?: { code: string }; sessionToken?: string }>(
      `${urls.api}/logins/${started.loginId}`,
      { headers: { "x-poll-token": started.pollToken } },
    );
    return polled.body.status === "pending" || polled.body.status === "scanned" ? undefined : polled.body;
  });
}

describe("issuing an access key", () => {
  it("asks Verified ID with Microsoft's issuance body, and the key the wallet accepts with the PIN logs in", async () => {
    const staffId = newStaffId();
    const offered = await offer(staffId);
    expect(offered).toMatchObject({
      staffId,
      status: "offered",
      url: expect.stringMatching(/^openid-vc:\/\//),
    });
    expect(offered.pin).toMatch(/^[0-9]{6}$/);
    expect(offered.qrCode).toMatch(/^data:image\/png;base64,/);

    // What the Request Service received: exactly Microsoft's fields, with the staff claims the login reads.
    const asked = await call<{ body: Record<string, unknown> }>(
      `${urls.sim}/control/issuance-requests/${requestIdOf(offered.url)}`,
    );
    const trust = await services().trusts.get("RRK");
    expect(Object.keys(asked.body.body).sort()).toEqual(
      [
        "authority",
        "callback",
        "claims",
        "expirationDate",
        "includeQRCode",
        "manifest",
        "pin",
        "registration",
        "type",
      ].sort(),
    );
    expect(asked.body.body).toMatchObject({
      authority: trust?.issuerDids[0],
      registration: { clientName: trust?.name },
      type: ACCESS_KEY,
      manifest: trust?.accessKeyManifest,
      pin: { value: offered.pin, length: 6 },
      claims: { ...person(staffId), trustId: "RRK", accessKeyId: offered.accessKeyId },
    });
    // Nothing the service stored holds the PIN.
    const stored = await services().accessKeys.get("RRK", offered.accessKeyId);
    expect(JSON.stringify(stored)).not.toContain(offered.pin);

    const accepted = await accept(offered.url, offered.pin);
    expect(accepted.status).toBe(200);
    await until(async () => ((await statusOf(staffId, offered.accessKeyId)) === "issued" ? true : undefined));

    const login = await presentAndPoll(await startLogin(), accepted.body.credentialId);
    expect(login.status).toBe("verified");
    expect(login.sessionToken).toEqual(expect.any(String));
  });

  it("leaves the offer offered after a wrong PIN, which the wallet refuses", async () => {
    const staffId = newStaffId();
    const offered = await offer(staffId);
    const wrong = offered.pin === "000000" ? "111111" : "000000";
    const refused = await accept(offered.url, wrong);
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: "pinInvalid" });
    expect(await statusOf(staffId, offered.accessKeyId)).toBe("offered");
  });

  it("lists an offer nobody accepted before it ended as expired, and its late acceptance changes nothing", async () => {
    const staffId = newStaffId();
    const offered = await offer(staffId);
    expect(
      (
        await call(`${urls.sim}/control/issuance-requests/${requestIdOf(offered.url)}/expire`, {
          method: "POST",
        })
      ).status,
    ).toBe(204);
    expect((await accept(offered.url, offered.pin)).status).toBe(410);
    // The service's own clock passes the offer's end; only Date is faked, and only for this one call.
    const later = new Date(Date.parse(offered.expiresAt) + 1000);
    vi.useFakeTimers({ toFake: ["Date"], now: later });
    try {
      const keysLater = await listed(staffId, later);
      expect(keysLater.map((key) => [key.accessKeyId, key.status])).toEqual([
        [offered.accessKeyId, "expired"],
      ]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("refuses a bad body with 400 and stores nothing", async () => {
    const staffId = newStaffId();
    for (const body of [
      { ...person(staffId), givenName: "" },
      { ...person(staffId), jobTitle: undefined },
      { ...person(staffId), pin: "123456" },
      { ...person(staffId), staffId: "has space" },
    ]) {
      const refused = await asTrust("RRK", "/trust/access-keys", { body });
      expect(refused.status).toBe(400);
      expect(refused.headers.get("content-type")).toContain("application/problem+json");
    }
    expect(await listed(staffId)).toEqual([]);
  });
});

describe("a trust without an access key manifest", () => {
  it("is told with 409 that an operator must set one, and nothing is stored", async () => {
    const key = await trustKey();
    const trust = await services().trusts.get("R0A");
    if (trust === undefined) throw new Error("the seed has no R0A");
    const { jwksUri: _uri, accessKeyManifest: _manifest, ...rest } = trust;
    await services().trusts.upsertAll([{ ...rest, jwks: { keys: [key.jwk as never] } }]);
    const audience = trustAudience(system.settings.SESSION_ISSUER ?? "");
    const staffId = `R0A-${Date.now()}`;
    const refused = await call(`${urls.api}/trust/access-keys`, {
      body: { ...person(staffId) },
      headers: bearer(await trustToken(key, "R0A", audience)),
    });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ detail: expect.stringContaining("accessKeyManifest") });
    const keys = await services().accessKeys.listFor("R0A", staffId, 10);
    expect(keys).toEqual([]);
  });
});

describe("the issuance callbacks", () => {
  it("mark a key whose issuance failed as failed with Verified ID's code; a repeated callback changes nothing", async () => {
    const staffId = newStaffId();
    const offered = await offer(staffId);
    const failed = await call(`${urls.sim}/wallet/wallets/demo/accept`, {
      body: { url: offered.url, pin: offered.pin, outcome: "error" },
    });
    expect(failed.status).toBe(200);
    const key = await until(async () => {
      const found = (await listed(staffId)).find(
        (listedKey) => listedKey.accessKeyId === offered.accessKeyId,
      );
      return found?.status === "failed" ? found : undefined;
    });
    expect(key.error).toMatchObject({ code: "issuance_service_error" });

    // Verified ID calls back again, as it may: the same key, the request's own URL, a success this time.
    const asked = await call<{
      body: { callback: { url: string; state: string; headers: Record<string, string> } };
    }>(`${urls.sim}/control/issuance-requests/${requestIdOf(offered.url)}`);
    const { url, state, headers } = asked.body.body.callback;
    const body = { requestId: requestIdOf(offered.url), requestStatus: "issuance_successful", state };
    const repeated = await call(url, { body, headers });
    expect(repeated).toMatchObject({ status: 200, body: { status: "unchanged" } });
    expect(await statusOf(staffId, offered.accessKeyId)).toBe("failed");

    // A wrong key is refused before the body is read, whatever the body.
    const forged = await call(url, { body: { nonsense: true }, headers: { "api-key": "A".repeat(43) } });
    expect(forged.status).toBe(401);
    expect(await statusOf(staffId, offered.accessKeyId)).toBe("failed");
  });
});

describe("listing access keys", () => {
  it("lists the trust's keys for the staff id newest first, and none of another trust's", async () => {
    const staffId = newStaffId();
    const first = await offer(staffId);
    const second = await offer(staffId);
    expect((await listed(staffId)).map((key) => key.accessKeyId)).toEqual([
      second.accessKeyId,
      first.accessKeyId,
    ]);
    const asRj1 = await asTrust<Listed>("RJ1", `/trust/access-keys?staffId=${encodeURIComponent(staffId)}`);
    expect(asRj1).toMatchObject({ status: 200, body: { accessKeys: [] } });
  });
});

describe("revoking an access key", () => {
  it("revokes it at Verified ID; the next login with it, and one already scanned, fail with credential_revoked", async () => {
    const staffId = newStaffId();
    const { accessKeyId, credentialId } = await issued(staffId);
    // Scanned before the revocation, presented after it.
    const inProgress = await startLogin();
    expect((await scan(urls, "demo", inProgress.url)).status).toBe(200);

    const revoked = await asTrust("RRK", `/trust/access-keys/${accessKeyId}`, { method: "DELETE" });
    expect(revoked.status).toBe(204);
    expect(await statusOf(staffId, accessKeyId)).toBe("revoked");

    const afterwards = await presentAndPoll(await startLogin(), credentialId);
    expect(afterwards).toMatchObject({ status: "failed", error: { code: "credential_revoked" } });
    const scannedBefore = await presentAndPoll(inProgress, credentialId);
    expect(scannedBefore).toMatchObject({ status: "failed", error: { code: "credential_revoked" } });

    // Revoking again is a conflict, not a second revocation.
    const again = await asTrust("RRK", `/trust/access-keys/${accessKeyId}`, { method: "DELETE" });
    expect(again.status).toBe(409);
  });

  it("answers 409 for a key only offered, and 404 for another trust's or an unknown one", async () => {
    const staffId = newStaffId();
    const offered = await offer(staffId);
    const notIssued = await asTrust("RRK", `/trust/access-keys/${offered.accessKeyId}`, { method: "DELETE" });
    expect(notIssued.status).toBe(409);
    const othersKey = await asTrust("RJ1", `/trust/access-keys/${offered.accessKeyId}`, { method: "DELETE" });
    expect(othersKey.status).toBe(404);
    const unknown = await asTrust("RRK", "/trust/access-keys/AAAAAAAAAAAAAAAAAAAAAA", { method: "DELETE" });
    expect(unknown.status).toBe(404);
    expect(await statusOf(staffId, offered.accessKeyId)).toBe("offered");
  });
});
