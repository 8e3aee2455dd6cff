import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { functions } from "../../functions/index.js";
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
import { call, type ProxiedSystem, startProxiedTestSystem } from "../support/system.js";
import { collectSubscription, type TopicCollector } from "../support/topicCollector.js";

const IDENTITY = "StaffPassportIdentity";

let proxied: ProxiedSystem;
let system: LocalSystem;
let urls: Urls;
let cosmosProxy: FaultProxy;
let serviceBusProxy: FaultProxy;
let collector: TopicCollector;
let session = "";

beforeAll(async () => {
  proxied = await startProxiedTestSystem({
    // The Service Bus consumers are left out, so that this file's receiver is the only one on `record`.
    functions: functions.filter((fn) => fn.kind !== "serviceBusTopic" && fn.kind !== "serviceBusQueue"),
  });
  ({ system, cosmosProxy, serviceBusProxy } = proxied);
  urls = { api: `${system.urls.host}/api`, sim: system.urls.verifiedId };
  // The test's own receiver goes straight to the emulator: only the service's path is cut.
  collector = collectSubscription(system.serviceBus.connectionString, "share-events", "record");
  session = await logIn(urls, "demo", "RTH");
});
afterAll(async () => {
  await collector?.close();
  await proxied?.close();
});

const messagesFor = (shareId: string) => collector.forShare(shareId);

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const verifiedCallback = async (share: { shareId: string; url: string }) =>
  verifiedShareBody(share, subjectOf(session), [await presentedCredential(urls, "demo", IDENTITY)]);

describe("with Service Bus unreachable during the callback", () => {
  it("answers 200, keeps the event in the outbox, and the sweep publishes it exactly once when Service Bus is back", async () => {
    const share = await startedShare(urls, session, [IDENTITY]);
    const body = await verifiedCallback(share);
    const apiKey = await apiKeyOf(urls, share.url);
    serviceBusProxy.cut();
    try {
      const answer = await postCallback(urls, apiKey, body);
      expect(answer.status).toBe(200);
      expect((await readShare(urls, session, share.shareId)).body.status).toBe("shared");
      const stored = await services().shares.get(subjectOf(session), share.shareId);
      expect(stored?.value.outbox?.event.data).toMatchObject({ shareId: share.shareId });
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(messagesFor(share.shareId)).toHaveLength(0);
    } finally {
      serviceBusProxy.restore();
    }
    // The sweep runs every 10 seconds and takes events older than 5.
    await until(() => messagesFor(share.shareId).length > 0, 40_000);
    await until(
      async () =>
        (await services().shares.get(subjectOf(session), share.shareId))?.value.outbox === undefined,
      20_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(messagesFor(share.shareId)).toHaveLength(1);
  }, 90_000);
});

describe("with Service Bus unreachable when a credential request is declined", () => {
  it("answers 200, keeps the decline's event on the request, and the sweep publishes it exactly once", async () => {
    const { requestId } = (
      await call<{ requestId: string }>(`${system.urls.demoTrust}/control/request`, {
        body: { trustId: "RTH", staffId: "RTH-2205117", credentialTypes: [IDENTITY] },
      })
    ).body;
    serviceBusProxy.cut();
    try {
      const declined = await call(`${urls.api}/credential-requests/${requestId}/decline`, {
        body: { reason: "I have moved to another trust" },
        headers: bearer(session),
      });
      expect(declined.status).toBe(200);
      const stored = await services().credentialRequests.get("RTH", requestId);
      expect(stored?.value.outbox?.event.data).toMatchObject({ requestId });
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(collector.forDeclinedRequest(requestId)).toHaveLength(0);
    } finally {
      serviceBusProxy.restore();
    }
    await until(() => collector.forDeclinedRequest(requestId).length > 0, 40_000);
    await until(
      async () => (await services().credentialRequests.get("RTH", requestId))?.value.outbox === undefined,
      20_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(collector.forDeclinedRequest(requestId)).toHaveLength(1);
  }, 90_000);
});

describe("with Cosmos DB unreachable during the callback", () => {
  it("answers 503 with nothing half done, and Verified ID's retry applies the callback once", async () => {
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
    await until(() => messagesFor(share.shareId).length > 0, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(messagesFor(share.shareId)).toHaveLength(1);
  }, 120_000);
});
