// A queue, a subscription or a dead-letter queue: accepts messages, hands them to receivers within their credit,
// and moves them on when locks run out, time-to-live passes or the delivery limit is reached.
import type { Message } from "rhea";
import { MessageStore } from "../store/messageStore.js";
import { SequenceCounter } from "../store/sequence.js";
import type { StoredMessage } from "../store/storedMessage.js";
import type { Consumer } from "./consumer.js";
import { deadLetter, expire, forwardOrKeep } from "./deadLetters.js";
import { runClock } from "./entityClock.js";
import type { EntityHost, EntityParts } from "./entityParts.js";
import { BrokerError, Condition } from "./errors.js";
import { ensureMessageId, scheduledTimeOf, sessionIdOf } from "./messageFields.js";
import { SessionTable } from "./sessions.js";
import { SessionWaiters } from "./sessionWaiters.js";
import { deadLetterSettings, type EntitySettings } from "./settings.js";

export type { EntityHost, ForwardFailure } from "./entityParts.js";

/** Entities asked to dispatch while a send is under way; undefined outside one (see `dispatchAfter`). */
let held: Set<MessageEntity> | undefined;

/**
 * Runs one send (a batch stores a hundred messages at once) and then dispatches each entity it touched once, instead
 * of offering every receiver each message as it is stored. Receivers see the same messages in the same order.
 */
export function dispatchAfter<T>(send: () => T): T {
  if (held) return send();
  const touched = new Set<MessageEntity>();
  held = touched;
  try {
    return send();
  } finally {
    held = undefined;
    for (const entity of touched) entity.dispatch();
  }
}

export class MessageEntity implements EntityParts {
  readonly store = new MessageStore();
  readonly sessions = new SessionTable();
  readonly sessionWaiters = new SessionWaiters();
  readonly consumers: Consumer[] = [];
  readonly deadLetterQueue: MessageEntity | undefined;
  /** Where messages go that could not be forwarded (`<entity>/$Transfer/$DeadLetterQueue`). */
  readonly transferDeadLetterQueue: MessageEntity | undefined;
  private readonly sequence = new SequenceCounter();
  private roundRobin = 0;
  private dispatching = false;
  private dispatchAgain = false;

  constructor(
    readonly path: string,
    readonly settings: EntitySettings,
    readonly host: EntityHost,
    readonly isDeadLetterQueue = false,
  ) {
    const subQueue = (suffix: string): MessageEntity | undefined =>
      isDeadLetterQueue
        ? undefined
        : new MessageEntity(`${path}/${suffix}`, deadLetterSettings(settings), host, true);
    this.deadLetterQueue = subQueue("$DeadLetterQueue");
    this.transferDeadLetterQueue = subQueue("$Transfer/$DeadLetterQueue");
  }

  /**
   * Stores a message sent to the entity (or forwards it) and returns its record. `ttlLimitMs` is the topic's default
   * time-to-live for a subscription: a message lives for the shortest of its own, the topic's and the entity's.
   */
  enqueue(message: Message, now: number, ttlLimitMs = Number.POSITIVE_INFINITY): StoredMessage | undefined {
    const scheduledAt = scheduledTimeOf(message);
    const isScheduled = scheduledAt !== undefined && scheduledAt > now;
    ensureMessageId(message);
    const ttl = typeof message.ttl === "number" && message.ttl > 0 ? message.ttl : Number.POSITIVE_INFINITY;
    const timeToLiveMs = Math.min(ttl, this.settings.defaultTtlMs, ttlLimitMs);
    const record: StoredMessage = {
      sequenceNumber: this.sequence.next(),
      message,
      enqueuedAt: now,
      // A scheduled message is enqueued when its time comes (see activate); its time-to-live runs from then.
      expiresAt: (isScheduled ? scheduledAt : now) + timeToLiveMs,
      timeToLiveMs,
      state: isScheduled ? "scheduled" : "active",
      scheduledAt: isScheduled ? scheduledAt : undefined,
      deliveryCount: 0,
      lock: undefined,
      sessionId: sessionIdOf(message),
    };
    if (this.settings.forwardTo && !isScheduled) {
      forwardOrKeep(this, this.settings.forwardTo, record, message, now);
      return undefined;
    }
    this.store.add(record);
    if (!isScheduled) this.dispatch();
    return record;
  }

  /** Takes in a message dead-lettered by the parent entity, keeping its sequence number and history. */
  acceptDeadLettered(from: StoredMessage, message: Message): void {
    this.store.add({
      ...from,
      message,
      state: "active",
      scheduledAt: undefined,
      expiresAt: Number.POSITIVE_INFINITY,
      lock: undefined,
      // The first receive from the dead-letter queue shows the count of the last delivery before dead-lettering.
      deliveryCount: Math.max(0, from.deliveryCount - 1),
    });
    this.dispatch();
  }

  cancelScheduled(sequenceNumber: number): void {
    const record = this.store.get(sequenceNumber);
    if (record?.state === "scheduled") this.store.remove(record);
  }

  attach(consumer: Consumer): void {
    this.consumers.push(consumer);
    this.dispatch();
  }

  /** Removes a receiver; messages it held locked become available again, as after an abandon. */
  detach(consumer: Consumer, now: number): void {
    const index = this.consumers.indexOf(consumer);
    if (index >= 0) this.consumers.splice(index, 1);
    this.sessionWaiters.remove(consumer);
    this.sessions.release(consumer);
    for (const record of this.store.lockedBy(consumer)) this.release(record, now);
    this.dispatch();
  }

  /** Locks a session for a receiver: the named one, or the first unlocked one with messages waiting. */
  lockSession(consumer: Consumer, sessionId: string | undefined, now: number): string | undefined {
    const until = now + this.settings.lockDurationMs;
    if (sessionId !== undefined) {
      if (!this.sessions.lock(sessionId, consumer, until, now)) {
        throw new BrokerError(
          Condition.sessionCannotBeLocked,
          `The session '${sessionId}' is locked by another receiver.`,
        );
      }
      return sessionId;
    }
    for (const record of this.store.readyMessages()) {
      const candidate = record.sessionId;
      if (candidate !== undefined && !this.sessions.isLocked(candidate, now)) {
        this.sessions.lock(candidate, consumer, until, now);
        return candidate;
      }
    }
    return undefined;
  }

  /** Hands ready messages to receivers with credit, in turn, never beyond their credit. */
  dispatch(): void {
    if (held) {
      held.add(this);
      return;
    }
    if (this.dispatching) {
      this.dispatchAgain = true;
      return;
    }
    this.dispatching = true;
    try {
      do {
        this.dispatchAgain = false;
        const now = Date.now();
        // Whatever made a dispatch worthwhile (a new message, a released session) may free a session for a waiter.
        if (this.sessionWaiters.size > 0) {
          this.sessionWaiters.serve((consumer) => this.lockSession(consumer, undefined, now));
        }
        this.dispatchRound(now);
      } while (this.dispatchAgain);
    } finally {
      this.dispatching = false;
    }
  }

  private dispatchRound(now: number): void {
    let progressed = true;
    while (progressed && this.store.readyCount > 0) {
      progressed = false;
      const count = this.consumers.length;
      for (let i = 0; i < count; i++) {
        const consumer = this.consumers[(this.roundRobin + i) % count];
        if (!consumer?.hasCredit()) continue;
        const sessionId = consumer.sessionId;
        const record =
          sessionId === undefined
            ? this.store.takeReady()
            : this.store.takeReady((candidate) => candidate.sessionId === sessionId);
        if (!record) continue;
        progressed = true;
        if (record.expiresAt <= now) {
          expire(this, record, now);
          continue;
        }
        this.deliver(consumer, record, now);
      }
      this.roundRobin = count === 0 ? 0 : (this.roundRobin + 1) % count;
    }
  }

  private deliver(consumer: Consumer, record: StoredMessage, now: number): void {
    const deliveryCount = record.deliveryCount;
    record.deliveryCount += 1;
    if (consumer.receiveMode === "receiveAndDelete") {
      this.store.remove(record);
      consumer.deliver({ record, lockToken: undefined, lockedUntil: undefined, deliveryCount });
      return;
    }
    const lockedUntil = now + this.settings.lockDurationMs;
    const lockToken = this.store.lock(record, lockedUntil, consumer);
    consumer.deliver({ record, lockToken, lockedUntil, deliveryCount });
  }

  /** A message whose lock ended without settlement: redelivered, or dead-lettered once out of deliveries. */
  release(record: StoredMessage, now: number): void {
    this.store.unlock(record);
    if (record.state === "deferred") return;
    if (record.deliveryCount >= this.settings.maxDeliveryCount) {
      deadLetter(
        this,
        record,
        now,
        "MaxDeliveryCountExceeded",
        `Message could not be consumed after ${this.settings.maxDeliveryCount} delivery attempts.`,
      );
      return;
    }
    this.store.makeReady(record);
    this.dispatch();
  }

  /** Messages received in a session stay locked as long as their receiver holds the session, as in Service Bus. */
  lockExpired(record: StoredMessage, now: number): boolean {
    const lock = record.lock;
    if (!lock || lock.until > now) return false;
    const sessionId = record.sessionId;
    return (
      sessionId === undefined ||
      lock.holder === undefined ||
      this.sessions.holderOf(sessionId, now) !== lock.holder
    );
  }

  /** A scheduled message's time has come: it is enqueued now, and its time-to-live runs from now. */
  activate(record: StoredMessage, now: number): void {
    record.enqueuedAt = now;
    record.expiresAt = now + record.timeToLiveMs;
    if (this.settings.forwardTo) {
      this.store.remove(record);
      forwardOrKeep(this, this.settings.forwardTo, record, record.message, now);
      return;
    }
    this.store.makeReady(record);
  }

  /** Runs the clock: lock expiry, scheduled arrivals, session lock expiry and time-to-live. */
  tick(now: number): void {
    runClock(this, now);
  }
}
