// Runs timer triggers on their NCRONTAB schedules, one invocation at a time per function, as the host does.
import { randomUUID } from "node:crypto";
import type { Timer } from "@azure/functions";
import type { TimerFunctionDefinition } from "../../functions/definition.js";
import { InvocationContext } from "./functionsLibrary.js";
import { parseNcrontab } from "./ncrontab.js";

export type TimerRunner = { close(): Promise<void> };

export function startTimers(
  functions: readonly TimerFunctionDefinition[],
  options: { log?: (line: string) => void; now?: () => Date } = {},
): TimerRunner {
  const log = options.log ?? (() => {});
  const now = options.now ?? (() => new Date());
  const timers = new Set<NodeJS.Timeout>();
  const running = new Set<Promise<void>>();
  let closed = false;

  for (const fn of functions) {
    const schedule = parseNcrontab(fn.options.schedule);
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
      const due = schedule.next(now());
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
