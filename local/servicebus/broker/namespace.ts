// The namespace: builds entities from Config.json, resolves AMQP addresses to them (case-insensitively), applies
// duplicate detection on send, forwards between entities, and runs the clock for every entity.
import type { Message } from "rhea";
import type { ValidEmulatorConfig } from "../config/schema.js";
import { DuplicateWindow } from "../store/dedupe.js";
import { dispatchAfter, type EntityHost, type ForwardFailure, MessageEntity } from "./entity.js";
import { BrokerError, Condition } from "./errors.js";
import { messageIdOf, sessionIdOf } from "./messageFields.js";
import { subscriptionRules } from "./rules.js";
import { receiveSettings, sendSettings } from "./settings.js";
import { type Subscription, Topic } from "./topic.js";

/** Where messages sent to an address go: a queue's entity or a topic. */
export type SendTarget = { kind: "queue"; entity: MessageEntity } | { kind: "topic"; topic: Topic };

const TICK_MS = 50;
/** Service Bus forwards a message through at most four hops; a fifth is refused. */
const MAX_FORWARD_HOPS = 4;

export class Namespace implements EntityHost {
  private readonly queues = new Map<string, MessageEntity>();
  private readonly topics = new Map<string, Topic>();
  private readonly duplicates = new Map<object, DuplicateWindow>();
  private readonly timer: NodeJS.Timeout;
  private forwardDepth = 0;

  constructor(config: ValidEmulatorConfig) {
    for (const ns of config.UserConfig.Namespaces) {
      for (const queue of ns.Queues) {
        const entity = new MessageEntity(queue.Name, receiveSettings(queue), this);
        this.queues.set(queue.Name.toLowerCase(), entity);
        const window = sendSettings(queue).duplicateWindowMs;
        if (window !== undefined) this.duplicates.set(entity, new DuplicateWindow(window));
      }
      for (const topicConfig of ns.Topics) {
        const settings = sendSettings(topicConfig);
        const topic = new Topic(topicConfig.Name, settings);
        for (const sub of topicConfig.Subscriptions) {
          const path = `${topicConfig.Name}/Subscriptions/${sub.Name}`;
          topic.addSubscription({
            name: sub.Name,
            entity: new MessageEntity(path, receiveSettings(sub), this),
            rules: subscriptionRules(sub.Rules),
          });
        }
        this.topics.set(topicConfig.Name.toLowerCase(), topic);
        if (settings.duplicateWindowMs !== undefined) {
          this.duplicates.set(topic, new DuplicateWindow(settings.duplicateWindowMs));
        }
      }
    }
    this.timer = setInterval(() => this.tick(Date.now()), TICK_MS);
    this.timer.unref();
  }

  /** The queue, subscription or dead-letter queue a receiver reads from. */
  receiveEntity(address: string): MessageEntity {
    const parts = address.toLowerCase().split("/");
    const deadLetter = parts[parts.length - 1] === "$deadletterqueue";
    if (deadLetter) parts.pop();
    const transfer = deadLetter && parts[parts.length - 1] === "$transfer";
    if (transfer) parts.pop();
    let entity: MessageEntity | undefined;
    if (parts.length === 1) entity = this.queues.get(parts[0] ?? "");
    else if (parts.length === 3 && parts[1] === "subscriptions") {
      entity = this.topics.get(parts[0] ?? "")?.subscriptions.get(parts[2] ?? "")?.entity;
    }
    const found = transfer ? entity?.transferDeadLetterQueue : deadLetter ? entity?.deadLetterQueue : entity;
    if (!found) throw notFound(address);
    return found;
  }

  /** The queue or topic a sender writes to. */
  sendTarget(address: string): SendTarget {
    const key = address.toLowerCase();
    const entity = this.queues.get(key);
    if (entity) return { kind: "queue", entity };
    const topic = this.topics.get(key);
    if (topic) return { kind: "topic", topic };
    throw notFound(address);
  }

  /** The subscription at `topic/Subscriptions/name`, for the rule operations. */
  subscription(address: string): Subscription {
    const parts = address.toLowerCase().split("/");
    const found =
      parts.length === 3 && parts[1] === "subscriptions"
        ? this.topics.get(parts[0] ?? "")?.subscriptions.get(parts[2] ?? "")
        : undefined;
    if (!found) throw notFound(address);
    return found;
  }

  /** Refuses a message its target cannot take, before anything of the transfer that carries it is stored. */
  validate(target: SendTarget, message: Message): void {
    if (
      target.kind === "queue" &&
      target.entity.settings.requiresSession &&
      sessionIdOf(message) === undefined
    ) {
      throw new BrokerError(
        Condition.notAllowed,
        `The queue '${target.entity.path}' requires sessions; the message has no session id.`,
      );
    }
  }

  /**
   * Accepts the messages of one send (a single message or a batch) whole or not at all: every message is checked
   * before any is stored. Returns each message's sequence number where one is known (what schedule-message
   * answers). Duplicates inside the detection window are accepted and dropped, as Service Bus does.
   */
  send(target: SendTarget, messages: readonly Message[], now: number): (number | undefined)[] {
    for (const message of messages) this.validate(target, message);
    return dispatchAfter(() => messages.map((message) => this.store(target, message, now)));
  }

  private store(target: SendTarget, message: Message, now: number): number | undefined {
    const window = this.duplicates.get(target.kind === "queue" ? target.entity : target.topic);
    const messageId = messageIdOf(message);
    if (window && messageId !== undefined && window.isDuplicate(messageId, now)) return undefined;
    const sequenceNumber =
      target.kind === "topic"
        ? target.topic.send(message, now)
        : target.entity.enqueue(message, now)?.sequenceNumber;
    if (window && messageId !== undefined) window.remember(messageId, now);
    return sequenceNumber;
  }

  cancelScheduled(target: SendTarget, sequenceNumber: number): void {
    if (target.kind === "topic") target.topic.cancelScheduled(sequenceNumber);
    else target.entity.cancelScheduled(sequenceNumber);
  }

  /** Delivers a message an entity forwards; says why when it cannot, so that the message is kept, not lost. */
  forward(targetName: string, message: Message, now: number): ForwardFailure | undefined {
    if (this.forwardDepth >= MAX_FORWARD_HOPS) {
      return {
        reason: "MaxTransferHopCountExceeded",
        description: `The message was not forwarded to '${targetName}': it has been forwarded ${MAX_FORWARD_HOPS} times already, the most Service Bus allows.`,
      };
    }
    this.forwardDepth += 1;
    try {
      const target = this.sendTarget(targetName);
      this.validate(target, message);
      this.store(target, message, now);
      return undefined;
    } catch (error) {
      return { reason: "ForwardingFailed", description: (error as Error).message };
    } finally {
      this.forwardDepth -= 1;
    }
  }

  /** Session entries held across all entities (locked sessions and sessions with state). */
  sessionEntryCount(): number {
    let count = 0;
    for (const queue of this.queues.values()) count += queue.sessions.size;
    for (const topic of this.topics.values()) {
      for (const subscription of topic.subscriptions.values()) count += subscription.entity.sessions.size;
    }
    return count;
  }

  tick(now: number): void {
    for (const queue of this.queues.values()) queue.tick(now);
    for (const topic of this.topics.values()) topic.tick(now);
    for (const window of this.duplicates.values()) window.prune(now);
  }

  close(): void {
    clearInterval(this.timer);
  }
}

function notFound(address: string): BrokerError {
  return new BrokerError(
    Condition.notFound,
    `The messaging entity 'sb://localhost/${address}' could not be found.`,
  );
}
