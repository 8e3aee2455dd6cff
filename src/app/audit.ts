// Writing the audit trail: each entry stamped with the clock and appended, retried while the store's failure is
// transient; and refused authentications, written off the request path, bounded in flight and sampled per source.
// An entry that cannot be written is logged as an error with its action and id (an operator sees the gap) and never
// fails the operation it records, which has already happened; its id makes a retried write the same entry.
import { randomUUID } from "node:crypto";
import type { AuditEntry, NewAuditEntry } from "../domain/audit.js";
import { describeError, type Logger } from "../log.js";
import { measure } from "../telemetry/metrics.js";
import type { AuditTrail, Clock } from "./ports.js";

/** Records one entry; never throws. */
export type AuditRecorder = (entry: NewAuditEntry) => Promise<void>;

/** What the store's adapter makes of a failed append: worth trying again (after `afterMs`, when it asked), or not. */
export type AppendFailure =
  | { readonly transient: false }
  | { readonly transient: true; readonly afterMs?: number };

/**
 * Attempts of one append, the first included. A transient failure of Cosmos DB (a partition moving, a throttle the
 * SDK's own retries did not outlast) passes within a second or so; a use case awaits its entry, so a few short tries
 * close most gaps without holding its caller for long.
 */
export const AUDIT_APPEND_ATTEMPTS = 3;
/** The wait before the first retry, doubled before each next; jittered so that instances do not retry in step. */
export const AUDIT_RETRY_FIRST_DELAY_MS = 50;
/** The longest wait a retry-after from the store is honoured for: beyond it the caller would wait too long. */
export const AUDIT_RETRY_MAX_DELAY_MS = 1_000;

export type AuditRecorderOptions = {
  /** Tells a transient failure from one that will not change; without it nothing is retried. */
  failure?: (error: unknown) => AppendFailure;
  /** Waits between attempts. */
  sleep?: (ms: number) => Promise<void>;
  /** For the jitter, in [0, 1). */
  random?: () => number;
};

/** A timer that never keeps the process alive on its own. */
function unrefSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

export function auditRecorder(
  trail: AuditTrail,
  clock: Clock,
  log: Logger,
  options: AuditRecorderOptions = {},
): AuditRecorder {
  const failure = options.failure ?? (() => ({ transient: false }));
  const sleep = options.sleep ?? unrefSleep;
  const random = options.random ?? Math.random;
  return async (entry) => {
    const stamped = withoutUndefined({ ...entry, at: entry.at ?? clock().toISOString() }) as AuditEntry;
    for (let attempt = 1; ; attempt++) {
      try {
        // The store creates the entry under its id and takes an existing one as written, so an attempt after one
        // that failed halfway (one scope written) completes it and changes nothing that was there.
        await trail.append(stamped);
        return;
      } catch (error) {
        const judged = failure(error);
        if (!judged.transient || attempt >= AUDIT_APPEND_ATTEMPTS) {
          log.error("audit entry not written", {
            action: stamped.action,
            auditId: stamped.id,
            attempts: attempt,
            ...describeError(error),
          });
          return;
        }
        const backoff = AUDIT_RETRY_FIRST_DELAY_MS * 2 ** (attempt - 1) * (0.5 + random() / 2);
        await sleep(Math.min(AUDIT_RETRY_MAX_DELAY_MS, Math.max(backoff, judged.afterMs ?? 0)));
      }
    }
  };
}

function withoutUndefined(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined));
}

/**
 * Refusal entries being written at once, at most. A refusal is answered without waiting for its entry, so nothing
 * else holds a flood of forged tokens back from piling writes onto Cosmos DB; a normal rate (a few a second, each
 * write a few milliseconds) never comes near this, and beyond it an instance would only queue round trips.
 */
export const REFUSAL_WRITES_IN_FLIGHT = 16;
/**
 * Refusals of one client address written one by one within a window. A person whose session has expired, or a
 * trust's system with a wrong key, is refused a few times a minute; past this a source is guessing or broken, and
 * the number of its refusals says more than each of them.
 */
export const REFUSALS_WRITTEN_PER_SOURCE = 10;
/** The window a source's count runs over, from its first refusal. */
export const REFUSAL_WINDOW_MS = 60_000;
/** Sources counted at once: a spray of addresses past this shares one count rather than growing the map. */
export const REFUSAL_SOURCES_TRACKED = 10_000;
/** Refusal entries not written are logged at most this often, with how many since the last line. */
export const REFUSAL_DROP_LOG_INTERVAL_MS = 60_000;

/** The source a spray past REFUSAL_SOURCES_TRACKED is counted under. */
const OTHER_SOURCES = "other";

/** A refused authentication as the HTTP layer saw it; the recorder gives it its id. */
export type Refusal = Omit<NewAuditEntry, "id" | "action" | "actor"> & { readonly clientAddress: string };

/**
 * The entry that stands for a source's refusals that were not written one by one in a window: how many (`count`),
 * since when (`since`), and the code, route and claimed trust when they were all the same.
 */
export type RefusalSummary = AuditEntry & Required<Pick<AuditEntry, "count" | "since">>;

export type RefusalRecorder = {
  /** Records a refusal without waiting for the store; never throws, never rejects. */
  refused(refusal: Refusal): void;
  /** Writes the summaries of the windows that have ended, and resolves once every write begun has ended. */
  settled(): Promise<void>;
};

export type RefusalRecorderOptions = {
  /** Arms a callback after `ms`; it must not keep the process alive (the default timer is unref'd). */
  schedule?: (ms: number, callback: () => void) => void;
  /** A refusal entry's id. */
  newId?: () => string;
};

type SourceWindow = {
  readonly startMs: number;
  written: number;
  /** Refusals in this window not written one by one: over the threshold, or over the cap in flight. */
  notWritten: number;
  /** Each the same value in every refusal not written, or null once two differed. */
  code?: string | null;
  route?: string | null;
  trustId?: string | null;
};

/** The value a field keeps across a window's refusals: the same one, or null once they differ. */
function same(kept: string | null | undefined, next: string | undefined): string | null {
  if (kept === undefined) return next ?? null;
  return kept === next ? kept : null;
}

/**
 * Refusal entries off the request path. The Functions host may freeze the worker once a response has gone, and a
 * write still pending then is finished when it thaws or lost if it is recycled. That is acceptable for refusals
 * only: a refusal changed nothing, its warning log line and metric are written before the response, and the record
 * is of an attempt, not of something done with a person's data; every other entry is awaited by its use case.
 */
export function refusalRecorder(
  record: AuditRecorder,
  clock: Clock,
  log: Logger,
  options: RefusalRecorderOptions = {},
): RefusalRecorder {
  const schedule =
    options.schedule ??
    ((ms: number, callback: () => void) => {
      setTimeout(callback, ms).unref();
    });
  const newId = options.newId ?? randomUUID;
  const pending = new Set<Promise<void>>();
  const sources = new Map<string, SourceWindow>();
  let armed = false;
  let droppedSinceLog = 0;
  let droppedLoggedAtMs: number | undefined;

  const write = (entry: NewAuditEntry) => {
    // The recorder never rejects; the catch is there so that nothing it could ever throw goes unhandled.
    const writing: Promise<void> = record(entry)
      .catch((error: unknown) =>
        log.error("audit entry not written", {
          action: entry.action,
          auditId: entry.id,
          ...describeError(error),
        }),
      )
      .finally(() => pending.delete(writing));
    pending.add(writing);
  };

  const logDropped = (nowMs: number, force: boolean) => {
    if (droppedSinceLog === 0) return;
    if (!force && droppedLoggedAtMs !== undefined && nowMs - droppedLoggedAtMs < REFUSAL_DROP_LOG_INTERVAL_MS)
      return;
    log.warn("audit refusals dropped", { count: droppedSinceLog, inFlightCap: REFUSAL_WRITES_IN_FLIGHT });
    droppedSinceLog = 0;
    droppedLoggedAtMs = nowMs;
  };

  const summarise = (source: string, window: SourceWindow) => {
    if (window.notWritten === 0) return;
    const since = new Date(window.startMs).toISOString();
    // One summary per source and window, so its id is made from both: written again, it is the same entry.
    const summary: Omit<RefusalSummary, "at"> = {
      id: `auth.refused.summary:${source}:${since}`,
      action: "auth.refused",
      actor: "anonymous",
      clientAddress: source,
      count: window.notWritten,
      since,
      ...(typeof window.code === "string" ? { code: window.code } : {}),
      ...(typeof window.route === "string" ? { route: window.route } : {}),
      ...(typeof window.trustId === "string" ? { trustId: window.trustId } : {}),
    };
    // Past the cap in flight too: there is at most one a source a window, and it is what keeps the count.
    write(summary);
  };

  /** Closes the windows that have ended by now, writing their summaries. */
  const sweep = (nowMs: number) => {
    // A window is added when it opens and removed when it closes, so the map is in order of opening: the first
    // window still open ends the sweep, and a refusal costs no walk over every source.
    for (const [source, window] of sources) {
      if (nowMs - window.startMs < REFUSAL_WINDOW_MS) break;
      sources.delete(source);
      summarise(source, window);
    }
  };

  /** A timer for the windows that hold a count to summarise, so that a flood that stops is still summed up. */
  const arm = (nowMs: number) => {
    if (armed) return;
    let earliest: number | undefined;
    for (const window of sources.values()) {
      if (window.notWritten > 0 && (earliest === undefined || window.startMs < earliest))
        earliest = window.startMs;
    }
    if (earliest === undefined) return;
    armed = true;
    schedule(Math.max(0, earliest + REFUSAL_WINDOW_MS - nowMs), () => {
      armed = false;
      const now = clock().getTime();
      sweep(now);
      logDropped(now, false);
      arm(now);
    });
  };

  return {
    refused(refusal) {
      try {
        const nowMs = clock().getTime();
        sweep(nowMs);
        const key =
          sources.has(refusal.clientAddress) || sources.size < REFUSAL_SOURCES_TRACKED
            ? refusal.clientAddress
            : OTHER_SOURCES;
        let window = sources.get(key);
        if (window === undefined) {
          window = { startMs: nowMs, written: 0, notWritten: 0 };
          sources.set(key, window);
        }
        const entry: NewAuditEntry = {
          ...refusal,
          id: `auth.refused:${newId()}`,
          action: "auth.refused",
          actor: "anonymous",
        };
        const overThreshold = window.written >= REFUSALS_WRITTEN_PER_SOURCE;
        const overCap = !overThreshold && pending.size >= REFUSAL_WRITES_IN_FLIGHT;
        if (overThreshold || overCap) {
          window.notWritten += 1;
          window.code = same(window.code, refusal.code);
          window.route = same(window.route, refusal.route);
          window.trustId = same(window.trustId, refusal.trustId);
          if (overCap) {
            measure.auditRefusalDropped();
            droppedSinceLog += 1;
            logDropped(nowMs, false);
          }
          arm(nowMs);
          return;
        }
        window.written += 1;
        write(entry);
      } catch (error) {
        // The refusal's answer must go out whatever happens here.
        log.error("audit entry not written", { action: "auth.refused", ...describeError(error) });
      }
    },
    async settled() {
      const nowMs = clock().getTime();
      sweep(nowMs);
      logDropped(nowMs, true);
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}
