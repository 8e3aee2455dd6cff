// Session locks and session state of one session-enabled entity: a session is held by at most one receiver. An entry
// exists only while a session is locked or has state; an unlocked session without state is simply absent.
import type { Consumer } from "./consumer.js";

interface SessionEntry {
  state: Buffer | undefined;
  holder: Consumer | undefined;
  lockedUntil: number;
}

export class SessionTable {
  private readonly sessions = new Map<string, SessionEntry>();

  private entry(sessionId: string): SessionEntry {
    let entry = this.sessions.get(sessionId);
    if (!entry) {
      entry = { state: undefined, holder: undefined, lockedUntil: 0 };
      this.sessions.set(sessionId, entry);
    }
    return entry;
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Drops an entry that holds nothing: no receiver and no state. */
  private forgetIfIdle(sessionId: string, entry: SessionEntry): void {
    if (entry.holder === undefined && entry.state === undefined) this.sessions.delete(sessionId);
  }

  isLocked(sessionId: string, now: number): boolean {
    const entry = this.sessions.get(sessionId);
    return entry?.holder !== undefined && entry.lockedUntil > now;
  }

  /** Locks the session for the holder; false when another receiver holds it. */
  lock(sessionId: string, holder: Consumer, until: number, now: number): boolean {
    const entry = this.entry(sessionId);
    if (entry.holder !== undefined && entry.holder !== holder && entry.lockedUntil > now) return false;
    entry.holder = holder;
    entry.lockedUntil = until;
    return true;
  }

  holderOf(sessionId: string, now: number): Consumer | undefined {
    const entry = this.sessions.get(sessionId);
    return entry && entry.lockedUntil > now ? entry.holder : undefined;
  }

  renew(sessionId: string, until: number, now: number): number | undefined {
    const entry = this.sessions.get(sessionId);
    if (!entry?.holder || entry.lockedUntil <= now) return undefined;
    entry.lockedUntil = until;
    return until;
  }

  release(holder: Consumer): void {
    for (const [sessionId, entry] of this.sessions) {
      if (entry.holder === holder) {
        entry.holder = undefined;
        entry.lockedUntil = 0;
        this.forgetIfIdle(sessionId, entry);
      }
    }
  }

  getState(sessionId: string): Buffer | undefined {
    return this.sessions.get(sessionId)?.state;
  }

  setState(sessionId: string, state: Buffer | undefined): void {
    const entry = this.entry(sessionId);
    entry.state = state;
    this.forgetIfIdle(sessionId, entry);
  }

  /** Releases and returns the holders whose session lock ran out. */
  expire(now: number): Consumer[] {
    const lost: Consumer[] = [];
    for (const [sessionId, entry] of this.sessions) {
      if (entry.holder && entry.lockedUntil <= now) {
        lost.push(entry.holder);
        entry.holder = undefined;
        this.forgetIfIdle(sessionId, entry);
      }
    }
    return lost;
  }
}
