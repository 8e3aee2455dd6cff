// Specification of the in-memory cache in front of the key stores.

import { describe, expect, it } from "vitest";
import { refreshingCache } from "../../src/adapters/keys/refreshingCache.js";

function counter() {
  let loads = 0;
  let failing = false;
  return {
    load: async () => {
      loads += 1;
      if (failing) throw new Error("store down");
      return loads;
    },
    loads: () => loads,
    fail: (value: boolean) => {
      failing = value;
    },
  };
}

describe("refreshingCache", () => {
  it("loads once for callers that ask at the same time", async () => {
    const store = counter();
    const get = refreshingCache(store.load, { maxAgeMs: 1_000 });
    expect(await Promise.all([get(), get(), get()])).toEqual([1, 1, 1]);
    expect(store.loads()).toBe(1);
  });

  it("loads again once the value is older than maxAgeMs", async () => {
    let now = new Date(0);
    const store = counter();
    const get = refreshingCache(store.load, { maxAgeMs: 1_000, clock: () => now });
    await get();
    now = new Date(999);
    expect(await get()).toBe(1);
    now = new Date(1_000);
    expect(await get()).toBe(2);
  });

  it("serves the stale value when a refresh fails, and tries again after retryAfterMs", async () => {
    let now = new Date(0);
    const store = counter();
    const get = refreshingCache(store.load, { maxAgeMs: 1_000, retryAfterMs: 100, clock: () => now });
    await get();
    store.fail(true);
    now = new Date(1_000);
    expect(await get()).toBe(1);
    now = new Date(1_050);
    expect(await get()).toBe(1);
    expect(store.loads()).toBe(2);
    store.fail(false);
    now = new Date(1_100);
    expect(await get()).toBe(3);
  });

  it("fails when the first load fails, and tries again on the next call", async () => {
    const store = counter();
    const get = refreshingCache(store.load, { maxAgeMs: 1_000 });
    store.fail(true);
    await expect(get()).rejects.toThrow("store down");
    store.fail(false);
    expect(await get()).toBe(2);
  });
});
