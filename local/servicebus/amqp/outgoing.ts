// A client's receiver link seen from the server: delivers an entity's messages within the link's credit,
// answers drain requests, and turns the client's dispositions into settlement of the locked messages.
import type { Delivery, Sender } from "rhea";
import type { Consumer, OutgoingMessage, ReceiveMode } from "../broker/consumer.js";
import type { MessageEntity } from "../broker/entity.js";
import { BrokerError, Condition } from "../broker/errors.js";
import { type Disposition, settle } from "../broker/settlement.js";
import { connectionState, type Detachable } from "./connectionState.js";
import { deliveryMessage } from "./deliveryMessage.js";
import { lockTokenToTag, tagToLockToken } from "./encoding.js";
import { acceptedOutcome, linkCredit, rejectedOutcome, unsentDeliveries } from "./rheaTypes.js";

export class OutgoingLink implements Consumer, Detachable {
  private closing = false;
  private gone = false;
  private nextTag = 0;
  /** Messages sent on the link that rhea has not yet transferred, and so not yet taken from its credit. */
  private unsent = 0;
  private recountQueued = false;
  /** Set once the session is locked, before the link is attached to the entity. */
  sessionId: string | undefined = undefined;

  constructor(
    readonly sender: Sender,
    readonly entity: MessageEntity,
    readonly receiveMode: ReceiveMode,
  ) {}

  /**
   * True while the client's credit covers one more message. Messages sent in the current event are not yet taken
   * from rhea's count of the credit, so they are taken off here: without that, one dispatch would hand a receiver
   * every ready message (locking each) when the receiver asked for one.
   */
  hasCredit(): boolean {
    return !this.closing && !this.gone && this.sender.sendable() && linkCredit(this.sender) > this.unsent;
  }

  deliver(outgoing: OutgoingMessage): void {
    const message = deliveryMessage(outgoing.record, outgoing.deliveryCount, outgoing.lockedUntil);
    const tag = outgoing.lockToken ? lockTokenToTag(outgoing.lockToken) : Buffer.from(String(this.nextTag++));
    this.sender.send(message, tag);
    this.unsent += 1;
    if (!this.recountQueued) {
      // rhea transfers what was sent on the next tick, queued by the send above; after that, what is still unsent
      // is what the session's window holds back.
      this.recountQueued = true;
      process.nextTick(() => {
        this.recountQueued = false;
        this.unsent = unsentDeliveries(this.sender);
      });
    }
  }

  onCredit(): void {
    this.entity.dispatch();
  }

  /** A drain asks for whatever is available now; the credit left over is then returned to the client. */
  onDraining(): void {
    this.entity.dispatch();
    this.sender.set_drained(true);
  }

  /** Applies the client's outcome for a delivery and settles it, with an error if the lock was lost. */
  onDisposition(delivery: Delivery, disposition: Disposition): void {
    const lockToken = tagToLockToken(delivery.tag);
    if (this.receiveMode === "receiveAndDelete" || lockToken === undefined) {
      finish(delivery, acceptedOutcome());
      return;
    }
    try {
      settle(this.entity, lockToken, disposition, Date.now());
      finish(delivery, acceptedOutcome());
    } catch (error) {
      const condition = error instanceof BrokerError ? error.condition : Condition.internal;
      finish(delivery, rejectedOutcome({ condition, description: (error as Error).message }));
    }
  }

  detachWithError(condition: string, description: string): void {
    if (this.closing || this.gone) return;
    this.closing = true;
    this.sender.close({ condition, description });
  }

  /** The link or its connection went away: its locked messages become available again. */
  onDetached(): void {
    if (this.gone) return;
    this.gone = true;
    connectionState(this.sender.connection).links.delete(this);
    this.entity.detach(this, Date.now());
  }
}

/**
 * Settles a delivery and lets rhea forget it. In rcv-settle-mode "second" the client settles on its side after our
 * settlement without another disposition, so rhea would otherwise keep every delivery and, once its 2,048-slot
 * session buffer is full, stop sending.
 */
function finish(delivery: Delivery, outcome: unknown): void {
  delivery.update(true, outcome);
  (delivery as { remote_settled: boolean }).remote_settled = true;
}
