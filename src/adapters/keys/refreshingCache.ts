// Keeps a loaded value in memory for a while, so signing and verifying do not reach the key store per request.
// If a refresh fails, the last good value is served and the refresh is retried a little later.

export type RefreshingCacheOptions = {
  /** How long a loaded value is used before it is loaded again. */
  readonly maxAgeMs: number;
  /** After a failed refresh with a stale value at hand, how long to serve it before trying again. */
  readonly retryAfterMs?: number;
  readonly clock?: () => Date;
};

/** The cached value; `reload` loads it again now, unless it was last asked to less than `retryAfterMs` ago. */
export type RefreshingCache<T> = (() => Promise<T>) & { reload(): Promise<boolean> };

export function refreshingCache<T>(
  load: () => Promise<T>,
  options: RefreshingCacheOptions,
): RefreshingCache<T> {
  const clock = options.clock ?? (() => new Date());
  const retryAfterMs = Math.min(options.retryAfterMs ?? 30_000, options.maxAgeMs);
  let value: { readonly current: T } | undefined;
  let freshUntil = 0;
  let reloadedAt = Number.NEGATIVE_INFINITY;
  let inFlight: Promise<T> | undefined;

  const refresh = (): Promise<T> => {
    // One load at a time, however many callers ask during it.
    inFlight ??= load()
      .then((loaded) => {
        value = { current: loaded };
        freshUntil = clock().getTime() + options.maxAgeMs;
        return loaded;
      })
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };

  const get = async () => {
    if (value !== undefined && clock().getTime() < freshUntil) return value.current;
    const stale = value;
    if (stale === undefined) return refresh();
    try {
      return await refresh();
    } catch {
      // Keys rarely change; failing every request because the store blinked would be worse than a stale key.
      freshUntil = clock().getTime() + retryAfterMs;
      return stale.current;
    }
  };

  // Rate-limited, so that tokens naming made-up key ids cannot make every request reach the key store.
  const reload = async () => {
    if (clock().getTime() - reloadedAt < retryAfterMs) return false;
    reloadedAt = clock().getTime();
    await refresh();
    return true;
  };
  return Object.assign(get, { reload });
}
