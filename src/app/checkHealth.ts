// Health: asks each dependency a cheap question and reports which one does not answer.

export type HealthCheck = () => Promise<void>;
export type HealthReport = { status: "ok" | "unavailable"; checks: Record<string, "ok" | "unavailable"> };

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

export async function checkHealth(
  checks: Readonly<Record<string, HealthCheck>>,
  timeoutMs = CHECK_TIMEOUT_MS,
): Promise<HealthReport> {
  const names = Object.keys(checks);
  const results = await Promise.all(
    names.map((name) => answers(checks[name] ?? (async () => {}), timeoutMs)),
  );
  const report: HealthReport["checks"] = {};
  names.forEach((name, index) => {
    report[name] = results[index] ? "ok" : "unavailable";
  });
  return { status: results.every(Boolean) ? "ok" : "unavailable", checks: report };
}
