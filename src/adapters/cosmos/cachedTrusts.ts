// Keeps the trust documents an instance reads for a short while, so that one login or share (which reads its
// trust at the start, at the callback and at delivery) reads the `trusts` container once. A change to a document
// (a deactivation, a new endpoint or keys) is therefore seen by each instance within the time to live; what an
// instance writes itself it reads afresh at once. Failures are never kept: the next read tries again.
import type { Clock, TrustDirectory } from "../../app/ports.js";
import type { Trust } from "../../domain/trust.js";
import type { TrustStore } from "./trustStore.js";

/** A directory holds a few hundred trusts; beyond this many ids, the oldest entry is dropped. */
export const TRUST_CACHE_MAX_ENTRIES = 1_000;

export type CachedTrustsOptions = {
  /** How long a document (or its absence) is used after its read began; 0 reads every time. */
  readonly ttlSeconds: number;
  readonly clock: Clock;
  readonly maxEntries?: number;
};

/** The directory with `get` cached; `forget` drops ids whose documents have just been written. */
export type CachedTrustDirectory = TrustDirectory & { forget(ids: readonly string[]): void };

type Entry = { readonly read: Promise<Trust | undefined>; readonly expiresAt: number };

export function cachedTrusts(directory: TrustDirectory, options: CachedTrustsOptions): CachedTrustDirectory {
  const ttlMs = options.ttlSeconds * 1000;
  const maxEntries = options.maxEntries ?? TRUST_CACHE_MAX_ENTRIES;
  // In insertion order, so the first key is the oldest entry.
  const entries = new Map<string, Entry>();

  const read = (id: string): Promise<Trust | undefined> => {
    const entry: Entry = { read: directory.get(id), expiresAt: options.clock().getTime() + ttlMs };
    entries.delete(id);
    entries.set(id, entry);
    for (const oldest of entries.keys()) {
      if (entries.size <= maxEntries) break;
      entries.delete(oldest);
    }
    // The entry holds the read from its start, so concurrent callers share it. A failed read is dropped, unless a
    // later read has replaced it or a write has forgotten it already.
    entry.read.catch(() => {
      if (entries.get(id) === entry) entries.delete(id);
    });
    return entry.read;
  };

  return {
    get(id) {
      if (ttlMs === 0) return directory.get(id);
      const entry = entries.get(id);
      if (entry !== undefined && options.clock().getTime() < entry.expiresAt) return entry.read;
      return read(id);
    },
    search: (text) => directory.search(text),
    forget(ids) {
      for (const id of ids) entries.delete(id);
    },
  };
}

/** The store with its reads cached; a trust written through it is read afresh by the next `get`. */
export function cachedTrustStore(store: TrustStore, options: CachedTrustsOptions): TrustStore {
  const cached = cachedTrusts(store, options);
  return {
    get: cached.get,
    search: cached.search,
    async upsertAll(trusts) {
      try {
        await store.upsertAll(trusts);
      } finally {
        // Also a read begun before or during the write, which may hold the old document.
        cached.forget(trusts.map((trust) => trust.id));
      }
    },
  };
}
