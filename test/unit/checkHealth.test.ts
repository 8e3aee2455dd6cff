// The health answer is cached for a few seconds and one check runs at a time, so that a flood of anonymous
// GET /api/health requests does not open a Service Bus receiver and read Cosmos DB for each one; share events
// parked in an outbox make the answer degraded, not unavailable.
import { describe, expect, it } from "vitest";
import { cachedHealth, checkHealth, HEALTH_MAX_AGE_MS, type HealthCheck } from "../../src/app/checkHealth.js";

/** A check that counts its runs and answers when the test releases it. */
function gatedCheck() {
  let runs = 0;
  let release: (() => void) | undefined;
  const check: HealthCheck = () => {
    runs++;
    return new Promise<void>((resolve) => {
      release = resolve;
    });
  };
  return { check, runs: () => runs, release: () => release?.() };
}

describe("cached health", () => {
  it("runs one check for many concurrent requests and gives them all its answer", async () => {
    const gate = gatedCheck();
    let now = 0;
    const health = cachedHealth({ gate: gate.check }, { clock: () => new Date(now) });
    const answers = Array.from({ length: 50 }, () => health());
    await Promise.resolve();
    expect(gate.runs()).toBe(1);
    gate.release();
    const reports = await Promise.all(answers);
    expect(new Set(reports.map((report) => report.status))).toEqual(new Set(["ok"]));
    now += 1;
    await health();
    expect(gate.runs()).toBe(1);
  });

  it("checks again once the answer is older than its maximum age", async () => {
    let runs = 0;
    let now = 1_000;
    const health = cachedHealth(
      {
        counted: async () => {
          runs++;
        },
      },
      { clock: () => new Date(now) },
    );
    await health();
    now += HEALTH_MAX_AGE_MS - 1;
    await health();
    expect(runs).toBe(1);
    now += 1;
    await health();
    expect(runs).toBe(2);
  });

  it("caches an unavailable answer as well, so that a flood during an outage does not pile up checks", async () => {
    let runs = 0;
    const health = cachedHealth(
      {
        down: async () => {
          runs++;
          throw new Error("refused");
        },
      },
      { clock: () => new Date(0) },
    );
    expect((await health()).status).toBe("unavailable");
    expect((await health()).checks).toEqual({ down: "unavailable" });
    expect(runs).toBe(1);
  });
});

describe("health with the outbox's parked events", () => {
  const answers: HealthCheck = async () => {};
  const refuses: HealthCheck = async () => {
    throw new Error("refused");
  };

  it("is ok, with the outbox ok, while no event is parked", async () => {
    expect(await checkHealth({ cosmos: answers }, 1_000, async () => 0)).toEqual({
      status: "ok",
      checks: { cosmos: "ok", outbox: "ok" },
    });
  });

  it("is degraded, not unavailable, with the outbox check naming the count, while events are parked", async () => {
    expect(await checkHealth({ cosmos: answers, serviceBus: answers }, 1_000, async () => 3)).toEqual({
      status: "degraded",
      checks: { cosmos: "ok", serviceBus: "ok", outbox: "3 parked" },
    });
  });

  it("is unavailable when a dependency does not answer, whatever is parked", async () => {
    expect(await checkHealth({ cosmos: answers, serviceBus: refuses }, 1_000, async () => 2)).toEqual({
      status: "unavailable",
      checks: { cosmos: "ok", serviceBus: "unavailable", outbox: "2 parked" },
    });
  });

  it("is unavailable when the parked events cannot be counted", async () => {
    expect(
      await checkHealth({ cosmos: answers }, 1_000, async () => {
        throw new Error("query failed");
      }),
    ).toEqual({ status: "unavailable", checks: { cosmos: "ok", outbox: "unavailable" } });
  });

  it("counts with the cached check, once per answer", async () => {
    let counts = 0;
    const health = cachedHealth(
      { cosmos: answers },
      {
        clock: () => new Date(0),
        parked: async () => {
          counts++;
          return 1;
        },
      },
    );
    expect(await health()).toEqual({ status: "degraded", checks: { cosmos: "ok", outbox: "1 parked" } });
    await health();
    expect(counts).toBe(1);
  });
});
