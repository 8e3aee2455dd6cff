// Receivers waiting for the next free session of an entity (acceptNextSession when every session with messages is
// held): served in arrival order whenever a session may have come free.
import type { Consumer } from "./consumer.js";

interface Waiter {
  readonly consumer: Consumer;
  /** The session was locked for the consumer. */
  readonly granted: (sessionId: string) => void;
  /** The consumer went away while waiting. */
  readonly cancelled: () => void;
}

export class SessionWaiters {
  private readonly waiting: Waiter[] = [];

  get size(): number {
    return this.waiting.length;
  }

  add(consumer: Consumer, granted: (sessionId: string) => void, cancelled: () => void): void {
    this.waiting.push({ consumer, granted, cancelled });
  }

  /** Stops waiting for a consumer; true if it was waiting. */
  remove(consumer: Consumer): boolean {
    const index = this.waiting.findIndex((waiter) => waiter.consumer === consumer);
    if (index < 0) return false;
    const [waiter] = this.waiting.splice(index, 1);
    waiter?.cancelled();
    return true;
  }

  /** Locks free sessions for waiters, first come first served, while `lockNext` finds one. */
  serve(lockNext: (consumer: Consumer) => string | undefined): void {
    while (this.waiting.length > 0) {
      const waiter = this.waiting[0];
      if (!waiter) return;
      const sessionId = lockNext(waiter.consumer);
      if (sessionId === undefined) return;
      this.waiting.shift();
      waiter.granted(sessionId);
    }
  }
}
