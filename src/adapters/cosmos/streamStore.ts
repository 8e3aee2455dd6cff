// Trusts' SSF streams in the `streams` container (partition /trustId, id = stream_id, which is the trust's id), and
// the directory the deliverer and the poll read them through: the stored stream, or the one the trust document
// implies, cached per instance like the trusts themselves.
import type { Clock, StreamDirectory, StreamStore, TrustDirectory } from "../../app/ports.js";
import { implicitStream, type Stream } from "../../domain/stream.js";
import type { ContainerRef } from "./client.js";
import { cosmosCall, cosmosStatus, replaceIfMatch, versionedOf } from "./errors.js";

export function streamStore(containerRef: ContainerRef): StreamStore {
  return {
    async get(trustId) {
      const container = await containerRef();
      const { resource } = await cosmosCall(() =>
        container.item(trustId, trustId).read<Record<string, unknown>>(),
      );
      return versionedOf<Stream>(resource);
    },
    async create(stream) {
      const container = await containerRef();
      try {
        await cosmosCall(() => container.items.create(stream), [409]);
        return true;
      } catch (error) {
        if (cosmosStatus(error) === 409) return false;
        throw error;
      }
    },
    async replace(stream, etag) {
      const container = await containerRef();
      return replaceIfMatch(container.item(stream.id, stream.trustId), stream, etag);
    },
  };
}

/** The directory of streams, and `forget`, which a write through this instance calls so it reads afresh at once. */
export type CachedStreamDirectory = StreamDirectory & { forget(trustId: string): void };

/**
 * Each trust's effective stream: its stored one, else the one its trust document implies (so that nothing changes
 * for a trust that never calls the stream API). Cached for the trust cache's time to live: another instance sees a
 * status change within it; this instance at once, since its stream endpoints forget what they write.
 */
export function streamDirectory(
  store: StreamStore,
  trusts: TrustDirectory,
  options: { ttlSeconds: number; clock: Clock },
): CachedStreamDirectory {
  // Only the stored stream is cached here: a trust without one follows its document, which the trust directory
  // caches (and forgets on a change) itself, so an edit of the document is never hidden behind a second cache.
  const storedStream = async (trustId: string): Promise<Stream | undefined> =>
    (await store.get(trustId))?.value;
  const effective = async (trustId: string, stored: Stream | undefined): Promise<Stream | undefined> => {
    if (stored !== undefined) return stored;
    const trust = await trusts.get(trustId);
    return trust === undefined ? undefined : implicitStream(trust);
  };
  const ttlMs = options.ttlSeconds * 1000;
  const entries = new Map<string, { read: Promise<Stream | undefined>; expiresAt: number }>();
  const cachedStored = (trustId: string): Promise<Stream | undefined> => {
    if (ttlMs === 0) return storedStream(trustId);
    const now = options.clock().getTime();
    const entry = entries.get(trustId);
    if (entry !== undefined && now < entry.expiresAt) return entry.read;
    const next = { read: storedStream(trustId), expiresAt: now + ttlMs };
    entries.set(trustId, next);
    // A failed read is never kept: the next caller reads again.
    next.read.catch(() => {
      if (entries.get(trustId) === next) entries.delete(trustId);
    });
    return next.read;
  };
  return {
    async get(trustId) {
      return effective(trustId, await cachedStored(trustId));
    },
    forget: (trustId) => {
      entries.delete(trustId);
    },
  };
}
