// Logging in with a trust's access key, end to end: the local host over HTTP, the Cosmos DB emulator, the
// Verified ID simulator's wallets, and the production Verified ID client.
import { createRemoteJWKSet, decodeJwt, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSeedTrusts } from "../../local/seed/index.js";
import type { LocalSystem } from "../../local/system.js";
import { services } from "../../src/composition.js";
import { call, startTestSystem } from "../support/system.js";

type Started = { loginId: string; pollToken: string; url: string; qrCode: string; expiresAt: string };
type LoginView = {
  loginId: string;
  trustId: string;
  status: string;
  sessionToken?: string;
  error?: { code: string };
};

let system: LocalSystem;
let api = "";
let sim = "";

beforeAll(async () => {
  system = await startTestSystem();
  api = `${system.urls.host}/api`;
  sim = system.urls.verifiedId;
});
afterAll(() => system.close());

async function startLogin(trustId: string): Promise<Started> {
  const response = await call<Started>(`${api}/logins`, { body: { trustId } });
  expect(response.status).toBe(201);
  return response.body;
}

const requestIdOf = (url: string) =>
  new URL(new URL(url).searchParams.get("request_uri") ?? "").pathname.split("/").pop() ?? "";

/** Polls with the login's own poll token, another token, or (null) none at all. */
const poll = (login: Started, token: string | null = login.pollToken) =>
  call<LoginView>(
    `${api}/logins/${login.loginId}`,
    token === null ? {} : { headers: { "x-poll-token": token } },
  );

const scan = (walletId: string, login: Started) =>
  call(`${sim}/wallet/wallets/${walletId}/scan`, { body: { url: login.url } });
const present = (walletId: string, login: Started) =>
  call(`${sim}/wallet/wallets/${walletId}/present`, { body: { requestId: requestIdOf(login.url) } });

/** The api-key the service put in the request's callback headers, as the Request Service holds it. */
async function apiKeyOf(login: Started): Promise<string> {
  const { body } = await call<{ body: { callback: { headers: Record<string, string> } } }>(
    `${sim}/control/requests/${requestIdOf(login.url)}`,
  );
  return body.body.callback.headers["api-key"] ?? "";
}

const postCallback = (apiKey: string, body: unknown) =>
  call<{ status: string }>(
    `${api}/verifiedid/callback/${encodeURIComponent((body as { state?: string }).state ?? "")}`,
    {
      body,
      headers: { "api-key": apiKey },
    },
  );

async function walletDid(walletId: string): Promise<string> {
  return (await call<{ did: string }>(`${sim}/wallet/wallets/${walletId}`)).body.did;
}

/** An RFC 3339 instant this many days from the real clock, so the credential is valid whenever the suite runs. */
const daysFromNow = (days: number) =>
  new Date(Date.now() + days * 24 * 60 * 60 * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");

function accessKeyCallback(
  login: Started,
  did: string,
  credential: { issuer: string; trustId: string; revocationStatus?: string },
) {
  return {
    requestId: requestIdOf(login.url),
    requestStatus: "presentation_verified",
    state: login.loginId,
    subject: did,
    verifiedCredentialsData: [
      {
        issuer: credential.issuer,
        type: ["VerifiableCredential", "StaffPassportAccessKey"],
        claims: {
          trustId: credential.trustId,
          staffId: "S-1",
          givenName: "Ada",
          familyName: "Lovelace",
          jobTitle: "Nurse",
        },
        credentialState: { revocationStatus: credential.revocationStatus ?? "VALID" },
        issuanceDate: daysFromNow(-30),
        expirationDate: daysFromNow(365),
      },
    ],
  };
}

describe("trust search", () => {
  it("finds active trusts by a case-insensitive part of the name, sorted by name", async () => {
    const { status, body } = await call<{ trusts: { id: string; name: string }[] }>(
      `${api}/trusts?search=FOUNDATION`,
    );
    expect(status).toBe(200);
    const names = body.trusts.map((t) => t.name);
    expect(names.length).toBeGreaterThanOrEqual(3);
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b, "en-GB", { sensitivity: "base" })));
    expect(body.trusts.every((t) => Object.keys(t).sort().join() === "id,name,protocols")).toBe(true);
  });

  it("says which protocols each trust's portal offers, Verified ID alone when its document names none", async () => {
    const { body } = await call<{ trusts: { id: string; protocols: string[] }[] }>(
      `${api}/trusts?search=FOUNDATION`,
    );
    const byId = new Map(body.trusts.map((t) => [t.id, t.protocols]));
    expect(byId.get("RJ1")).toEqual(["verifiedid", "openid4vp"]);
    expect(byId.get("R0A")).toEqual(["verifiedid"]);
  });

  it("finds a trust by its id, in any case", async () => {
    const { body } = await call<{ trusts: { id: string }[] }>(`${api}/trusts?search=rth`);
    expect(body.trusts.map((t) => t.id)).toEqual(["RTH"]);
  });

  it("leaves inactive trusts out", async () => {
    const { body } = await call<{ trusts: { id: string }[] }>(`${api}/trusts?search=Mid%20Essex`);
    expect(body.trusts).toEqual([]);
  });

  it("answers 400 problem+json for a search shorter than 2 characters, or none", async () => {
    for (const query of ["?search=a", "?search=%20x%20", ""]) {
      const response = await call<{ status: number; errors: { path: string }[] }>(`${api}/trusts${query}`);
      expect(response.status).toBe(400);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      expect(response.body.errors[0]?.path).toBe("query.search");
    }
  });
});

describe("trust directory", () => {
  it("loads the seed idempotently: loading it again leaves one document per trust", async () => {
    // Other tests add trusts of their own, so this compares the directory before and after a second load
    // instead of assuming it holds the seed alone.
    const ids = async () => {
      const { resources } = await (await services().database())
        .container("trusts")
        .items.query<{ id: string }>("SELECT c.id FROM c")
        .fetchAll();
      return resources.map((r) => r.id).sort();
    };
    const trusts = await loadSeedTrusts();
    await services().trusts.upsertAll(trusts);
    const before = await ids();
    await services().trusts.upsertAll(trusts);
    const after = await ids();
    expect(after).toEqual(before);
    for (const trust of trusts) expect(after.filter((id) => id === trust.id)).toEqual([trust.id]);
  });
});

describe("credential types", () => {
  it("lists the shareable types and never the access key", async () => {
    const { body } = await call<{ credentialTypes: { type: string; displayName: string }[] }>(
      `${api}/credential-types`,
    );
    const types = body.credentialTypes.map((t) => t.type);
    expect(types).toHaveLength(7);
    expect(types).toContain("StaffPassportDbsCheck");
    expect(types).not.toContain("StaffPassportAccessKey");
  });
});

describe("starting a login", () => {
  it("answers 404 for an unknown trust and for an inactive one", async () => {
    expect((await call(`${api}/logins`, { body: { trustId: "NOPE" } })).status).toBe(404);
    expect((await call(`${api}/logins`, { body: { trustId: "RQ8" } })).status).toBe(404);
  });

  it("answers 400 for a body without a trust id or with unknown fields", async () => {
    expect((await call(`${api}/logins`, { body: {} })).status).toBe(400);
    expect((await call(`${api}/logins`, { body: { trustId: "RTH", extra: 1 } })).status).toBe(400);
  });

  it("asks Verified ID for the trust's access key from the trust's issuers, named for the trust", async () => {
    const login = await startLogin("RTH");
    const { body } = await call<{
      body: { registration: { clientName: string }; requestedCredentials: unknown[] };
    }>(`${sim}/control/requests/${requestIdOf(login.url)}`);
    expect(body.body.registration.clientName).toBe("Oxford University Hospitals NHS Foundation Trust");
    expect(body.body.requestedCredentials).toEqual([
      expect.objectContaining({
        type: "StaffPassportAccessKey",
        acceptedIssuers: ["did:web:rth.staffpassport.nhs.uk"],
        constraints: [{ claimName: "trustId", values: ["RTH"] }],
      }),
    ]);
  });

  it("stores the login with only hashes of its secrets, and a time to live", async () => {
    const login = await startLogin("RTH");
    const { resource } = await (await services().database())
      .container("requests")
      .item(login.loginId, login.loginId)
      .read();
    const stored = JSON.stringify(resource);
    expect(stored).not.toContain(login.pollToken);
    expect(stored).not.toContain(await apiKeyOf(login));
    expect(resource).toMatchObject({
      progress: { status: "pending" },
      trustId: "RTH",
      ttl: expect.any(Number),
    });
    expect(resource.pollTokenHash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(resource.apiKeyHash).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("answers 404, not an error, for trust ids that could never exist", async () => {
    for (const trustId of ["R/J", "R#J", "a\\b"]) {
      expect((await call(`${api}/logins`, { body: { trustId } })).status).toBe(404);
    }
  });

  it("answers 502 and stores nothing when Verified ID keeps failing", async () => {
    const countRequests = async () =>
      (
        await (
          await services().database()
        )
          .container("requests")
          .items.query("SELECT VALUE COUNT(1) FROM c")
          .fetchAll()
      ).resources[0];
    const before = await countRequests();
    await call(`${sim}/control/faults`, { body: { createStatus: 503, count: 10 } });
    try {
      const response = await call<{ status: number; detail: string }>(`${api}/logins`, {
        body: { trustId: "RTH" },
      });
      expect(response.status).toBe(502);
      expect(response.body.detail).not.toMatch(/token|api-key/i);
    } finally {
      await call(`${sim}/control/faults`, { method: "DELETE" });
    }
    expect(await countRequests()).toBe(before);
  });
});

describe("the login journey", () => {
  it("goes from search to a session token that verifies against the JWKS", async () => {
    const { body: found } = await call<{ trusts: { id: string }[] }>(`${api}/trusts?search=Oxford`);
    const trustId = found.trusts[0]?.id ?? "";
    const login = await startLogin(trustId);
    expect(login.qrCode).toMatch(/^data:image\/png;base64,/);
    expect((await poll(login)).body.status).toBe("pending");

    expect((await scan("demo", login)).status).toBe(200);
    expect((await poll(login)).body).toMatchObject({ status: "scanned" });
    expect((await present("demo", login)).status).toBe(200);

    const { body: view } = await poll(login);
    expect(view).toMatchObject({ loginId: login.loginId, trustId: "RTH", status: "verified" });
    const jwks = createRemoteJWKSet(new URL(`${api}/.well-known/jwks.json`));
    const { payload, protectedHeader } = await jwtVerify(view.sessionToken ?? "", jwks, {
      algorithms: ["ES256"],
      audience: "staff-passport-portal",
      issuer: system.settings.SESSION_ISSUER ?? "",
    });
    expect(protectedHeader.alg).toBe("ES256");
    expect(payload).toMatchObject({ sub: await walletDid("demo"), trust: "RTH", staff: expect.any(Object) });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBeLessThanOrEqual(900);
    expect(typeof payload.jti).toBe("string");
  });

  it("answers 404 for login ids that could never exist, without an error", async () => {
    for (const loginId of ["a%2Fb", "a%23b", "a%5Cb", "x".repeat(65)]) {
      expect((await call(`${api}/logins/${loginId}`, { headers: { "x-poll-token": "t" } })).status).toBe(404);
    }
  });

  it("answers 401 for a callback whose state could never be ours", async () => {
    const login = await startLogin("RTH");
    const apiKey = await apiKeyOf(login);
    for (const state of ["a/b", "a#b", "a\\b"]) {
      const response = await postCallback(apiKey, {
        requestId: requestIdOf(login.url),
        requestStatus: "request_retrieved",
        state,
      });
      expect(response.status).toBe(401);
    }
  });

  it("fails a login whose trust was deactivated before the presentation arrived", async () => {
    const { trusts } = services();
    const trust = {
      id: "ZZ9",
      name: "Closing Test Trust",
      active: true,
      accessKeyType: "StaffPassportAccessKey",
      issuerDids: ["did:web:zz9.staffpassport.nhs.uk"] as [string],
    };
    await trusts.upsertAll([trust]);
    const login = await startLogin("ZZ9");
    await trusts.upsertAll([{ ...trust, active: false }]);
    await postCallback(
      await apiKeyOf(login),
      accessKeyCallback(login, await walletDid("demo"), {
        issuer: "did:web:zz9.staffpassport.nhs.uk",
        trustId: "ZZ9",
      }),
    );
    expect((await poll(login)).body).toMatchObject({ status: "failed", error: { code: "unknown_trust" } });
  });

  it("answers a wrong or missing poll token with the same 404 as an unknown login", async () => {
    const login = await startLogin("RJ1");
    const unknown = await call<Record<string, unknown>>(`${api}/logins/does-not-exist`, {
      headers: { "x-poll-token": login.pollToken },
    });
    const wrong = await poll(login, "not-the-token");
    const missing = await poll(login, null);
    expect([unknown.status, wrong.status, missing.status]).toEqual([404, 404, 404]);
    const { instance: _a, ...unknownBody } = unknown.body;
    for (const response of [wrong, missing]) {
      const { instance: _b, ...body } = response.body as unknown as Record<string, unknown>;
      expect(body).toEqual(unknownBody);
    }
  });

  it("refuses a callback with a forged api-key with 401 and leaves the login unchanged", async () => {
    const login = await startLogin("RTH");
    const forged = await postCallback(
      "forged-key",
      accessKeyCallback(login, await walletDid("demo"), {
        issuer: "did:web:rth.staffpassport.nhs.uk",
        trustId: "RTH",
      }),
    );
    expect(forged.status).toBe(401);
    expect(
      (
        await postCallback("", {
          requestId: requestIdOf(login.url),
          requestStatus: "request_retrieved",
          state: login.loginId,
        })
      ).status,
    ).toBe(401);
    expect((await poll(login)).body.status).toBe("pending");
  });

  it("answers 401 for a right key with a state and requestId that do not belong together", async () => {
    const first = await startLogin("RTH");
    const second = await startLogin("RTH");
    const response = await postCallback(await apiKeyOf(first), {
      requestId: requestIdOf(second.url),
      requestStatus: "request_retrieved",
      state: first.loginId,
    });
    expect(response.status).toBe(401);
    expect((await poll(first)).body.status).toBe("pending");
  });

  it("answers 400 for a malformed callback and stores nothing", async () => {
    const login = await startLogin("RTH");
    const response = await postCallback(await apiKeyOf(login), {
      requestId: requestIdOf(login.url),
      state: login.loginId,
    });
    expect(response.status).toBe(400);
    expect((await poll(login)).body.status).toBe("pending");
  });

  it("applies the same callback five times, and request_retrieved after verified, as one transition", async () => {
    const login = await startLogin("RTH");
    const apiKey = await apiKeyOf(login);
    const verified = accessKeyCallback(login, await walletDid("demo"), {
      issuer: "did:web:rth.staffpassport.nhs.uk",
      trustId: "RTH",
    });
    const outcomes: string[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await postCallback(apiKey, verified);
      expect(response.status).toBe(200);
      outcomes.push(response.body.status);
    }
    expect(outcomes).toEqual(["applied", "unchanged", "unchanged", "unchanged", "unchanged"]);
    const late = await postCallback(apiKey, {
      requestId: requestIdOf(login.url),
      requestStatus: "request_retrieved",
      state: login.loginId,
    });
    expect(late.body.status).toBe("unchanged");
    expect((await poll(login)).body.status).toBe("verified");
  });

  it("lets exactly one of two concurrent presentation_verified callbacks win", async () => {
    const login = await startLogin("RTH");
    const apiKey = await apiKeyOf(login);
    const did = await walletDid("demo");
    const good = accessKeyCallback(login, did, {
      issuer: "did:web:rth.staffpassport.nhs.uk",
      trustId: "RTH",
    });
    const revoked = accessKeyCallback(login, did, {
      issuer: "did:web:rth.staffpassport.nhs.uk",
      trustId: "RTH",
      revocationStatus: "REVOKED",
    });
    const results = await Promise.all([postCallback(apiKey, good), postCallback(apiKey, revoked)]);
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    expect(results.map((r) => r.body.status).sort()).toEqual(["applied", "unchanged"]);
    const winner = results[0]?.body.status === "applied" ? "verified" : "failed";
    expect((await poll(login)).body.status).toBe(winner);
  });

  it("fails a login whose access key comes from another trust's issuer with issuer_not_accepted", async () => {
    const login = await startLogin("RTH");
    await postCallback(
      await apiKeyOf(login),
      accessKeyCallback(login, await walletDid("demo"), {
        issuer: "did:web:rj1.staffpassport.nhs.uk",
        trustId: "RTH",
      }),
    );
    const { body } = await poll(login);
    expect(body).toMatchObject({ status: "failed", error: { code: "issuer_not_accepted" } });
    expect(body.sessionToken).toBeUndefined();
  });

  it("fails a login whose access key names another trust with wrong_trust", async () => {
    const login = await startLogin("RTH");
    await postCallback(
      await apiKeyOf(login),
      accessKeyCallback(login, await walletDid("demo"), {
        issuer: "did:web:rth.staffpassport.nhs.uk",
        trustId: "RJ1",
      }),
    );
    expect((await poll(login)).body).toMatchObject({ status: "failed", error: { code: "wrong_trust" } });
  });

  it("fails a login with a revoked access key with credential_revoked", async () => {
    const wallet = await call<{ walletId: string }>(`${sim}/wallet/wallets`, {
      body: {
        credentials: [
          {
            type: "StaffPassportAccessKey",
            issuer: "did:web:r0a.staffpassport.nhs.uk",
            claims: {
              trustId: "R0A",
              staffId: "S-9",
              givenName: "Grace",
              familyName: "Hopper",
              jobTitle: "Doctor",
            },
          },
        ],
      },
    });
    expect(wallet.status).toBe(201);
    const { walletId } = wallet.body;
    await call(`${sim}/control/credentials/revoke`, { body: { walletId, type: "StaffPassportAccessKey" } });
    const login = await startLogin("R0A");
    await scan(walletId, login);
    expect((await present(walletId, login)).status).toBe(200);
    expect((await poll(login)).body).toMatchObject({
      status: "failed",
      error: { code: "credential_revoked" },
    });
  });

  it("reports failed when the wallet answers presentation_error", async () => {
    const login = await startLogin("RJ1");
    await call(`${sim}/wallet/wallets/demo/present`, {
      body: { requestId: requestIdOf(login.url), outcome: "error" },
    });
    expect((await poll(login)).body).toMatchObject({
      status: "failed",
      error: { code: "presentation_error" },
    });
  });

  it("reports expired, with no session token, when the presentation arrives after the login expired", async () => {
    const login = await startLogin("RJ1");
    const real = services().clock;
    services().clock = () => new Date(Date.parse(login.expiresAt) + 1_000);
    try {
      expect((await present("demo", login)).status).toBe(200);
      const { body } = await poll(login);
      expect(body.status).toBe("expired");
      expect(body.sessionToken).toBeUndefined();
    } finally {
      services().clock = real;
    }
  });

  it("gives no session token once the session it would carry has run out", async () => {
    const login = await startLogin("RJ1");
    await present("demo", login);
    const first = await poll(login);
    const claims = decodeJwt(first.body.sessionToken ?? "");
    const real = services().clock;
    services().clock = () => new Date(((claims.exp ?? 0) + 1) * 1000);
    try {
      const later = await poll(login);
      expect(later.body.status).toBe("verified");
      expect(later.body.sessionToken).toBeUndefined();
    } finally {
      services().clock = real;
    }
  });
});

describe("trust search, with a large directory", () => {
  it("answers at most 20 trusts, the first 20 by name", async () => {
    const names = Array.from(
      { length: 25 },
      (_, i) => `${i % 2 ? "alpha" : "Alpha"} Test Hospital ${String(i).padStart(2, "0")}`,
    );
    await services().trusts.upsertAll(
      names.map((name, i) => ({
        id: `TT${i}`,
        name,
        active: true,
        accessKeyType: "StaffPassportAccessKey",
        issuerDids: ["did:web:tt.example"] as [string],
      })),
    );
    const { body } = await call<{ trusts: { name: string }[] }>(`${api}/trusts?search=test%20hospital`);
    const expected = [...names]
      .sort((a, b) => a.localeCompare(b, "en-GB", { sensitivity: "base" }))
      .slice(0, 20);
    expect(body.trusts.map((t) => t.name)).toEqual(expected);
  });
});
