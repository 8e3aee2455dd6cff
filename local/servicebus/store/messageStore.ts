// Storage for one queue, subscription or dead-letter queue: every message by sequence number, the ready list in
// sequence order, the locks by token, and the scheduled messages waiting for their time.
import { randomUUID } from "node:crypto";
import type { StoredMessage } from "./storedMessage.js";

export class MessageStore {
  /**
   * Insertion order is sequence order in a queue or subscription, whose sequence numbers only grow. A dead-letter
   * queue takes messages in the order they are dead-lettered, keeping their numbers, so it re-sorts when it must.
   */
  private bySequence = new Map<number, StoredMessage>();
  private inSequenceOrder = true;
  private lastAdded = 0;
  /** Active, unlocked messages sorted by sequence number; `head` skips taken entries without shifting. */
  private ready: (StoredMessage | undefined)[] = [];
  private head = 0;
  /** Membership of the ready list, so removing a message that is not in it costs nothing. */
  private readonly readySet = new WeakSet<StoredMessage>();
  private readonly locks = new Map<string, StoredMessage>();
  /**
   * No lock runs out before this time: the sweep for expired locks skips its scan until then. A renewal only moves
   * a lock's end later, so an earlier bound stays safe (the scan finds nothing and computes a new one).
   */
  private earliestLockEnd = Number.POSITIVE_INFINITY;
  private readonly scheduled = new Set<StoredMessage>();

  get size(): number {
    return this.bySequence.size;
  }

  get readyCount(): number {
    return this.ready.length - this.head;
  }

  add(record: StoredMessage): void {
    if (record.sequenceNumber < this.lastAdded) this.inSequenceOrder = false;
    this.lastAdded = Math.max(this.lastAdded, record.sequenceNumber);
    this.bySequence.set(record.sequenceNumber, record);
    if (record.state === "scheduled") this.scheduled.add(record);
    else if (record.state === "active") this.makeReady(record);
  }

  get(sequenceNumber: number): StoredMessage | undefined {
    return this.bySequence.get(sequenceNumber);
  }

  /** Removes the first ready message that matches, or the first of all when no predicate is given. */
  takeReady(matches?: (record: StoredMessage) => boolean): StoredMessage | undefined {
    for (let i = this.head; i < this.ready.length; i++) {
      const record = this.ready[i];
      if (record === undefined || (matches && !matches(record))) continue;
      this.readySet.delete(record);
      if (i === this.head) {
        this.ready[i] = undefined;
        this.head += 1;
        this.compact();
      } else {
        this.ready.splice(i, 1);
      }
      return record;
    }
    return undefined;
  }

  /** Ready messages in sequence order, for scans that do not take them. */
  *readyMessages(): IterableIterator<StoredMessage> {
    for (let i = this.head; i < this.ready.length; i++) {
      const record = this.ready[i];
      if (record !== undefined) yield record;
    }
  }

  /** Puts a message back in the ready list at its sequence position (after an abandon or a lost lock). */
  makeReady(record: StoredMessage): void {
    record.state = "active";
    if (this.readySet.has(record)) return;
    this.readySet.add(record);
    const last = this.ready[this.ready.length - 1];
    if (this.readyCount === 0 || (last !== undefined && last.sequenceNumber < record.sequenceNumber)) {
      this.ready.push(record);
      return;
    }
    let low = this.head;
    let high = this.ready.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const probe = this.ready[mid];
      if (probe !== undefined && probe.sequenceNumber < record.sequenceNumber) low = mid + 1;
      else high = mid;
    }
    this.ready.splice(low, 0, record);
  }

  /** Takes every ready message whose time-to-live has passed, rebuilding the ready list once for all of them. */
  takeExpired(now: number): StoredMessage[] {
    // Most sweeps find nothing; look before rebuilding.
    let any = false;
    for (let i = this.head; i < this.ready.length && !any; i++)
      any = (this.ready[i]?.expiresAt ?? now + 1) <= now;
    if (!any) return [];
    const expired: StoredMessage[] = [];
    const kept: StoredMessage[] = [];
    for (let i = this.head; i < this.ready.length; i++) {
      const record = this.ready[i];
      if (record === undefined) continue;
      if (record.expiresAt <= now) {
        expired.push(record);
        this.readySet.delete(record);
      } else {
        kept.push(record);
      }
    }
    if (expired.length > 0) {
      this.ready = kept;
      this.head = 0;
    }
    return expired;
  }

  removeFromReady(record: StoredMessage): void {
    if (!this.readySet.delete(record)) return;
    const index = this.ready.indexOf(record, this.head);
    if (index >= 0) this.ready.splice(index, 1);
  }

  lock(record: StoredMessage, until: number, holder: object | undefined): string {
    const token = randomUUID();
    record.lock = { token, until, holder };
    this.locks.set(token, record);
    if (until < this.earliestLockEnd) this.earliestLockEnd = until;
    return token;
  }

  byLockToken(token: string): StoredMessage | undefined {
    const record = this.locks.get(token);
    return record?.lock?.token === token ? record : undefined;
  }

  unlock(record: StoredMessage): void {
    if (record.lock) this.locks.delete(record.lock.token);
    record.lock = undefined;
  }

  /** Forgets a message entirely (completed, dead-lettered elsewhere, expired, cancelled). */
  remove(record: StoredMessage): void {
    this.unlock(record);
    this.bySequence.delete(record.sequenceNumber);
    this.scheduled.delete(record);
    this.removeFromReady(record);
  }

  /** Locked messages whose lock ran out; the caller decides what happens to them. */
  expiredLocks(now: number): StoredMessage[] {
    if (now < this.earliestLockEnd) return [];
    const expired: StoredMessage[] = [];
    let next = Number.POSITIVE_INFINITY;
    for (const record of this.locks.values()) {
      const until = record.lock?.until ?? Number.POSITIVE_INFINITY;
      if (until <= now) expired.push(record);
      if (until < next) next = until;
    }
    this.earliestLockEnd = next;
    return expired;
  }

  lockedBy(holder: object): StoredMessage[] {
    return [...this.locks.values()].filter((record) => record.lock?.holder === holder);
  }

  dueScheduled(now: number): StoredMessage[] {
    if (this.scheduled.size === 0) return [];
    const due = [...this.scheduled].filter((record) => (record.scheduledAt ?? 0) <= now);
    for (const record of due) this.scheduled.delete(record);
    return due.sort((a, b) => a.sequenceNumber - b.sequenceNumber);
  }

  /** Messages from a sequence number on, in sequence order, whatever their state. */
  *from(sequenceNumber: number): IterableIterator<StoredMessage> {
    if (!this.inSequenceOrder) {
      this.bySequence = new Map([...this.bySequence].sort(([a], [b]) => a - b));
      this.inSequenceOrder = true;
    }
    for (const record of this.bySequence.values()) {
      if (record.sequenceNumber >= sequenceNumber) yield record;
    }
  }

  all(): IterableIterator<StoredMessage> {
    return this.bySequence.values();
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.ready.length) {
      this.ready = this.ready.slice(this.head);
      this.head = 0;
    }
  }
}
