// What an entity needs from a receiving link: credit, a way to hand over a message, and a way to end it.
import type { StoredMessage } from "../store/storedMessage.js";

export type ReceiveMode = "peekLock" | "receiveAndDelete";

/** One delivery as the receiver must see it; deliveryCount counts previous deliveries, as the SDK expects. */
export interface OutgoingMessage {
  readonly record: StoredMessage;
  readonly lockToken: string | undefined;
  readonly lockedUntil: number | undefined;
  readonly deliveryCount: number;
}

export interface Consumer {
  readonly receiveMode: ReceiveMode;
  /** The session this receiver holds, or undefined for a receiver of a non-session entity. */
  readonly sessionId: string | undefined;
  hasCredit(): boolean;
  deliver(message: OutgoingMessage): void;
  /** Ends the link with an error, e.g. when its session lock is lost. */
  detachWithError(condition: string, description: string): void;
}
