// Runs timer triggers on their NCRONTAB schedules, one invocation at a time per function, as the host does.
import { randomUUID } from "node:crypto";
import type { Timer } from "@azure/functions";
import type { TimerFunctionDefinition } from "../../functions/definition.js";
import { InvocationContext } from "./functionsLibrary.js";
import { parseNcrontab } from "./ncrontab.js";

export type TimerRunner = { close(): Promise<void> };

/** A schedule written `%NAME%` is read from the app setting NAME, as the Functions host does. */
export function resolveSchedule(
  schedule: string,
  settings: Readonly<Record<string, string | undefined>>,
): string {
  const named = /^%([A-Za-z0-9_]+)%$/.exec(schedule)?.[1];
  if (named === undefined) return schedule;
  const value = settings[named];
  if (!value) throw new Error(`Setting ${named} (a timer schedule) is not set`);
  return value;
}

export function startTimers(
  functions: readonly TimerFunctionDefinition[],
  options: {
    log?: (line: string) => void;
    now?: () => Date;
    settings?: Readonly<Record<string, string | undefined>>;
  } = {},
): TimerRunner {
  const log = options.log ?? (() => {});
  const now = options.now ?? (() => new Date());
  const timers = new Set<NodeJS.Timeout>();
  const running = new Set<Promise<void>>();
  let closed = false;

  for (const fn of functions) {
    const schedule = parseNcrontab(resolveSchedule(fn.options.schedule, options.settings ?? {}));
    const invoke = (isPastDue: boolean, last: Date | undefined, next: Date) => {
      const timer: Timer = {
        isPastDue,
        schedule: { adjustForDST: false },
        scheduleStatus: {
          last: (last ?? new Date(0)).toISOString(),
          next: next.toISOString(),
          lastUpdated: now().toISOString(),
        },
      };
      const context = new InvocationContext({
        invocationId: randomUUID(),
        functionName: fn.name,
        logHandler: (level, ...args) => log(`[${level}] ${args.map(String).join(" ")}`),
      });
      const run = (async () => {
        try {
          await fn.options.handler(timer, context);
        } catch (error) {
          log(`[warn] timer ${fn.name} failed: ${error instanceof Error ? error.name : "error"}`);
        }
      })();
      running.add(run);
      return run.finally(() => running.delete(run));
    };
    const arm = (last: Date | undefined) => {
      if (closed) return;
      // A timer may fire a millisecond before its due time by the wall clock; counting from the occurrence just
      // run, never from before it, keeps one invocation per occurrence.
      const from = last !== undefined && last.getTime() > now().getTime() ? last : now();
      const due = schedule.next(from);
      const handle = setTimeout(
        async () => {
          timers.delete(handle);
          await invoke(now().getTime() - due.getTime() > 1_000, last, schedule.next(due));
          arm(due);
        },
        Math.max(0, due.getTime() - now().getTime()),
      );
      handle.unref();
      timers.add(handle);
    };
    if (fn.options.runOnStartup)
      void invoke(false, undefined, schedule.next(now())).then(() => arm(undefined));
    else arm(undefined);
  }

  return {
    async close() {
      closed = true;
      for (const handle of timers) clearTimeout(handle);
      timers.clear();
      await Promise.allSettled([...running]);
    },
  };
}
