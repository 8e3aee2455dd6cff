// Timer triggers run by the local host on their NCRONTAB schedules.
import type { Timer } from "@azure/functions";
import { describe, expect, it, onTestFinished } from "vitest";
import type { TimerFunctionDefinition } from "../../functions/definition.js";
import { resolveSchedule, startTimers } from "../../local/host/timers.js";
import { until } from "../support/until.js";

function timerFunction(
  schedule: string,
  onTick: (timer: Timer) => void,
  runOnStartup = false,
): TimerFunctionDefinition {
  return {
    kind: "timer",
    name: "tick",
    options: { schedule, runOnStartup, handler: async (timer) => onTick(timer as Timer) },
  };
}

// Ticks are counted to the second: look often, so a wait ends soon after the tick it waits for.
const waitFor = (check: () => boolean, timeoutMs: number) => until(check, { timeoutMs, everyMs: 20 });

describe("timer triggers", () => {
  it("invokes the handler on each occurrence of its schedule, on the second, and stops when closed", async () => {
    const ticks: { at: number; timer: Timer }[] = [];
    const runner = startTimers([
      timerFunction("* * * * * *", (timer) => ticks.push({ at: Date.now(), timer })),
    ]);
    onTestFinished(() => runner.close());
    await waitFor(() => ticks.length >= 2, 5_000);
    await runner.close();
    const seen = ticks.length;
    expect(seen).toBeGreaterThanOrEqual(2);
    const [first, second] = ticks;
    // One invocation per occurrence: the next one waits for a later whole second, however late the first ran.
    expect(Math.floor((second?.at ?? 0) / 1000)).toBeGreaterThan(Math.floor((first?.at ?? 0) / 1000));
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeLessThan(3_000);
    expect(first?.timer.isPastDue).toBe(false);
    expect(Date.parse(first?.timer.scheduleStatus?.next ?? "")).toBeGreaterThan(first?.at ?? 0);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(ticks.length).toBe(seen);
  });

  it("runs once at start-up when runOnStartup is set, without waiting for the schedule", async () => {
    const ticks: number[] = [];
    const runner = startTimers([timerFunction("0 0 0 1 1 *", () => ticks.push(Date.now()), true)]);
    onTestFinished(() => runner.close());
    await waitFor(() => ticks.length >= 1, 2_000);
    await runner.close();
    expect(ticks).toHaveLength(1);
  });

  it("refuses a timer whose schedule is not NCRONTAB", () => {
    expect(() => startTimers([timerFunction("0 */5 * * *", () => {})])).toThrow(/six fields/);
  });
});

describe("timer triggers: late, failing and slow runs", () => {
  /** Blocks this thread (timers included) for a while, as a busy host would. */
  const blockFor = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

  it("marks a run that starts more than a second after its occurrence isPastDue, and the next one on time", async () => {
    const ticks: Timer[] = [];
    const runner = startTimers([
      timerFunction("* * * * * *", (timer) => {
        ticks.push(timer);
        // After the first run the next occurrence is armed; the thread is then held past it.
        if (ticks.length === 1) setTimeout(() => blockFor(2_500), 50);
      }),
    ]);
    onTestFinished(() => runner.close());
    await waitFor(() => ticks.length >= 3, 8_000);
    expect(ticks.slice(0, 3).map((timer) => timer.isPastDue)).toEqual([false, true, false]);
  });

  it("keeps running after a handler throws: the next occurrence fires", async () => {
    let runs = 0;
    const runner = startTimers([
      timerFunction("* * * * * *", () => {
        runs++;
        throw new Error("sweep failed");
      }),
    ]);
    onTestFinished(() => runner.close());
    await waitFor(() => runs >= 2, 5_000);
    expect(runs).toBeGreaterThanOrEqual(2);
  });

  it("never overlaps two runs of a timer whose handler outlasts its interval", async () => {
    let active = 0;
    let mostActive = 0;
    let finished = 0;
    const slow: TimerFunctionDefinition = {
      kind: "timer",
      name: "slow",
      options: {
        schedule: "* * * * * *",
        handler: async () => {
          active++;
          mostActive = Math.max(mostActive, active);
          await new Promise((resolve) => setTimeout(resolve, 1_500));
          active--;
          finished++;
        },
      },
    };
    const runner = startTimers([slow]);
    onTestFinished(() => runner.close());
    await waitFor(() => finished >= 2, 10_000);
    expect(finished).toBeGreaterThanOrEqual(2);
    expect(mostActive).toBe(1);
  });
});

describe("a schedule named by an app setting", () => {
  it("is read from the setting, as the Functions host reads %NAME%, and a missing setting is named", () => {
    expect(resolveSchedule("%SWEEP%", { SWEEP: "*/10 * * * * *" })).toBe("*/10 * * * * *");
    expect(resolveSchedule("0 */5 * * * *", {})).toBe("0 */5 * * * *");
    expect(() => resolveSchedule("%SWEEP%", {})).toThrow(/SWEEP/);
  });
});
