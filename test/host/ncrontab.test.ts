import { describe, expect, it } from "vitest";
import { parseNcrontab } from "../../local/host/ncrontab.js";

const at = (iso: string) => new Date(iso);

describe("NCRONTAB schedules", () => {
  it("fires every five minutes on the minute for 0 */5 * * * *", () => {
    const schedule = parseNcrontab("0 */5 * * * *");
    expect(schedule.next(at("2026-01-01T10:02:30Z")).toISOString()).toBe("2026-01-01T10:05:00.000Z");
    expect(schedule.next(at("2026-01-01T10:05:00Z")).toISOString()).toBe("2026-01-01T10:10:00.000Z");
  });

  it("honours hours, ranges and days of the week", () => {
    // 09:30:00 on weekdays; 2026-01-03 is a Saturday.
    const schedule = parseNcrontab("0 30 9 * * 1-5");
    expect(schedule.next(at("2026-01-02T10:00:00Z")).toISOString()).toBe("2026-01-05T09:30:00.000Z");
  });

  it("accepts lists and month names", () => {
    const schedule = parseNcrontab("15,45 0 0 1 jan,jul *");
    expect(schedule.next(at("2026-02-01T00:00:00Z")).toISOString()).toBe("2026-07-01T00:00:15.000Z");
  });

  it("finds the next 29 February", () => {
    expect(parseNcrontab("0 0 0 29 2 *").next(at("2026-03-01T00:00:00Z")).toISOString()).toBe(
      "2028-02-29T00:00:00.000Z",
    );
  });

  it("refuses five-field cron and out-of-range values, naming the field", () => {
    expect(() => parseNcrontab("*/5 * * * *")).toThrow(/six fields/);
    expect(() => parseNcrontab("0 61 * * * *")).toThrow(/field 2/);
  });
});
