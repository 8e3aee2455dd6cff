// A short soak (`npm run soak` runs 10,000): shares through the whole pipeline while the demo trust fails at random,
// and nothing lost, nothing duplicated once the pipeline settles.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSoak, SOAK_SETTINGS } from "../../bench/soak.js";
import type { LocalSystem } from "../../local/system.js";
import { call, startTestSystem } from "../support/system.js";

const SHARES = 200;

let system: LocalSystem;

beforeAll(async () => {
  system = await startTestSystem({ settings: SOAK_SETTINGS });
});
afterAll(() => system?.close());

describe("the demo trust's random mode", () => {
  it("answers 503 to every push at failRate 1 and to none at 0, and refuses a rate outside 0 to 1", async () => {
    const control = (body: unknown) => call(`${system.urls.demoTrust}/control`, { body });
    const push = async () =>
      (
        await fetch(`${system.urls.demoTrust}/events`, {
          method: "POST",
          headers: { "content-type": "application/secevent+jwt" },
          body: "not.a.token",
        })
      ).status;
    expect((await control({ mode: "random", failRate: 1 })).body).toEqual({ mode: "random", failRate: 1 });
    expect([await push(), await push(), await push()]).toEqual([503, 503, 503]);
    await control({ mode: "random", failRate: 0 });
    // Not failed on purpose: the token is read, and refused as a bad SET.
    expect([await push(), await push(), await push()]).toEqual([400, 400, 400]);
    for (const failRate of [-0.1, 1.5, "0.3", undefined]) {
      expect((await control({ mode: "random", failRate })).status).toBe(400);
    }
    expect((await call(`${system.urls.demoTrust}/control`)).body).toEqual({ mode: "random", failRate: 0 });
    await control({ mode: "ok" });
  });
});

describe("a short soak", () => {
  it(`loses and duplicates none of ${SHARES} shares while the trust fails a third of its pushes`, async () => {
    const report = await runSoak(system, {
      shares: SHARES,
      failRate: 0.3,
      concurrency: 8,
      settleTimeoutMs: 120_000,
    });
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({
      presented: SHARES,
      accepted: SHARES,
      recorded: SHARES,
      lost: 0,
      duplicated: 0,
    });
    expect(report.delivered + report.deadLettered).toBe(SHARES);
  }, 600_000);
});
