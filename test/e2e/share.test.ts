// Sharing credentials with the trust, end to end: the local host over HTTP, the Cosmos DB emulator, the Service
// Bus emulator (share events received by the real SDK through a subscription), Azurite (the events' payloads),
// the Verified ID simulator's wallets and the production Verified ID client.
import type { ServiceBusReceivedMessage } from "@azure/service-bus";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { functions } from "../../functions/index.js";
import type { LocalSystem } from "../../local/system.js";
import { services } from "../../src/composition.js";
import { CREDENTIALS_SHARED_EVENT } from "../../src/domain/shareEvent.js";
import {
  apiKeyOf,
  bearer,
  cancelShare,
  logIn,
  postCallback,
  present,
  presentedCredential,
  readShare,
  type ShareView,
  scan,
  startedShare,
  startShare,
  subjectOf,
  type Urls,
  verifiedShareBody,
  walletOf,
} from "../support/journeys.js";
import { storedPayload } from "../support/shareEvents.js";
import { call, startTestSystem } from "../support/system.js";
import { collectSubscription, type TopicCollector } from "../support/topicCollector.js";
import { until } from "../support/until.js";

const IDENTITY = "StaffPassportIdentity";
const DBS = "StaffPassportDbsCheck";
const OCCUPATIONAL_HEALTH = "StaffPassportOccupationalHealth";

let system: LocalSystem;
let urls: Urls;
let collector: TopicCollector;
let demoSession = "";

beforeAll(async () => {
  // The Service Bus consumers are left out, so that this file's receiver is the only one on `record`.
  system = await startTestSystem({
    functions: functions.filter((fn) => fn.kind !== "serviceBusTopic" && fn.kind !== "serviceBusQueue"),
  });
  urls = { api: `${system.urls.host}/api`, sim: system.urls.verifiedId };
  collector = collectSubscription(system.serviceBus.connectionString, "share-events", "record");
  demoSession = await logIn(urls, "demo", "RTH");
});
afterAll(async () => {
  await collector?.close();
  await system?.close();
});

/**
 * Messages for this share: waits until `count` have arrived, then until everything published before now has been
 * collected, so that an extra copy (or one where none should be) is counted, not missed for want of waiting.
 */
async function messagesFor(shareId: string, count: number): Promise<ServiceBusReceivedMessage[]> {
  await until(() => collector.forShare(shareId).length >= count, {
    what: `${count} message(s) for share ${shareId}`,
  });
  await collector.caughtUp();
  return collector.forShare(shareId);
}

async function shareFor(session: string, shareId: string): Promise<ShareView> {
  const response = await readShare(urls, session, shareId);
  expect(response.status).toBe(200);
  return response.body;
}

const credentialOf = (walletId: string, type: string, overrides: Record<string, unknown> = {}) =>
  presentedCredential(urls, walletId, type, overrides);

describe("sharing credentials", () => {
  it("shares the chosen credentials and publishes exactly one share event, its claims in Blob storage only", async () => {
    const share = await startedShare(urls, demoSession, [IDENTITY, DBS]);
    expect(share).toMatchObject({ trustId: "RTH", credentialTypes: [IDENTITY, DBS] });
    expect(share.url).toMatch(/^openid-vc:\/\//);
    expect(share.qrCode).toMatch(/^data:image\/png;base64,/);

    const scanned = await scan(urls, "demo", share.url);
    expect(scanned.body).toMatchObject({ requested: [IDENTITY, DBS], missing: [] });
    expect((await shareFor(demoSession, share.shareId)).status).toBe("scanned");
    expect((await present(urls, "demo", share.url)).status).toBe(200);

    const view = await shareFor(demoSession, share.shareId);
    expect(view).toMatchObject({
      shareId: share.shareId,
      trustId: "RTH",
      status: "shared",
      credentials: [
        { type: IDENTITY, issuer: expect.any(String) },
        { type: DBS, issuer: expect.any(String) },
      ],
    });
    expect(JSON.stringify(view)).not.toContain("claims");

    const messages = await messagesFor(share.shareId, 1);
    expect(messages).toHaveLength(1);
    const [message] = messages;
    const event = message?.body as {
      eventId: string;
      type: string;
      trustId: string;
      data: Record<string, unknown>;
    };
    expect(message?.messageId).toBe(event.eventId);
    expect(message?.applicationProperties).toMatchObject({ trustId: "RTH", type: CREDENTIALS_SHARED_EVENT });
    expect(message?.applicationProperties?.correlationId).toEqual(expect.any(String));
    // The message is a reference: identifiers, types and issuers, never the holder, the staff member or a claim.
    expect(event).toEqual({
      eventId: expect.any(String),
      type: CREDENTIALS_SHARED_EVENT,
      trustId: "RTH",
      occurredAt: view.sharedAt,
      data: {
        shareId: share.shareId,
        trustId: "RTH",
        sharedAt: view.sharedAt,
        credentials: [
          expect.objectContaining({ type: IDENTITY, issuer: expect.any(String), revocationStatus: "VALID" }),
          expect.objectContaining({ type: DBS, issuer: expect.any(String), revocationStatus: "VALID" }),
        ],
      },
    });
    expect(JSON.stringify(message?.body)).not.toMatch(/claims|Okafor|RTH-2205117/);
    // The payload, stored under the event's id, holds them; nothing delivers it in this file, so it stays.
    const demo = await walletOf(urls, "demo");
    expect(await storedPayload({ eventId: event.eventId, trustId: "RTH" })).toMatchObject({
      type: CREDENTIALS_SHARED_EVENT,
      data: {
        shareId: share.shareId,
        trustId: "RTH",
        subject: demo.did,
        staff: { staffId: "RTH-2205117", givenName: "Samuel", familyName: "Okafor" },
        sharedAt: view.sharedAt,
        credentials: [
          {
            type: IDENTITY,
            revocationStatus: "VALID",
            claims: { givenName: "Samuel", familyName: "Okafor" },
          },
          { type: DBS, revocationStatus: "VALID" },
        ],
      },
    });
  });

  it("answers the same presentation_verified five times at once with one event and one message", async () => {
    const share = await startedShare(urls, demoSession, [IDENTITY]);
    const body = verifiedShareBody(share, subjectOf(demoSession), [await credentialOf("demo", IDENTITY)]);
    const apiKey = await apiKeyOf(urls, share.url);
    const answers = await Promise.all(Array.from({ length: 5 }, () => postCallback(urls, apiKey, body)));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
    expect(answers.filter((answer) => answer.body.status === "applied")).toHaveLength(1);
    expect((await shareFor(demoSession, share.shareId)).status).toBe("shared");
    expect(await messagesFor(share.shareId, 1)).toHaveLength(1);
  });

  it("refuses a share presented from another wallet holding copies of the credentials", async () => {
    const demo = await walletOf(urls, "demo");
    const copy = await call<{ walletId: string; did: string }>(`${urls.sim}/wallet/wallets`, {
      body: { credentials: demo.credentials },
    });
    expect(copy.status).toBe(201);
    expect(copy.body.did).not.toBe(demo.did);

    const share = await startedShare(urls, demoSession, [IDENTITY]);
    expect((await present(urls, copy.body.walletId, share.url)).status).toBe(200);
    const view = await shareFor(demoSession, share.shareId);
    expect(view).toMatchObject({ status: "failed", error: { code: "subject_mismatch" } });
    expect(await messagesFor(share.shareId, 0)).toHaveLength(0);
  });

  it("refuses a revoked credential presented by the wallet", async () => {
    const session = await logIn(urls, "revoked", "R0A");
    const share = await startedShare(urls, session, [DBS]);
    expect((await present(urls, "revoked", share.url)).status).toBe(200);
    expect(await shareFor(session, share.shareId)).toMatchObject({
      status: "failed",
      error: { code: "credential_revoked" },
    });
    expect(await messagesFor(share.shareId, 0)).toHaveLength(0);
  });

  const past = () => new Date(Date.now() - 86_400_000).toISOString();
  const refusals: [string, string[], () => Promise<Record<string, unknown>[]>][] = [
    [
      "credential_expired",
      [IDENTITY],
      async () => [await credentialOf("demo", IDENTITY, { expirationDate: past() })],
    ],
    [
      "issuer_not_accepted",
      [IDENTITY],
      async () => [await credentialOf("demo", IDENTITY, { issuer: "did:web:issuer.example" })],
    ],
    [
      "credential_dates_invalid",
      [IDENTITY],
      async () => [await credentialOf("demo", IDENTITY, { expirationDate: "12/31/2099" })],
    ],
    ["missing_credentials", [IDENTITY, DBS], async () => [await credentialOf("demo", IDENTITY)]],
    [
      "unexpected_credentials",
      [IDENTITY],
      async () => [await credentialOf("demo", IDENTITY), await credentialOf("demo", DBS)],
    ],
    [
      "presentation_incomplete",
      [IDENTITY],
      async () => {
        const { credentialState: _missing, ...credential } = await credentialOf("demo", IDENTITY);
        return [credential];
      },
    ],
  ];
  for (const [code, types, credentials] of refusals) {
    it(`fails the share with ${code}, and publishes nothing`, async () => {
      const share = await startedShare(urls, demoSession, types);
      const body = verifiedShareBody(share, subjectOf(demoSession), await credentials());
      expect((await postCallback(urls, await apiKeyOf(urls, share.url), body)).status).toBe(200);
      expect(await shareFor(demoSession, share.shareId)).toMatchObject({ status: "failed", error: { code } });
      expect(await messagesFor(share.shareId, 0)).toHaveLength(0);
    });
  }

  it("fails a presentation_verified callback without a subject instead of refusing the body", async () => {
    const share = await startedShare(urls, demoSession, [IDENTITY]);
    const { subject: _none, ...body } = verifiedShareBody(share, "", [await credentialOf("demo", IDENTITY)]);
    expect((await postCallback(urls, await apiKeyOf(urls, share.url), body)).status).toBe(200);
    expect(await shareFor(demoSession, share.shareId)).toMatchObject({ error: { code: "missing_subject" } });
  });
});

describe("the staff member's shares", () => {
  it("hides a share from another staff member's session: neither read nor cancel", async () => {
    const share = await startedShare(urls, demoSession, [IDENTITY]);
    const other = await logIn(urls, "partial", "RTH");
    const read = await readShare(urls, other, share.shareId);
    expect(read.status).toBe(404);
    expect(read.headers.get("content-type")).toBe("application/problem+json");
    expect((await cancelShare(urls, other, share.shareId)).status).toBe(404);
    expect((await shareFor(demoSession, share.shareId)).status).toBe("pending");
  });

  it("cancels a pending share; a later presentation changes nothing and a second cancel is 409", async () => {
    const share = await startedShare(urls, demoSession, [IDENTITY]);
    expect((await cancelShare(urls, demoSession, share.shareId)).status).toBe(204);
    expect((await present(urls, "demo", share.url)).status).toBe(200);
    expect((await shareFor(demoSession, share.shareId)).status).toBe("cancelled");
    expect((await cancelShare(urls, demoSession, share.shareId)).status).toBe(409);
    expect(await messagesFor(share.shareId, 0)).toHaveLength(0);
  });

  it("walks the missing-credential path: the wallet refuses, the share is cancelled and one without it is shared", async () => {
    const session = await logIn(urls, "partial", "RTH");
    const first = await startedShare(urls, session, [IDENTITY, OCCUPATIONAL_HEALTH]);
    expect((await scan(urls, "partial", first.url)).body.missing).toEqual([OCCUPATIONAL_HEALTH]);
    const refused = await present(urls, "partial", first.url);
    expect(refused.status).toBe(409);
    expect(refused.body.missing).toEqual([OCCUPATIONAL_HEALTH]);
    expect((await cancelShare(urls, session, first.shareId)).status).toBe(204);

    const second = await startedShare(urls, session, [IDENTITY]);
    expect((await present(urls, "partial", second.url)).status).toBe(200);
    expect((await shareFor(session, second.shareId)).status).toBe("shared");

    const history = await call<{ shares: ShareView[] }>(`${urls.api}/shares`, { headers: bearer(session) });
    expect(history.body.shares.map((share) => [share.shareId, share.status])).toEqual([
      [second.shareId, "shared"],
      [first.shareId, "cancelled"],
    ]);
  });

  it("pages the history newest first, 50 a page, across trusts", async () => {
    const session = await logIn(urls, "demo", "RJ1");
    const other = await logIn(urls, "demo", "R0A");
    const holder = subjectOf(session);
    const before = (await services().shares.history(holder, { limit: 1000 })).length;
    for (let i = 0; i < 50; i++) await startedShare(urls, i % 2 === 0 ? session : other, [IDENTITY]);
    const all = before + 50;

    const first = await call<{ shares: ShareView[]; continuation?: string }>(`${urls.api}/shares`, {
      headers: bearer(session),
    });
    expect(first.body.shares).toHaveLength(50);
    expect(new Set(first.body.shares.map((share) => share.trustId))).toEqual(new Set(["RJ1", "R0A"]));
    const second = await call<{ shares: ShareView[]; continuation?: string }>(
      `${urls.api}/shares?continuation=${first.body.continuation}`,
      { headers: bearer(other) },
    );
    expect(second.body.shares).toHaveLength(all - 50);
    expect(second.body.continuation).toBeUndefined();
    const times = [...first.body.shares, ...second.body.shares].map((share) => share.createdAt);
    expect(times).toEqual([...times].sort().reverse());
    const ids = [...first.body.shares, ...second.body.shares].map((share) => share.shareId);
    expect(new Set(ids).size).toBe(all);
  });

  it("refuses a continuation token it did not issue with 400", async () => {
    for (const token of ["nope", Buffer.from("2026|x").toString("base64url"), "%00"]) {
      const response = await call(`${urls.api}/shares?continuation=${token}`, {
        headers: bearer(demoSession),
      });
      expect(response.status, token).toBe(400);
    }
  });
});

describe("bad input", () => {
  async function shareCount(): Promise<number> {
    const { resources } = await (await services().database())
      .container("shares")
      .items.query<number>("SELECT VALUE COUNT(1) FROM c")
      .fetchAll();
    return resources[0] ?? 0;
  }

  it("answers 400 with a field error for each bad list, and stores nothing", async () => {
    const before = await shareCount();
    const bad: [unknown, string][] = [
      [[], "body.credentialTypes"],
      [[IDENTITY, IDENTITY], "body.credentialTypes.1"],
      [["StaffPassportUnknown"], "body.credentialTypes.0"],
      [["StaffPassportAccessKey"], "body.credentialTypes.0"],
      ["StaffPassportIdentity", "body.credentialTypes"],
    ];
    for (const [credentialTypes, path] of bad) {
      const response = await startShare(urls, demoSession, credentialTypes);
      expect(response.status, JSON.stringify(credentialTypes)).toBe(400);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      expect(
        (response.body as unknown as { errors: { path: string }[] }).errors.map((e) => e.path),
      ).toContain(path);
    }
    expect(await shareCount()).toBe(before);
  });

  it("answers 401 without a valid session, before looking at the body", async () => {
    for (const headers of [{}, bearer("not-a-token"), bearer(`${demoSession}x`)]) {
      const response = await call(`${urls.api}/shares`, { body: { credentialTypes: [] }, headers });
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toMatch(/^Bearer /);
    }
    expect((await call(`${urls.api}/shares`)).status).toBe(401);
  });

  it("answers a malformed callback without the api-key with 401, and one with it with 400", async () => {
    const share = await startedShare(urls, demoSession, [IDENTITY]);
    const malformed = { state: share.shareId, requestStatus: "something_else" };
    expect((await postCallback(urls, "", malformed)).status).toBe(401);
    expect((await postCallback(urls, "wrong", malformed)).status).toBe(401);
    const withoutKey = await call(`${urls.api}/verifiedid/callback/${share.shareId}`, { body: "{not json" });
    expect(withoutKey.status).toBe(401);
    expect((await postCallback(urls, await apiKeyOf(urls, share.url), malformed)).status).toBe(400);
    expect((await shareFor(demoSession, share.shareId)).status).toBe("pending");
  });

  it("takes a callback body of several megabytes, as Verified ID may send with a photo", async () => {
    const share = await startedShare(urls, demoSession, [IDENTITY]);
    const credential = await credentialOf("demo", IDENTITY);
    const photo = "A".repeat(3 * 1024 * 1024);
    const body = verifiedShareBody(share, subjectOf(demoSession), [
      { ...credential, claims: { ...(credential.claims as object), photo } },
    ]);
    expect((await postCallback(urls, await apiKeyOf(urls, share.url), body)).status).toBe(200);
    expect((await shareFor(demoSession, share.shareId)).status).toBe("shared");
    expect((await startShare(urls, demoSession, [IDENTITY, photo])).status).toBe(413);
  });

  it("answers 403 once the session's trust is deactivated", async () => {
    const session = await logIn(urls, "demo", "RRK");
    const trust = await services().trusts.get("RRK");
    if (!trust) throw new Error("RRK is seeded");
    await services().trusts.upsertAll([{ ...trust, active: false }]);
    try {
      const response = await startShare(urls, session, [IDENTITY]);
      expect(response.status).toBe(403);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
    } finally {
      await services().trusts.upsertAll([trust]);
    }
  });
});
