// The fault matrix over real shares, from the wallet to the trust: Cosmos DB cut while the consumers record and
// deliver, and the app's Service Bus connection cut while pushes are in flight (the in-process host's triggers
// connect to the emulator directly, so their messages keep coming while the handlers cannot send). Cuts go through fault-injecting TCP proxies, so the
// emulators keep their data; afterwards every accepted share is recorded once and delivered once, with one
// event id, and nothing is left in an outbox. (Service Bus cut during the callback, and Cosmos DB cut during it,
// are in shareFaults.test.ts; the trust failing, timing out and refusing in shareEvents.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalSystem } from "../../local/system.js";
import { services } from "../../src/composition.js";
import type { FaultProxy } from "../support/faultProxy.js";
import { logIn, present, type StartedShare, startedShare, type Urls } from "../support/journeys.js";
import { drained, settledAudit } from "../support/pipelineAudit.js";
import { setMode } from "../support/shareEvents.js";
import { type ProxiedSystem, startProxiedTestSystem } from "../support/system.js";
import { until } from "../support/until.js";

let proxied: ProxiedSystem;
let system: LocalSystem;
let urls: Urls;
let cosmosProxy: FaultProxy;
let serviceBusProxy: FaultProxy;
let session = "";

beforeAll(async () => {
  proxied = await startProxiedTestSystem({ settings: { SHARE_DELIVERY_TIMEOUT_SECONDS: "3" } });
  ({ system, cosmosProxy, serviceBusProxy } = proxied);
  urls = { api: `${system.urls.host}/api`, sim: system.urls.verifiedId };
  session = await logIn(urls, "demo", "RTH");
});
afterAll(async () => {
  await proxied?.close();
});

/** Shares the wallet presents, each accepted by its callback, while the trust holds every push. */
async function sharesBeingPushed(count: number): Promise<StartedShare[]> {
  await setMode(system, "timeout");
  const shares: StartedShare[] = [];
  for (let i = 0; i < count; i++) {
    const share = await startedShare(urls, session, ["StaffPassportIdentity"]);
    expect((await present(urls, "demo", share.url)).status).toBe(200);
    shares.push(share);
  }
  const ids = new Set(shares.map((share) => share.shareId));
  await until(
    async () => {
      const { resources } = await (await services().database())
        .container("shareEvents")
        .items.query<{ data: { shareId: string }; delivery: { leaseUntil?: string } }>(
          "SELECT c.data, c.delivery FROM c",
        )
        .fetchAll();
      const mine = resources.filter((event) => ids.has(event.data.shareId));
      return mine.length === count && mine.every((event) => event.delivery.leaseUntil !== undefined);
    },
    20_000,
    "every push in flight",
  );
  return shares;
}

async function expectInvariant(shares: readonly StartedShare[]): Promise<void> {
  const shareIds = new Set(shares.map((share) => share.shareId));
  const audit = await settledAudit(system, { shareIds, timeoutMs: 90_000 });
  expect(audit.problems).toEqual([]);
  expect(audit).toMatchObject({
    accepted: shares.length,
    recorded: shares.length,
    delivered: shares.length,
    lost: 0,
    duplicated: 0,
  });
  // Redelivered copies wait for the lease of the attempt they found in flight (push timeout + 30 s) before they
  // look again: only once none is left can no second event or delivery come.
  await drained(system, shareIds, 60_000);
  expect(await settledAudit(system, { shareIds, timeoutMs: 0 })).toMatchObject({
    delivered: shares.length,
    lost: 0,
    duplicated: 0,
  });
}

describe("the fault matrix, whole pipeline", () => {
  it("records and delivers every share once when Cosmos DB is cut while the consumers record their pushes", async () => {
    const shares = await sharesBeingPushed(4);
    cosmosProxy.cut();
    try {
      // The held pushes time out meanwhile, and their outcome cannot be written.
      await setMode(system, "ok");
      await new Promise((resolve) => setTimeout(resolve, 4_000));
    } finally {
      cosmosProxy.restore();
    }
    await expectInvariant(shares);
  }, 240_000);

  it("records and delivers every share once when Service Bus is cut while pushes are in flight", async () => {
    const shares = await sharesBeingPushed(4);
    serviceBusProxy.cut();
    try {
      // The held pushes time out meanwhile: their retries cannot be scheduled nor their messages settled.
      await setMode(system, "ok");
      await new Promise((resolve) => setTimeout(resolve, 4_000));
    } finally {
      serviceBusProxy.restore();
    }
    await expectInvariant(shares);
  }, 240_000);
});
