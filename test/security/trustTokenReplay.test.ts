// A trust token captured and sent again, tried over HTTP against the running service (API.md section 7): every call
// of the trust API that changes something uses its token up, on whatever instance it lands, so a replay is 401 and
// changes nothing; a read may reuse a token; and a token issued further ahead of our clock than the clock tolerance
// is refused. Each replayed token was first accepted, so each refusal is for the replay and nothing else.
import { beforeAll, describe, expect, it } from "vitest";
import { CLOCK_TOLERANCE_SECONDS } from "../../src/adapters/keys/jwtVerification.js";
import { trustAudience } from "../../src/adapters/keys/trustTokens.js";
import { bearer, present, readShare, startedShare } from "../support/journeys.js";
import { useTestSystem } from "../support/suiteSystem.js";
import { call, type JsonResponse } from "../support/system.js";
import { registerTrustKey, type TrustKey, trustKey, trustToken } from "../support/trustTokens.js";
import { until } from "../support/until.js";
import { DBS, IDENTITY } from "./support.js";

const TRUST = "RRK";
/** The demo wallet's member of staff at the trust, whose session lists the trust's requests. */
const STAFF_ID = "RRK-0457331";

const { urls, system, session } = useTestSystem({ logIn: TRUST });
let audience = "";
let key: TrustKey;

beforeAll(async () => {
  audience = trustAudience(system().settings.SESSION_ISSUER ?? "");
  key = await trustKey();
  await registerTrustKey(TRUST, key);
});

const token = (now?: Date) => trustToken(key, TRUST, audience, now === undefined ? {} : { now });

type Problem = { type?: string; detail?: string };

/** Refused as a replay: 401 problem+json, invalid_trust_token, with a Bearer challenge and a detail saying why. */
function expectReplayRefused(response: JsonResponse<unknown>): void {
  expect(response.status).toBe(401);
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  expect(response.headers.get("www-authenticate")).toMatch(/^Bearer /);
  const problem = response.body as Problem;
  expect(problem.type).toMatch(/invalid_trust_token$/);
  expect(problem.detail).toMatch(/already used/);
}

async function sharedShare(): Promise<string> {
  const share = await startedShare(urls, session(), [IDENTITY]);
  expect((await present(urls, "demo", share.url)).status).toBe(200);
  await until(async () => (await readShare(urls, session(), share.shareId)).body.status === "shared");
  return share.shareId;
}

const decide = (shareId: string, body: Record<string, unknown>, bearerToken: string) =>
  call(`${urls.api}/trust/shares/${shareId}/credentials/${IDENTITY}/decision`, {
    method: "PUT",
    body,
    headers: bearer(bearerToken),
  });

const createRequest = (bearerToken: string) =>
  call<{ requestId: string }>(`${urls.api}/trust/credential-requests`, {
    body: { staffId: STAFF_ID, credentialTypes: [DBS] },
    headers: bearer(bearerToken),
  });

const readRequest = (requestId: string, bearerToken: string) =>
  call<{ status: string }>(`${urls.api}/trust/credential-requests/${requestId}`, {
    headers: bearer(bearerToken),
  });

const withdraw = (requestId: string, bearerToken: string) =>
  call(`${urls.api}/trust/credential-requests/${requestId}`, {
    method: "DELETE",
    headers: bearer(bearerToken),
  });

const openRequestIds = async () =>
  (
    await call<{ requests: { requestId: string }[] }>(`${urls.api}/credential-requests`, {
      headers: bearer(session()),
    })
  ).body.requests.map((request) => request.requestId);

describe("a trust token replayed on a call that changes something", () => {
  it("is refused on a decision, and the decision first made stands", async () => {
    const shareId = await sharedShare();
    const used = await token();
    expect((await decide(shareId, { decision: "accepted" }, used)).status).toBe(200);
    expectReplayRefused(await decide(shareId, { decision: "rejected", reason: "replayed" }, used));
    const view = (await readShare(urls, session(), shareId)).body;
    expect(view.credentials?.find((credential) => credential.type === IDENTITY)?.decision).toMatchObject({
      decision: "accepted",
    });
  });

  it("is refused on creating a credential request, and no second request is stored", async () => {
    const before = await openRequestIds();
    const used = await token();
    const created = await createRequest(used);
    expect(created.status).toBe(201);
    expectReplayRefused(await createRequest(used));
    expect((await openRequestIds()).sort()).toEqual([...before, created.body.requestId].sort());
  });

  it("lets exactly one of two concurrent calls with one token in", async () => {
    const before = await openRequestIds();
    const used = await token();
    const answers = await Promise.all([createRequest(used), createRequest(used)]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 401]);
    expect(await openRequestIds()).toHaveLength(before.length + 1);
  });

  it("is refused on withdrawing another request, which stays open", async () => {
    const first = (await createRequest(await token())).body.requestId;
    const second = (await createRequest(await token())).body.requestId;
    const used = await token();
    expect((await withdraw(first, used)).status).toBe(204);
    expectReplayRefused(await withdraw(second, used));
    expect((await readRequest(second, await token())).body.status).toBe("open");
  });

  it("is refused on polling (and so acknowledging) share events", async () => {
    const used = await token();
    const poll = (bearerToken: string) =>
      call(`${urls.api}/trust/events`, { body: { returnImmediately: true }, headers: bearer(bearerToken) });
    expect((await poll(used)).status).toBe(200);
    expectReplayRefused(await poll(used));
  });

  it("is refused on another call than the one that used it", async () => {
    const used = await token();
    expect((await createRequest(used)).status).toBe(201);
    const shareId = await sharedShare();
    expectReplayRefused(await decide(shareId, { decision: "accepted" }, used));
    const view = (await readShare(urls, session(), shareId)).body;
    expect(view.credentials?.every((credential) => credential.decision === undefined)).toBe(true);
  });
});

describe("a trust token reused on a read", () => {
  it("is accepted for every read, before and after a change used it", async () => {
    const requestId = (await createRequest(await token())).body.requestId;
    const reused = await token();
    expect((await readRequest(requestId, reused)).status).toBe(200);
    expect((await readRequest(requestId, reused)).status).toBe(200);
    expect((await withdraw(requestId, reused)).status).toBe(204);
    expect((await readRequest(requestId, reused)).body.status).toBe("withdrawn");
  });
});

describe("a trust token issued ahead of our clock", () => {
  it("is refused beyond the clock tolerance, and changes nothing", async () => {
    const before = await openRequestIds();
    const ahead = await token(new Date(Date.now() + (CLOCK_TOLERANCE_SECONDS + 5) * 1000));
    const answer = await createRequest(ahead);
    expect(answer.status).toBe(401);
    expect((answer.body as Problem).detail).toMatch(/iat is in the future/);
    expect(await openRequestIds()).toEqual(before);
  });
});
