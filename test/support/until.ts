// The one way a test waits for something the system does in its own time: it polls a check until it holds, and a
// check that never holds fails the test with a message naming what was awaited, never returns as if it had.

export type UntilOptions = {
  /** What is awaited, for the failure message; the check's own source when not given. */
  what?: string;
  timeoutMs?: number;
  /** Pause between checks. */
  everyMs?: number;
};

/**
 * Resolves with the check's first value that is neither `undefined` nor `false`; throws once `timeoutMs` has
 * passed without one. A check that throws fails at once, so a broken read is not mistaken for a slow one.
 */
export async function until<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutOrOptions: number | UntilOptions = {},
  what?: string,
): Promise<T> {
  const options: UntilOptions =
    typeof timeoutOrOptions === "number"
      ? { timeoutMs: timeoutOrOptions, ...(what === undefined ? {} : { what }) }
      : timeoutOrOptions;
  const timeoutMs = options.timeoutMs ?? 20_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) {
      throw new Error(`waited ${timeoutMs} ms in vain for ${options.what ?? describeCheck(check)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.everyMs ?? 50));
  }
}

/** The check's source on one line, so an unnamed wait still says what it was waiting for. */
function describeCheck(check: () => unknown): string {
  const source = check.toString().replace(/\s+/g, " ").trim();
  return source.length > 300 ? `${source.slice(0, 300)}…` : source;
}
