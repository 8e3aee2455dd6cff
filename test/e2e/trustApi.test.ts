// The trust API end to end (API.md section 7): the local host over HTTP, Cosmos DB and Service Bus emulators, the
// Verified ID simulator's wallets, and the demo trust calling the API as RTH with the keys at its jwksUri. RRK
// registers a key of this test's own on its trust document (jwks), so that the test can sign as that trust too.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalSystem } from "../../local/system.js";
import { trustAudience } from "../../src/adapters/keys/trustTokens.js";
import { CREDENTIAL_REQUEST_DECLINED_EVENT } from "../../src/domain/shareEvent.js";
import {
  bearer,
  logIn,
  present,
  readShare,
  type ShareView,
  type StartedShare,
  subjectOf,
  type Urls,
} from "../support/journeys.js";
import { drained } from "../support/pipelineAudit.js";
import { type Received, received } from "../support/shareEvents.js";
import { call, startTestSystem } from "../support/system.js";
import { registerTrustKey, type TrustKey, trustKey, trustToken } from "../support/trustTokens.js";
import { until } from "../support/until.js";

const IDENTITY = "StaffPassportIdentity";
const DBS = "StaffPassportDbsCheck";
/** The staff ids of the seed's access keys: the demo and partial wallets at RTH, the demo wallet at RRK. */
const DEMO_AT_RTH = "RTH-2205117";
const PARTIAL_AT_RTH = "RTH-2281904";
const DEMO_AT_RRK = "RRK-0457331";

type RequestView = {
  requestId: string;
  status: string;
  staffId: string;
  shareId?: string;
  missingTypes?: string[];
  message?: string;
};

let system: LocalSystem;
let urls: Urls;
let rrkKey: TrustKey;
const sessions: Record<"demoRth" | "partialRth" | "demoRrk" | "demoRj1", string> = {
  demoRth: "",
  partialRth: "",
  demoRrk: "",
  demoRj1: "",
};

beforeAll(async () => {
  system = await startTestSystem();
  urls = { api: `${system.urls.host}/api`, sim: system.urls.verifiedId };
  rrkKey = await trustKey();
  await registerTrustKey("RRK", rrkKey);
  sessions.demoRth = await logIn(urls, "demo", "RTH");
  sessions.partialRth = await logIn(urls, "partial", "RTH");
  sessions.demoRrk = await logIn(urls, "demo", "RRK");
  sessions.demoRj1 = await logIn(urls, "demo", "RJ1");
}, 60_000);
afterAll(() => system?.close());

const demoTrust = (path: string, body?: unknown) =>
  call(`${system.urls.demoTrust}${path}`, body === undefined ? {} : { body });
const decide = (body: Record<string, unknown>) => demoTrust("/control/decide", { trustId: "RTH", ...body });

/** As RRK's system, with the key registered on its trust document. */
async function asRrk(path: string, init: { method?: string; body?: unknown } = {}) {
  const token = await trustToken(rrkKey, "RRK", trustAudience(system.settings.SESSION_ISSUER ?? ""));
  return call<RequestView>(`${urls.api}${path}`, { ...init, headers: bearer(token) });
}

/** Shares the types from the demo wallet, answering the request if one is given, and waits until `shared`. */
async function shared(session: string, credentialTypes: string[], requestId?: string): Promise<ShareView> {
  const started = await call<StartedShare>(`${urls.api}/shares`, {
    body: { credentialTypes, ...(requestId === undefined ? {} : { requestId }) },
    headers: bearer(session),
  });
  expect(started.status).toBe(201);
  expect((await present(urls, "demo", started.body.url)).status).toBe(200);
  return until(async () => {
    const view = (await readShare(urls, session, started.body.shareId)).body;
    return view.status === "shared" ? view : undefined;
  });
}

const openRequests = async (session: string) =>
  (await call<{ requests: RequestView[] }>(`${urls.api}/credential-requests`, { headers: bearer(session) }))
    .body.requests;

describe("decisions", () => {
  it("shows a decision made with the trust's token in the share view; the same again changes nothing", async () => {
    const share = await shared(sessions.demoRth, [IDENTITY, DBS]);
    const reject = { shareId: share.shareId, type: DBS, decision: "rejected", reason: "Certificate too old" };
    const first = await decide(reject);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ ...reject, decidedAt: expect.any(String) });
    const again = await decide(reject);
    expect(again).toMatchObject({ status: 200, body: first.body });
    const accepted = await decide({ shareId: share.shareId, type: IDENTITY, decision: "accepted" });
    expect(accepted.status).toBe(200);

    const view = (await readShare(urls, sessions.demoRth, share.shareId)).body;
    expect(view.credentials).toEqual([
      expect.objectContaining({
        type: IDENTITY,
        decision: { decision: "accepted", decidedAt: accepted.body.decidedAt },
      }),
      expect.objectContaining({
        type: DBS,
        decision: { decision: "rejected", reason: "Certificate too old", decidedAt: first.body.decidedAt },
      }),
    ]);
    const history = await call<{ shares: ShareView[] }>(`${urls.api}/shares`, {
      headers: bearer(sessions.demoRth),
    });
    expect(history.body.shares.find((s) => s.shareId === share.shareId)).toEqual(view);
  });

  it("answers 409 for a different decision and changes nothing", async () => {
    const share = await shared(sessions.demoRth, [IDENTITY]);
    expect((await decide({ shareId: share.shareId, type: IDENTITY, decision: "accepted" })).status).toBe(200);
    const before = (await readShare(urls, sessions.demoRth, share.shareId)).body;
    const other = await decide({
      shareId: share.shareId,
      type: IDENTITY,
      decision: "rejected",
      reason: "Wrong person",
    });
    expect(other.status).toBe(409);
    expect((await readShare(urls, sessions.demoRth, share.shareId)).body).toEqual(before);
  });

  it("records one of two different decisions sent at once: one 200, one 409", async () => {
    const share = await shared(sessions.demoRth, [IDENTITY]);
    const answers = await Promise.all([
      decide({ shareId: share.shareId, type: IDENTITY, decision: "accepted" }),
      decide({ shareId: share.shareId, type: IDENTITY, decision: "rejected", reason: "No" }),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    const winner = answers.find((a) => a.status === 200)?.body as { decision: string };
    const view = (await readShare(urls, sessions.demoRth, share.shareId)).body;
    expect(view.credentials?.[0]?.decision?.decision).toBe(winner.decision);
  });

  it("refuses a rejection without a reason with 400, and records nothing", async () => {
    const share = await shared(sessions.demoRth, [IDENTITY]);
    const refused = await decide({ shareId: share.shareId, type: IDENTITY, decision: "rejected" });
    expect(refused.status).toBe(400);
    expect(refused.headers.get("content-type")).toBe("application/problem+json");
    expect(refused.body).toMatchObject({ errors: [{ path: "body.reason" }] });
    const long = await decide({
      shareId: share.shareId,
      type: IDENTITY,
      decision: "rejected",
      reason: "x".repeat(501),
    });
    expect(long.status).toBe(400);
    expect(
      (await readShare(urls, sessions.demoRth, share.shareId)).body.credentials?.[0]?.decision,
    ).toBeUndefined();
  });

  it("answers 404 for another trust's share and for a type the share does not hold", async () => {
    const share = await shared(sessions.demoRth, [IDENTITY]);
    const asRrkDecides = await asRrk(`/trust/shares/${share.shareId}/credentials/${IDENTITY}/decision`, {
      method: "PUT",
      body: { decision: "accepted" },
    });
    expect(asRrkDecides.status).toBe(404);
    expect((await decide({ shareId: share.shareId, type: DBS, decision: "accepted" })).status).toBe(404);
    expect(
      (await readShare(urls, sessions.demoRth, share.shareId)).body.credentials?.[0]?.decision,
    ).toBeUndefined();
  });
});

describe("credential requests", () => {
  it("is fulfilled by a share answering it, and the share view says which requested types are missing", async () => {
    const made = await demoTrust("/control/request", {
      trustId: "RTH",
      staffId: DEMO_AT_RTH,
      credentialTypes: [IDENTITY, DBS],
      message: "For your new post on ward 7",
    });
    expect(made.status).toBe(201);
    const { requestId } = made.body as RequestView;
    expect((await openRequests(sessions.demoRth)).map((r) => r.requestId)).toContain(requestId);

    const share = await shared(sessions.demoRth, [IDENTITY], requestId);
    expect(share).toMatchObject({ requestId, missingTypes: [DBS] });
    const fulfilled = await until(async () => {
      const { requests } = (await demoTrust("/control/requests")).body as { requests: RequestView[] };
      const mine = requests.find((r) => r.requestId === requestId);
      return mine?.status === "fulfilled" ? mine : undefined;
    });
    expect(fulfilled).toMatchObject({ shareId: share.shareId, missingTypes: [DBS] });
    expect((await openRequests(sessions.demoRth)).map((r) => r.requestId)).not.toContain(requestId);
  });

  it("reaches the demo trust as one verified SET of the declined type when the staff member declines it", async () => {
    const made = await demoTrust("/control/request", {
      trustId: "RTH",
      staffId: DEMO_AT_RTH,
      credentialTypes: [DBS],
    });
    const { requestId } = made.body as RequestView;
    const declined = await call<RequestView & { reason: string }>(
      `${urls.api}/credential-requests/${requestId}/decline`,
      { body: { reason: "My DBS check is being renewed" }, headers: bearer(sessions.demoRth) },
    );
    expect(declined.status).toBe(200);
    expect(declined.body).toMatchObject({ status: "declined", reason: "My DBS check is being renewed" });

    const forRequest = (events: Received[]) =>
      events.filter(
        (e) =>
          (e.claims?.events as Record<string, { requestId?: string }> | undefined)?.[
            CREDENTIAL_REQUEST_DECLINED_EVENT
          ]?.requestId === requestId,
      );
    await until(async () => forRequest(await received(system)).length > 0);
    // Once no message for the decline's event is left anywhere, no second SET can come.
    await drained(system, new Set([requestId]), 20_000);
    const sets = forRequest(await received(system));
    expect(sets).toHaveLength(1);
    expect(sets[0]).toMatchObject({ verified: true, duplicate: false, aud: "RTH" });
    expect(sets[0]?.claims).toMatchObject({
      txn: requestId,
      // The holder is named by sub_id only: the declined event never had a subject member (SSF 1.0 section 3.1.2).
      sub_id: { format: "did", url: subjectOf(sessions.demoRth) },
      events: {
        [CREDENTIAL_REQUEST_DECLINED_EVENT]: {
          requestId,
          staffId: DEMO_AT_RTH,
          reason: "My DBS check is being renewed",
          declinedAt: (declined.body as { declinedAt?: string }).declinedAt,
        },
      },
    });
    expect(sets[0]?.claims?.sub).toBeUndefined();
    const event = (sets[0]?.claims?.events as Record<string, object> | undefined)?.[
      CREDENTIAL_REQUEST_DECLINED_EVENT
    ];
    expect(event).not.toHaveProperty("subject");
  });

  it("refuses a decline without a reason (400), another staff member's (404) and a second one (409)", async () => {
    const made = await demoTrust("/control/request", {
      trustId: "RTH",
      staffId: DEMO_AT_RTH,
      credentialTypes: [DBS],
    });
    const { requestId } = made.body as RequestView;
    const declineAs = (session: string, body: unknown) =>
      call(`${urls.api}/credential-requests/${requestId}/decline`, { body, headers: bearer(session) });
    expect((await declineAs(sessions.demoRth, {})).status).toBe(400);
    expect((await declineAs(sessions.partialRth, { reason: "Not me" })).status).toBe(404);
    expect((await declineAs(sessions.demoRth, { reason: "No" })).status).toBe(200);
    expect((await declineAs(sessions.demoRth, { reason: "No" })).status).toBe(409);
  });

  it("is made once for one token: the same call sent again is refused as a replay", async () => {
    const token = await trustToken(rrkKey, "RRK", trustAudience(system.settings.SESSION_ISSUER ?? ""));
    const body = { staffId: DEMO_AT_RRK, credentialTypes: [IDENTITY], message: "once" };
    const send = () =>
      call<RequestView>(`${urls.api}/trust/credential-requests`, { body, headers: bearer(token) });
    const [first, second] = await Promise.all([send(), send()]);
    const third = await send();
    const made = [first, second].find((answer) => answer.status === 201);
    expect([first.status, second.status].sort()).toEqual([201, 401]);
    expect(third.status).toBe(401);
    const mine = (await openRequests(sessions.demoRrk)).filter((r) => r.message === "once");
    expect(mine.map((r) => r.requestId)).toEqual([made?.body.requestId]);
  });

  it("disappears from the staff member's list once the trust withdraws it", async () => {
    const made = await asRrk("/trust/credential-requests", {
      body: { staffId: DEMO_AT_RRK, credentialTypes: [IDENTITY] },
    });
    expect(made.status).toBe(201);
    const { requestId } = made.body;
    expect((await openRequests(sessions.demoRrk)).map((r) => r.requestId)).toContain(requestId);
    expect((await asRrk(`/trust/credential-requests/${requestId}`, { method: "DELETE" })).status).toBe(204);
    expect((await openRequests(sessions.demoRrk)).map((r) => r.requestId)).not.toContain(requestId);
    expect((await asRrk(`/trust/credential-requests/${requestId}`)).body).toMatchObject({
      status: "withdrawn",
    });
    expect((await asRrk(`/trust/credential-requests/${requestId}`, { method: "DELETE" })).status).toBe(409);
    const answering = await call(`${urls.api}/shares`, {
      body: { credentialTypes: [IDENTITY], requestId },
      headers: bearer(sessions.demoRrk),
    });
    expect(answering.status).toBe(409);
  });

  it("is never shown to a staff member of another trust, nor to another staff id at the same trust", async () => {
    const forPartial = await demoTrust("/control/request", {
      trustId: "RTH",
      staffId: PARTIAL_AT_RTH,
      credentialTypes: [IDENTITY],
    });
    const byRrkForDemo = await asRrk("/trust/credential-requests", {
      body: { staffId: DEMO_AT_RRK, credentialTypes: [DBS] },
    });
    const partialId = (forPartial.body as RequestView).requestId;
    const rrkId = byRrkForDemo.body.requestId;
    // The control: the staff member it is for sees it (among any other test's requests for them), and not the other.
    const forPartialIds = (await openRequests(sessions.partialRth)).map((r) => r.requestId);
    expect(forPartialIds).toContain(partialId);
    expect(forPartialIds).not.toContain(rrkId);
    for (const session of [sessions.demoRth, sessions.demoRj1]) {
      const ids = (await openRequests(session)).map((r) => r.requestId);
      expect(ids).not.toContain(partialId);
      expect(ids).not.toContain(rrkId);
    }
    // Nor can they answer it, nor can the other trust read it.
    const answering = await call(`${urls.api}/shares`, {
      body: { credentialTypes: [IDENTITY], requestId: partialId },
      headers: bearer(sessions.demoRth),
    });
    expect(answering.status).toBe(404);
    expect((await asRrk(`/trust/credential-requests/${partialId}`)).status).toBe(404);
  });
});
