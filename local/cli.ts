// What the command-line entries under local/ share: a port read from an option or the environment, and a clean
// stop on a signal.

/** The port given, or the fallback; anything else ends the process with a message naming what was given. */
export function portOrExit(given: string | undefined, fallback: number, label: string): number {
  const port = Number(given ?? fallback);
  if (Number.isInteger(port) && port >= 0 && port <= 65_535) return port;
  console.error(`Invalid ${label} '${given}'.`);
  process.exit(2);
}

/** Closes what runs on the first of the signals, then exits: 0 when it closed cleanly, 1 when closing failed. */
export function closeOnSignals(
  close: () => Promise<void>,
  signals: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM"],
): void {
  const stop = (): void => {
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  for (const signal of signals) process.once(signal, stop);
}
