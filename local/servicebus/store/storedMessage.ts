// The record the broker keeps for each message: the client's AMQP message plus the broker's own bookkeeping.
import type { Message } from "rhea";

/** Active messages are deliverable; deferred ones only by sequence number; scheduled ones wait for their time. */
export type MessageState = "active" | "deferred" | "scheduled";

/** Numeric x-opt-message-state values the SDK compares against. */
export const MESSAGE_STATE_CODE: Record<MessageState, number> = { active: 0, deferred: 1, scheduled: 2 };

export interface MessageLock {
  readonly token: string;
  until: number;
  /** The receiving link that holds the lock, so its closing can release it; undefined for management receives. */
  readonly holder: object | undefined;
}

export interface StoredMessage {
  readonly sequenceNumber: number;
  /** The message as the client sent it (or as modified by settlement), without broker annotations. */
  message: Message;
  enqueuedAt: number;
  /** Milliseconds since the epoch; Infinity when it never expires. */
  expiresAt: number;
  /** The effective time-to-live (the message's own, capped by the entity's default); it runs from enqueuedAt. */
  readonly timeToLiveMs: number;
  state: MessageState;
  scheduledAt: number | undefined;
  /** How many times the message has been handed to a receiver so far. */
  deliveryCount: number;
  lock: MessageLock | undefined;
  readonly sessionId: string | undefined;
}
