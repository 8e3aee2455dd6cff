// Faults on the service's own path to Service Bus and to Cosmos DB, with the whole pipeline running: an event the
// callback or a decline could not publish waits in its document's outbox, and once the route is back it is recorded
// once and delivered once to the trust, as a callback that Cosmos DB refused is once Verified ID retries it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalSystem } from "../../local/system.js";
import { services } from "../../src/composition.js";
import type { FaultProxy } from "../support/faultProxy.js";
import {
  apiKeyOf,
  bearer,
  logIn,
  postCallback,
  presentedCredential,
  readShare,
  startedShare,
  subjectOf,
  type Urls,
  verifiedShareBody,
} from "../support/journeys.js";
import { documentsFor, type Received, received, setMode, storedEvent } from "../support/shareEvents.js";
import { call, type ProxiedSystem, startProxiedTestSystem } from "../support/system.js";
import { until } from "../support/until.js";

const IDENTITY = "StaffPassportIdentity";

let proxied: ProxiedSystem;
let system: LocalSystem;
let urls: Urls;
let cosmosProxy: FaultProxy;
let serviceBusProxy: FaultProxy;
let session = "";

beforeAll(async () => {
  proxied = await startProxiedTestSystem();
  ({ system, cosmosProxy, serviceBusProxy } = proxied);
  urls = { api: `${system.urls.host}/api`, sim: system.urls.verifiedId };
  await setMode(system, "ok");
  session = await logIn(urls, "demo", "RTH");
});
afterAll(async () => {
  await proxied?.close();
});

const verifiedCallback = async (share: { shareId: string; url: string }) =>
  verifiedShareBody(share, subjectOf(session), [await presentedCredential(urls, "demo", IDENTITY)]);

/** Every SET the demo trust received about this share or request, duplicates included. */
const setsAbout = async (txn: string): Promise<Received[]> =>
  (await received(system)).filter((set) => set.claims?.txn === txn);

/**
 * Waits until the event is recorded and its delivery settled, then checks it was recorded once and delivered once:
 * one document, one attempt that succeeded, and one SET at the trust with no duplicate behind it.
 */
async function expectRecordedAndDeliveredOnce(eventId: string, txn: string): Promise<void> {
  const stored = await until(
    async () => {
      const event = await storedEvent({ eventId, trustId: "RTH" });
      return event?.delivery.status === "delivered" ? event : undefined;
    },
    { timeoutMs: 40_000, what: `event ${eventId} recorded and delivered` },
  );
  expect(await documentsFor(eventId)).toBe(1);
  expect(stored.delivery.attempts).toHaveLength(1);
  const sets = await setsAbout(txn);
  expect(sets.map((set) => ({ jti: set.jti, verified: set.verified, duplicate: set.duplicate }))).toEqual([
    { jti: eventId, verified: true, duplicate: false },
  ]);
}

describe("with Service Bus unreachable during the callback", () => {
  it("answers 200, keeps the event in the outbox, and once Service Bus is back the sweep publishes it: recorded once and delivered once", async () => {
    const share = await startedShare(urls, session, [IDENTITY]);
    const body = await verifiedCallback(share);
    const apiKey = await apiKeyOf(urls, share.url);
    let eventId = "";
    serviceBusProxy.cut();
    try {
      const answer = await postCallback(urls, apiKey, body);
      expect(answer.status).toBe(200);
      expect((await readShare(urls, session, share.shareId)).body.status).toBe("shared");
      // A published event leaves its outbox: one still there was not published.
      const stored = await services().shares.get(subjectOf(session), share.shareId);
      expect(stored?.value.outbox?.event.data).toMatchObject({ shareId: share.shareId });
      eventId = stored?.value.outbox?.event.eventId ?? "";
      expect(await documentsFor(eventId)).toBe(0);
    } finally {
      serviceBusProxy.restore();
    }
    // The sweep runs every 10 seconds and takes events older than 5; once it has published, the outbox is empty,
    // so no later sweep publishes the event again.
    await expectRecordedAndDeliveredOnce(eventId, share.shareId);
    await until(
      async () =>
        (await services().shares.get(subjectOf(session), share.shareId))?.value.outbox === undefined,
      { timeoutMs: 20_000, what: "the share's outbox emptied" },
    );
  }, 90_000);
});

describe("with Service Bus unreachable when a credential request is declined", () => {
  it("answers 200, keeps the decline's event on the request, and the sweep publishes it: recorded once and delivered once", async () => {
    const { requestId } = (
      await call<{ requestId: string }>(`${system.urls.demoTrust}/control/request`, {
        body: { trustId: "RTH", staffId: "RTH-2205117", credentialTypes: [IDENTITY] },
      })
    ).body;
    let eventId = "";
    serviceBusProxy.cut();
    try {
      const declined = await call(`${urls.api}/credential-requests/${requestId}/decline`, {
        body: { reason: "I have moved to another trust" },
        headers: bearer(session),
      });
      expect(declined.status).toBe(200);
      const stored = await services().credentialRequests.get("RTH", requestId);
      expect(stored?.value.outbox?.event.data).toMatchObject({ requestId });
      eventId = stored?.value.outbox?.event.eventId ?? "";
      expect(await documentsFor(eventId)).toBe(0);
    } finally {
      serviceBusProxy.restore();
    }
    await expectRecordedAndDeliveredOnce(eventId, requestId);
    await until(
      async () => (await services().credentialRequests.get("RTH", requestId))?.value.outbox === undefined,
      { timeoutMs: 20_000, what: "the request's outbox emptied" },
    );
  }, 90_000);
});

describe("with Cosmos DB unreachable during the callback", () => {
  it("answers 503 with nothing half done, and Verified ID's retry applies the callback once: recorded once and delivered once", async () => {
    const share = await startedShare(urls, session, [IDENTITY]);
    const body = await verifiedCallback(share);
    const apiKey = await apiKeyOf(urls, share.url);
    cosmosProxy.cut();
    let refused: Awaited<ReturnType<typeof postCallback>>;
    try {
      refused = await postCallback(urls, apiKey, body);
    } finally {
      cosmosProxy.restore();
    }
    expect(refused.status).toBe(503);
    expect(refused.headers.get("content-type")).toBe("application/problem+json");
    expect((await readShare(urls, session, share.shareId)).body.status).toBe("pending");

    const retried = await postCallback(urls, apiKey, body);
    expect(retried.status).toBe(200);
    expect(retried.body.status).toBe("applied");
    expect((await postCallback(urls, apiKey, body)).body.status).toBe("unchanged");
    expect((await readShare(urls, session, share.shareId)).body.status).toBe("shared");
    const [first] = await until(
      async () => {
        const sets = await setsAbout(share.shareId);
        return sets.length > 0 && sets;
      },
      { timeoutMs: 20_000, what: "the share's SET at the demo trust" },
    );
    await expectRecordedAndDeliveredOnce(first?.jti ?? "", share.shareId);
  }, 120_000);
});
