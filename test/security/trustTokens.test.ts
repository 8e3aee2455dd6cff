// Trust tokens an attacker could make, tried over HTTP against the running service (API.md section 7): another
// trust's key or issuer on trust A's share, our own session token, alg none, HS256 keyed with A's public key, another
// audience, an expired token and one living longer than 5 minutes. Nothing changes; a control token signed with
// A's registered key and the right claims is accepted, so each refusal is for the property the test names.
import { beforeAll, describe, expect, it } from "vitest";
import { trustAudience } from "../../src/adapters/keys/trustTokens.js";
import { bearer, present, readShare, startedShare } from "../support/journeys.js";
import { useTestSystem } from "../support/suiteSystem.js";
import { call } from "../support/system.js";
import {
  hs256Token,
  registerTrustKey,
  type TrustKey,
  trustKey,
  trustToken,
  unsignedToken,
} from "../support/trustTokens.js";
import { until } from "../support/until.js";
import { DBS, IDENTITY } from "./support.js";

const { urls, system, session } = useTestSystem({ logIn: "RRK" });
let audience = "";
let shareId = "";
let keyA: TrustKey;
let keyB: TrustKey;

beforeAll(async () => {
  audience = trustAudience(system().settings.SESSION_ISSUER ?? "");
  [keyA, keyB] = [await trustKey(), await trustKey()];
  await registerTrustKey("RRK", keyA);
  await registerTrustKey("RJ1", keyB);
  shareId = await sharedShare();
});

/** A share of the demo wallet's identity with trust A, on which no decision has been made. */
async function sharedShare(): Promise<string> {
  const share = await startedShare(urls, session(), [IDENTITY]);
  expect((await present(urls, "demo", share.url)).status).toBe(200);
  await until(async () => (await readShare(urls, session(), share.shareId)).body.status === "shared");
  return share.shareId;
}

/** A decision on the share every refusal is tried on, or on another that a test names. */
async function decideWith(token: string, on = shareId) {
  return call(`${urls.api}/trust/shares/${on}/credentials/${IDENTITY}/decision`, {
    method: "PUT",
    body: { decision: "accepted" },
    headers: bearer(token),
  });
}

async function expectUnchanged() {
  const view = (await readShare(urls, session(), shareId)).body;
  expect(view.credentials?.every((credential) => credential.decision === undefined)).toBe(true);
}

/** Refused with 401, problem+json and a Bearer challenge, on a decision and on creating a request; nothing stored. */
async function expectRefused(token: string) {
  const decided = await decideWith(token);
  const requested = await call(`${urls.api}/trust/credential-requests`, {
    body: { staffId: "RRK-0457331", credentialTypes: [DBS] },
    headers: bearer(token),
  });
  for (const response of [decided, requested]) {
    expect(response.status).toBe(401);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(response.headers.get("www-authenticate")).toMatch(/^Bearer /);
  }
  await expectUnchanged();
  expect((await call(`${urls.api}/credential-requests`, { headers: bearer(session()) })).body).toEqual({
    requests: [],
  });
}

const nowSeconds = () => Math.floor(Date.now() / 1000);
const claimsOfA = () => ({
  iss: "RRK",
  sub: "RRK",
  aud: audience,
  iat: nowSeconds(),
  exp: nowSeconds() + 120,
  jti: "j",
});

describe("forged trust tokens", () => {
  it("refuse trust B's key on a token that claims to be trust A, even under A's kid", async () => {
    await expectRefused(await trustToken(keyB, "RRK", audience));
    await expectRefused(await trustToken(keyB, "RRK", audience, { header: { kid: keyA.kid } }));
  });

  it("answer trust B's own valid token on trust A's share with 404, and change nothing", async () => {
    const answer = await decideWith(await trustToken(keyB, "RJ1", audience));
    expect(answer.status).toBe(404);
    await expectUnchanged();
  });

  it("refuse the staff member's own session token", async () => {
    await expectRefused(session());
  });

  it("refuse alg none", async () => {
    await expectRefused(unsignedToken(claimsOfA()));
  });

  it("refuse HS256 keyed with trust A's public key", async () => {
    await expectRefused(await hs256Token(claimsOfA(), JSON.stringify(keyA.jwk)));
  });

  it("refuse another audience: the portal's, and the bare issuer", async () => {
    await expectRefused(await trustToken(keyA, "RRK", "staff-passport-portal"));
    await expectRefused(await trustToken(keyA, "RRK", system().settings.SESSION_ISSUER ?? ""));
  });

  it("refuse an expired token", async () => {
    await expectRefused(await trustToken(keyA, "RRK", audience, { now: new Date(Date.now() - 900_000) }));
  });

  it("refuse a token that lives longer than 5 minutes", async () => {
    await expectRefused(await trustToken(keyA, "RRK", audience, { claims: { exp: nowSeconds() + 301 } }));
  });

  it("accept the control: trust A's own key with the right claims", async () => {
    // On a share of its own, so that the refusals, whenever they run, still find theirs undecided.
    const own = await sharedShare();
    expect((await decideWith(await trustToken(keyA, "RRK", audience), own)).status).toBe(200);
    expect((await readShare(urls, session(), own)).body.credentials?.[0]?.decision).toBeDefined();
  });
});
