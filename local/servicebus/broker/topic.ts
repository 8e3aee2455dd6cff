// A topic: copies each message to every subscription with a matching rule, and holds scheduled messages
// (with the topic's own sequence numbers, which is what cancelling them refers to) until their time.
import type { Message } from "rhea";
import { MessageStore } from "../store/messageStore.js";
import { SequenceCounter } from "../store/sequence.js";
import type { MessageEntity } from "./entity.js";
import { cloneMessage, ensureMessageId, scheduledTimeOf } from "./messageFields.js";
import type { Rule } from "./rules.js";
import type { SendSettings } from "./settings.js";

export interface Subscription {
  readonly name: string;
  readonly entity: MessageEntity;
  readonly rules: Rule[];
}

export class Topic {
  readonly subscriptions = new Map<string, Subscription>();
  private readonly scheduled = new MessageStore();
  private readonly sequence = new SequenceCounter();

  constructor(
    readonly name: string,
    readonly settings: SendSettings,
  ) {}

  addSubscription(subscription: Subscription): void {
    this.subscriptions.set(subscription.name.toLowerCase(), subscription);
  }

  /** Publishes now, or holds the message when it is scheduled for later; returns the sequence number if held. */
  send(message: Message, now: number): number | undefined {
    ensureMessageId(message);
    const scheduledAt = scheduledTimeOf(message);
    if (scheduledAt !== undefined && scheduledAt > now) {
      const sequenceNumber = this.sequence.next();
      this.scheduled.add({
        sequenceNumber,
        message,
        enqueuedAt: now,
        expiresAt: Number.POSITIVE_INFINITY,
        timeToLiveMs: Number.POSITIVE_INFINITY,
        state: "scheduled",
        scheduledAt,
        deliveryCount: 0,
        lock: undefined,
        sessionId: undefined,
      });
      return sequenceNumber;
    }
    this.publish(message, now);
    return undefined;
  }

  cancelScheduled(sequenceNumber: number): void {
    const record = this.scheduled.get(sequenceNumber);
    if (record) this.scheduled.remove(record);
  }

  private publish(message: Message, now: number): void {
    for (const subscription of this.subscriptions.values()) {
      if (subscription.rules.some((rule) => rule.matches(message))) {
        subscription.entity.enqueue(cloneMessage(message), now, this.settings.defaultTtlMs);
      }
    }
  }

  tick(now: number): void {
    for (const record of this.scheduled.dueScheduled(now)) {
      this.scheduled.remove(record);
      this.publish(record.message, now);
    }
    for (const subscription of this.subscriptions.values()) subscription.entity.tick(now);
  }
}
