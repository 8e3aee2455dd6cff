// The outbox: a share event stored on the document it belongs to (a share, or a credential request), in the same
// write that changes the document, and dropped once the event is on the topic. So an event is never lost between
// the change and the topic, and never published for a change that was not stored.
import type { ShareEvent } from "./shareEvent.js";

/** The share event waiting to be published, with the correlation id it travels with. */
export type Outbox = {
  readonly event: ShareEvent;
  readonly correlationId: string;
  readonly storedAt: string;
};

/** A document that may carry an outbox. */
export type OutboxCarrier = { readonly id: string; readonly outbox?: Outbox };
