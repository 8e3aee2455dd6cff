// The benchmarks' floor arithmetic (bench/floor.ts) and the design's table of a share's operations
// (bench/shareOperations.ts): what `pipeline` prices with the SDKs' costs and what `cost` holds its count to.
import { describe, expect, it } from "vitest";
import { againstFloor, floorOf, pacedFloorOf, shareOf } from "../../bench/floor.js";
import * as design from "../../bench/shareOperations.js";

describe("a floor from costs and counts", () => {
  it("sums each kind's cost times its count", () => {
    expect(floorOf({ read: 1.5, patch: 0.5, push: 2 }, { read: 2, patch: 3, push: 1 })).toBe(6.5);
  });

  it("refuses a counted kind without a measured cost, so no operation is left out of a floor", () => {
    expect(() => floorOf({ read: 1 }, { read: 1, create: 2 })).toThrow(/create/);
    expect(() => floorOf({ read: 1, create: Number.NaN }, { read: 1, create: 2 })).toThrow(/create/);
  });

  it("holds a figure within 20% of its floor and no further", () => {
    expect(againstFloor(12, 10)).toEqual({ ratio: 1.2, withinFloor: true });
    expect(againstFloor(12.1, 10).withinFloor).toBe(false);
    expect(againstFloor(8, 10)).toEqual({ ratio: 0.8, withinFloor: true });
  });
});

describe("the floor at the host's own pace", () => {
  it("divides each rate's CPU by its shares and keeps the median over the rates", () => {
    const paced = pacedFloorOf([
      { rate: 10, shares: 100, cpuMs: 2_000 },
      { rate: 20, shares: 200, cpuMs: 3_000 },
      { rate: 50, shares: 500, cpuMs: 6_000 },
    ]);
    expect(paced.byRate).toEqual({ 10: 20, 20: 15, 50: 12 });
    expect(paced.perShare).toBe(15);
  });

  it("refuses a window without shares rather than divide by none", () => {
    expect(() => pacedFloorOf([{ rate: 10, shares: 0, cpuMs: 5 }])).toThrow(/10/);
  });

  it("makes a share's operations one after another, in the sequence's order, each with the share's index", async () => {
    const made: string[] = [];
    // Each operation notes its start and, a turn of the event loop later, its end: made together, the starts
    // would come first.
    const step = (name: string) => async (index: number) => {
      made.push(`${name} ${index}`);
      await Promise.resolve();
      made.push("done");
    };
    await shareOf(["read", "patch", "create", "patch"], {
      read: step("read"),
      patch: step("patch"),
      create: step("create"),
    })(7);
    expect(made).toEqual(["read 7", "done", "patch 7", "done", "create 7", "done", "patch 7", "done"]);
  });
});

describe("the design's operations a share", () => {
  const table: design.DesignedOperation[] = [
    { operation: "read requests", perShare: 2, fromCallback: 1, why: "one a callback" },
    { operation: "create shares", perShare: 1, fromCallback: 0, why: "the share" },
    { operation: "create events", perShare: 2, fromCallback: 2, conflicts: 1, why: "both consumers" },
    { operation: "patch events", perShare: 3, fromCallback: 3, why: "marks and outcome" },
  ];

  it("sums to the floor the cost benchmark holds its count to", () => {
    expect(design.designedPerShare(table)).toBe(8);
    expect(design.designedPerShare()).toBe(18);
  });

  it("gives the pipeline's part by the SDK call's kind, a create answered 409 apart from one that creates", () => {
    expect(design.fromCallbackByKind(table)).toEqual({ read: 1, create: 1, createConflict: 1, patch: 3 });
    expect(design.fromCallbackByKind()).toEqual({ read: 1, create: 4, createConflict: 1, patch: 5 });
  });

  it("names every operation measured above its design count, and one the design lacks", () => {
    const measured = {
      "read requests": 2,
      "create shares": 1.04,
      "patch events": 2.98,
      "query shares": 0.02,
    };
    expect(design.aboveDesign(measured, table)).toEqual([
      { operation: "create shares", measured: 1.04, designed: 1 },
      { operation: "query shares", measured: 0.02, designed: 0 },
    ]);
  });

  it("orders a share's operations as the host makes them, each of the pipeline's counted kinds as often", () => {
    expect(design.countsOf(design.SHARE_SEQUENCE)).toEqual(design.pipelineCounts());
    const at = (step: design.ShareStep) => design.SHARE_SEQUENCE.indexOf(step);
    expect(design.SHARE_SEQUENCE[0]).toBe("read");
    expect(at("upload")).toBeLessThan(at("message"));
    expect(at("message")).toBeLessThan(at("create"));
    expect(at("create")).toBeLessThan(at("createConflict"));
    expect(at("download")).toBeLessThan(at("sign"));
    expect(at("sign")).toBeLessThan(at("push"));
    expect(design.SHARE_SEQUENCE.lastIndexOf("patch")).toBeGreaterThan(at("delete"));
  });

  it("counts the pipeline's part of a share by kind, with its message, signature and push", () => {
    expect(design.pipelineCounts(table)).toEqual({
      read: 1,
      create: 1,
      createConflict: 1,
      patch: 3,
      upload: 1,
      download: 1,
      delete: 1,
      message: 1,
      sign: 1,
      push: 1,
    });
  });

  it("gives every row of the design a reason", () => {
    for (const row of design.SHARE_OPERATIONS) {
      expect(row.why.length, row.operation).toBeGreaterThan(10);
      expect(row.fromCallback, row.operation).toBeLessThanOrEqual(row.perShare);
    }
  });
});
