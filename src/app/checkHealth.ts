// Health: asks each dependency a cheap question and reports which one does not answer, and counts the share events
// parked in an outbox (degraded: the service works, but an operator must look); the anonymous endpoint reads a
// cached answer, so that its callers cannot make the service open a connection each.

export type HealthCheck = () => Promise<void>;
/** How many share events are parked in an outbox, waiting for an operator. */
export type ParkedCount = () => Promise<number>;
/** A check's answer: "ok", "unavailable", or for the outbox the count of parked events ("3 parked"). */
export type CheckResult = "ok" | "unavailable" | `${number} parked`;
export type HealthReport = { status: "ok" | "degraded" | "unavailable"; checks: Record<string, CheckResult> };

const CHECK_TIMEOUT_MS = 3_000;

async function answers(check: HealthCheck, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([check().then(() => true), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

async function counted(count: ParkedCount, timeoutMs: number): Promise<number | undefined> {
  let value: number | undefined;
  const answered = await answers(async () => {
    value = await count();
  }, timeoutMs);
  return answered ? value : undefined;
}

/**
 * Unavailable when a dependency does not answer (or the parked events cannot be counted); degraded when every one
 * answers but share events are parked; ok otherwise.
 */
export async function checkHealth(
  checks: Readonly<Record<string, HealthCheck>>,
  timeoutMs = CHECK_TIMEOUT_MS,
  parked?: ParkedCount,
): Promise<HealthReport> {
  const names = Object.keys(checks);
  const [results, parkedCount] = await Promise.all([
    Promise.all(names.map((name) => answers(checks[name] ?? (async () => {}), timeoutMs))),
    parked === undefined ? Promise.resolve(0) : counted(parked, timeoutMs),
  ]);
  const report: HealthReport["checks"] = {};
  names.forEach((name, index) => {
    report[name] = results[index] ? "ok" : "unavailable";
  });
  if (parked !== undefined)
    report.outbox =
      parkedCount === undefined ? "unavailable" : parkedCount === 0 ? "ok" : `${parkedCount} parked`;
  const status =
    !results.every(Boolean) || parkedCount === undefined
      ? "unavailable"
      : parkedCount > 0
        ? "degraded"
        : "ok";
  return { status, checks: report };
}

/** How long one answer is reused: long enough that a flood costs one check per instance per window. */
export const HEALTH_MAX_AGE_MS = 5_000;

/**
 * The health report, asked of the dependencies at most once per HEALTH_MAX_AGE_MS: concurrent callers share the
 * check in flight (so at most one runs at a time) and later callers get its answer until it is too old. An
 * unavailable answer is reused too, so that probes during an outage do not pile up receivers and timeouts.
 */
export function cachedHealth(
  checks: Readonly<Record<string, HealthCheck>>,
  options: { clock: () => Date; maxAgeMs?: number; timeoutMs?: number; parked?: ParkedCount },
): () => Promise<HealthReport> {
  const maxAgeMs = options.maxAgeMs ?? HEALTH_MAX_AGE_MS;
  let last: { report: HealthReport; at: number } | undefined;
  let inFlight: Promise<HealthReport> | undefined;
  return () => {
    if (last !== undefined && options.clock().getTime() - last.at < maxAgeMs) {
      return Promise.resolve(last.report);
    }
    inFlight ??= checkHealth(checks, options.timeoutMs, options.parked)
      .then((report) => {
        last = { report, at: options.clock().getTime() };
        return report;
      })
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };
}
