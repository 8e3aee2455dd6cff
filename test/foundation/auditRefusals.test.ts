// Refused authentications' audit entries and the retries of a failed audit write, against the Cosmos DB emulator
// through the real @azure/cosmos SDK: a source's refusals past its threshold are counted into one summary entry per
// window, writes past the cap in flight are dropped and counted, and a transient failure is retried once more while
// a failure that will not change is logged at once. Only the clock, the waits and the timer are the test's own.
import { type Database, ErrorResponse } from "@azure/cosmos";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  installLocalTelemetry,
  type LocalTelemetry,
  uninstallLocalTelemetry,
} from "../../local/telemetry.js";
import { auditAppendFailure, cosmosAuditTrail } from "../../src/adapters/cosmos/auditTrail.js";
import { ensureDatabase } from "../../src/adapters/cosmos/client.js";
import { ensureContainers } from "../../src/adapters/cosmos/containers.js";
import { DependencyUnavailable } from "../../src/adapters/cosmos/errors.js";
import {
  AUDIT_RETRY_MAX_DELAY_MS,
  auditRecorder,
  REFUSAL_WINDOW_MS,
  REFUSAL_WRITES_IN_FLIGHT,
  REFUSALS_WRITTEN_PER_SOURCE,
  type Refusal,
  refusalRecorder,
} from "../../src/app/audit.js";
import type { AuditTrail } from "../../src/app/ports.js";
import type { AuditEntry } from "../../src/domain/audit.js";
import { mintId } from "../../src/domain/secrets.js";
import { METRIC_NAMES } from "../../src/telemetry/metrics.js";
import { useCosmosEmulator } from "../support/cosmosEmulator.js";
import { heldTrail, memoryLogger } from "../support/memoryPorts.js";

const RETENTION_SECONDS = 24 * 60 * 60;

const cosmos = useCosmosEmulator();
let database: Database;
let trail: AuditTrail;
let telemetry: LocalTelemetry | undefined;

beforeAll(() => {
  telemetry = installLocalTelemetry({});
});
afterAll(() => uninstallLocalTelemetry());
beforeEach(async () => {
  database = await ensureDatabase(cosmos.client(), `audit-${mintId()}`);
  await ensureContainers(database);
  trail = cosmosAuditTrail(async () => database.container("audit"), RETENTION_SECONDS);
});

/** A clock the test moves by hand. */
function handClock() {
  let now = Date.now();
  return {
    clock: () => new Date(now),
    advance: (ms: number) => {
      now += ms;
    },
  };
}

/** The real trail, whose first append throws `error` before anything reaches the store. */
function failingFirst(real: AuditTrail, error: unknown) {
  let calls = 0;
  const failing: AuditTrail = {
    ...real,
    async append(entry) {
      calls += 1;
      if (calls === 1) throw error;
      await real.append(entry);
    },
  };
  return { trail: failing, calls: () => calls };
}

/** What the counter of dropped refusal entries holds now. */
async function droppedSoFar(): Promise<number> {
  if (telemetry === undefined) throw new Error("the local telemetry is installed");
  const { scopeMetrics } = await telemetry.collectMetrics();
  return scopeMetrics
    .flatMap((scope) => scope.metrics)
    .filter((metric) => metric.descriptor.name === METRIC_NAMES.auditRefusalsDropped)
    .flatMap((metric) => metric.dataPoints as { value: number }[])
    .reduce((sum, point) => sum + point.value, 0);
}

const refusal = (clientAddress: string, trustId: string): Refusal => ({
  trustId,
  clientAddress,
  code: "invalid_trust_token",
  route: "POST /api/trust/credential-requests",
  correlationId: mintId(),
});

const isSummary = (entry: AuditEntry) => entry.id.startsWith("auth.refused.summary:");

describe("refused authentications' audit entries", () => {
  it("writes a source's first refusals one by one and the rest as one summary with their count, leaving another source be", async () => {
    const { clock, advance } = handClock();
    const log = memoryLogger();
    const refusals = refusalRecorder(auditRecorder(trail, clock, log), clock, log, { schedule: () => {} });
    const over = 7;
    for (let i = 0; i < REFUSALS_WRITTEN_PER_SOURCE + over; i++) {
      refusals.refused(refusal("198.51.100.1", "FLOOD"));
      advance(1_000);
    }
    for (let i = 0; i < 3; i++) refusals.refused(refusal("198.51.100.2", "CALM"));
    await refusals.settled();

    const flood = await trail.byTrust("FLOOD");
    expect(flood.filter(isSummary)).toEqual([]);
    expect(flood).toHaveLength(REFUSALS_WRITTEN_PER_SOURCE);
    // Once the window has passed, the refusals not written have their one entry.
    advance(REFUSAL_WINDOW_MS);
    await refusals.settled();
    const summaries = (await trail.byTrust("FLOOD")).filter(isSummary);
    expect(summaries).toEqual([
      expect.objectContaining({
        action: "auth.refused",
        actor: "anonymous",
        clientAddress: "198.51.100.1",
        trustId: "FLOOD",
        code: "invalid_trust_token",
        route: "POST /api/trust/credential-requests",
        count: over,
      }),
    ]);
    expect(await trail.byTrust("FLOOD")).toHaveLength(REFUSALS_WRITTEN_PER_SOURCE + 1);

    const calm = await trail.byTrust("CALM");
    expect(calm).toHaveLength(3);
    expect(calm.filter(isSummary)).toEqual([]);
    expect(log.lines.filter((line) => line.level !== "info")).toEqual([]);
  });

  it("answers at once while writes are held, drops and counts those past the cap in flight, and writes the rest once they end", async () => {
    const { clock, advance } = handClock();
    const log = memoryLogger();
    const held = heldTrail(trail);
    const refusals = refusalRecorder(auditRecorder(held.trail, clock, log), clock, log, {
      schedule: () => {},
    });
    const droppedBefore = await droppedSoFar();
    const past = 4;
    // Each from its own address, so that no source's threshold is what holds them back.
    for (let i = 0; i < REFUSAL_WRITES_IN_FLIGHT + past; i++)
      refusals.refused(refusal(`198.51.100.${10 + i}`, "CAP"));

    expect(held.started()).toBe(REFUSAL_WRITES_IN_FLIGHT);
    expect(await droppedSoFar()).toBe(droppedBefore + past);
    expect(await trail.byTrust("CAP")).toEqual([]);
    held.open();
    await refusals.settled();
    const written = await trail.byTrust("CAP");
    expect(written).toHaveLength(REFUSAL_WRITES_IN_FLIGHT);
    const dropped = log.lines.filter((line) => line.message === "audit refusals dropped");
    expect(dropped.every((line) => line.level === "warn")).toBe(true);
    expect(dropped.reduce((sum, line) => sum + Number(line.fields.count), 0)).toBe(past);

    // The record still says how many there were: each dropped refusal is counted in its source's summary.
    advance(REFUSAL_WINDOW_MS);
    await refusals.settled();
    const summaries = (await trail.byTrust("CAP")).filter(isSummary);
    expect(summaries.map((summary) => (summary as AuditEntry & { count: number }).count)).toEqual(
      Array.from({ length: past }, () => 1),
    );
  });

  it("summarises a flood that has stopped when the window's timer fires", async () => {
    const { clock, advance } = handClock();
    const log = memoryLogger();
    const armed: { ms: number; callback: () => void }[] = [];
    const refusals = refusalRecorder(auditRecorder(trail, clock, log), clock, log, {
      schedule: (ms, callback) => armed.push({ ms, callback }),
    });
    for (let i = 0; i <= REFUSALS_WRITTEN_PER_SOURCE; i++) refusals.refused(refusal("198.51.100.3", "STOP"));
    expect(armed.map((timer) => timer.ms)).toEqual([REFUSAL_WINDOW_MS]);
    advance(REFUSAL_WINDOW_MS);
    armed[0]?.callback();
    await refusals.settled();
    expect((await trail.byTrust("STOP")).filter(isSummary)).toEqual([expect.objectContaining({ count: 1 })]);
  });
});

describe("a failed audit write", () => {
  const entry = (trustId: string) => ({
    id: `decision.made:${mintId()}`,
    action: "decision.made" as const,
    actor: "trust" as const,
    trustId,
    subject: "did:jwk:someone",
    code: "accepted",
  });

  it("is retried after a transient failure and written once", async () => {
    const { clock } = handClock();
    const log = memoryLogger();
    const unavailable = new ErrorResponse("Service Unavailable");
    unavailable.code = 503;
    // As the store's adapter throws it: the SDK's error as the cause of an unavailable dependency.
    const failing = failingFirst(trail, new DependencyUnavailable("Cosmos DB", { cause: unavailable }));
    const waits: number[] = [];
    const record = auditRecorder(failing.trail, clock, log, {
      failure: auditAppendFailure,
      sleep: async (ms) => void waits.push(ms),
      random: () => 0.5,
    });
    const written = entry("RTRY");
    await record(written);
    expect(failing.calls()).toBe(2);
    expect(waits).toHaveLength(1);
    expect(await trail.byTrust("RTRY")).toEqual([{ ...written, at: clock().toISOString() }]);
    expect(await trail.bySubject("did:jwk:someone")).toHaveLength(1);
    expect(log.lines).toEqual([]);
  });

  it("waits as long as a 429's retry-after asks, within the cap", async () => {
    const { clock } = handClock();
    const waits: number[] = [];
    for (const asked of [300, AUDIT_RETRY_MAX_DELAY_MS * 5]) {
      const throttled = new ErrorResponse("Too Many Requests");
      throttled.code = 429;
      throttled.retryAfterInMs = asked;
      const record = auditRecorder(failingFirst(trail, throttled).trail, clock, memoryLogger(), {
        failure: auditAppendFailure,
        sleep: async (ms) => void waits.push(ms),
        random: () => 0,
      });
      await record(entry("THRT"));
    }
    expect(waits).toEqual([300, AUDIT_RETRY_MAX_DELAY_MS]);
    expect(await trail.byTrust("THRT")).toHaveLength(2);
  });

  it("is not retried after a failure that will not change, and is logged with its action and id only", async () => {
    const { clock } = handClock();
    const log = memoryLogger();
    const badRequest = new ErrorResponse("Bad Request");
    badRequest.code = 400;
    const failing = failingFirst(trail, new DependencyUnavailable("Cosmos DB", { cause: badRequest }));
    const waits: number[] = [];
    const record = auditRecorder(failing.trail, clock, log, {
      failure: auditAppendFailure,
      sleep: async (ms) => void waits.push(ms),
    });
    const refused = entry("NORT");
    await record(refused);
    expect(failing.calls()).toBe(1);
    expect(waits).toEqual([]);
    expect(await trail.byTrust("NORT")).toEqual([]);
    expect(log.lines).toEqual([
      {
        level: "error",
        message: "audit entry not written",
        fields: expect.objectContaining({ action: "decision.made", auditId: refused.id, attempts: 1 }),
      },
    ]);
    const logged = JSON.stringify(log.lines);
    for (const value of [refused.subject, refused.trustId, refused.code]) expect(logged).not.toContain(value);
  });
});
