// The local Functions host killed with SIGKILL mid-pipeline and started again against the same emulators, which
// run in this test's process and keep their data: shares accepted before the crash are recorded once and
// delivered once, with no second event, and nothing is left in an outbox.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalSystem } from "../../local/system.js";
import { services } from "../../src/composition.js";
import { type FaultProxy, startFaultProxy } from "../support/faultProxy.js";
import { startHostProcess } from "../support/hostProcess.js";
import {
  logIn,
  present,
  type StartedShare,
  startedShare,
  subjectOf,
  type Urls,
} from "../support/journeys.js";
import { drained, settledAudit } from "../support/pipelineAudit.js";
import { freePort } from "../support/ports.js";
import { setMode } from "../support/shareEvents.js";
import { serviceBusConnectionVia, startTestSystem } from "../support/system.js";
import { until } from "../support/until.js";

let system: LocalSystem;
let serviceBusProxy: FaultProxy;
let hostPort = 0;

beforeAll(async () => {
  // The host's port is named in its own settings (callback URL, issuer) before it starts, and a restart must serve
  // the same ones: the one port found beforehand rather than bound as port 0.
  hostPort = await freePort();
  serviceBusProxy = await startFaultProxy();
  system = await startTestSystem({
    externalHost: { port: hostPort },
    onEmulatorPorts: (ports) => serviceBusProxy.forwardTo(ports.serviceBus),
    settings: {
      // The host reaches Service Bus through the proxy, so the test can cut it; the test's own reads do not.
      ServiceBusConnection: serviceBusConnectionVia(serviceBusProxy.port),
      // Long enough that the pushes are surely in flight when the host is killed.
      SHARE_DELIVERY_TIMEOUT_SECONDS: "20",
    },
  });
});
afterAll(async () => {
  await system?.close();
  await serviceBusProxy?.close();
});

type EventDoc = { id: string; data: { shareId: string }; delivery: { attempt: number; leaseUntil?: string } };

async function eventsOf(shares: readonly StartedShare[]): Promise<EventDoc[]> {
  const ids = new Set(shares.map((share) => share.shareId));
  const { resources } = await (await services().database())
    .container("shareEvents")
    .items.query<EventDoc>("SELECT c.id, c.data, c.delivery FROM c")
    .fetchAll();
  return resources.filter((event) => ids.has(event.data.shareId));
}

describe("the host killed mid-pipeline and restarted", () => {
  it("records every accepted share once and delivers it once, with one event id, and empties the outbox", async () => {
    const urls: Urls = { api: `http://127.0.0.1:${hostPort}/api`, sim: system.urls.verifiedId };
    const first = await startHostProcess(system.settings, hostPort);
    const session = await logIn(urls, "demo", "RTH");
    await setMode(system, "timeout");

    // Published and being pushed: the trust holds each push, so the deliver messages stay locked by the host.
    const pushing: StartedShare[] = [];
    for (let i = 0; i < 6; i++) {
      const share = await startedShare(urls, session, ["StaffPassportIdentity"]);
      expect((await present(urls, "demo", share.url)).status).toBe(200);
      pushing.push(share);
    }
    await until(
      async () => {
        const events = await eventsOf(pushing);
        return events.length === pushing.length && events.every((event) => event.delivery.leaseUntil);
      },
      20_000,
      "every push in flight",
    );

    // Accepted with Service Bus cut: each event waits in its share's outbox.
    serviceBusProxy.cut();
    const waiting: StartedShare[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const share = await startedShare(urls, session, ["StaffPassportDbsCheck"]);
        expect((await present(urls, "demo", share.url)).status).toBe(200);
        waiting.push(share);
      }
      for (const share of waiting) {
        const stored = await services().shares.get(subjectOf(session), share.shareId);
        expect(stored?.value.outbox).toBeDefined();
      }
      // Killed mid-push: every one of the first shares' attempts is still taken, none recorded.
      expect((await eventsOf(pushing)).filter((event) => event.delivery.leaseUntil)).toHaveLength(6);
      await first.kill();
    } finally {
      serviceBusProxy.restore();
    }

    await setMode(system, "ok");
    await startHostProcess(system.settings, hostPort);
    const shareIds = new Set([...pushing, ...waiting].map((share) => share.shareId));
    const audit = await settledAudit(system, { shareIds, timeoutMs: 90_000 });
    expect(audit.problems).toEqual([]);
    expect(audit).toMatchObject({ accepted: 9, recorded: 9, delivered: 9, lost: 0, duplicated: 0 });

    // The restarted host's copies of the killed pushes wait for their leases (push timeout + 30 s) before they
    // look again: only once none is left can no second event or delivery come.
    await drained(system, shareIds, 90_000);
    expect(await settledAudit(system, { shareIds, timeoutMs: 0 })).toMatchObject({
      delivered: 9,
      lost: 0,
      duplicated: 0,
    });
  }, 270_000);
});
