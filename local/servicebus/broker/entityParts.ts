// What moving a message on (dead-lettering, forwarding, expiry) and an entity's clock need of the entity they work
// on, apart from the entity itself: the entity calls them, so they must not import it back.
import type { Message } from "rhea";
import type { MessageStore } from "../store/messageStore.js";
import type { StoredMessage } from "../store/storedMessage.js";
import type { Consumer } from "./consumer.js";
import type { SessionTable } from "./sessions.js";
import type { EntitySettings } from "./settings.js";

/** Why a message could not be forwarded; it then goes to the transfer dead-letter queue with this reason. */
export interface ForwardFailure {
  readonly reason: string;
  readonly description: string;
}

/** What an entity needs from its namespace: delivering forwarded messages to another entity by name. */
export interface EntityHost {
  forward(target: string, message: Message, now: number): ForwardFailure | undefined;
}

/** A queue, subscription or dead-letter queue as dead-lettering, forwarding and the clock see it. */
export interface EntityParts {
  readonly path: string;
  readonly settings: EntitySettings;
  readonly host: EntityHost;
  readonly store: MessageStore;
  readonly sessions: SessionTable;
  readonly deadLetterQueue: EntityParts | undefined;
  readonly transferDeadLetterQueue: EntityParts | undefined;
  acceptDeadLettered(from: StoredMessage, message: Message): void;
  lockExpired(record: StoredMessage, now: number): boolean;
  release(record: StoredMessage, now: number): void;
  activate(record: StoredMessage, now: number): void;
  detach(consumer: Consumer, now: number): void;
  dispatch(): void;
}
