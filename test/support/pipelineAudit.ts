// The pipeline's invariant, read from where each part keeps its state: every accepted share (`shared` in Cosmos
// DB) has exactly one share event, recorded once, and either exactly one delivery the demo trust verified or a
// dead letter with its reason (or a trust's refusal with its reason); no share has a second event, nothing waits
// in an outbox. Used by the fault tests and the soak; it imports nothing from the test runner.
import { ServiceBusClient } from "@azure/service-bus";
import type { LocalSystem } from "../../local/system.js";
import { listDeadLetters } from "../../src/adapters/servicebus/deadLetterQueue.js";
import { PARKING_QUEUE, SHARE_DELIVERIES_QUEUE } from "../../src/adapters/servicebus/shareDeliveries.js";
import { services } from "../../src/composition.js";
import { call } from "./system.js";
import { until } from "./until.js";

/** Where an accepted share's event stands once the pipeline has settled, or what is wrong with it. */
export type ShareFate =
  | { kind: "delivered" }
  | { kind: "dead-lettered"; reason: string }
  | { kind: "failed"; reason: string }
  | { kind: "unsettled"; why: string }
  | { kind: "duplicated"; why: string }
  | { kind: "lost"; why: string };

export type PipelineAudit = {
  accepted: number;
  recorded: number;
  delivered: number;
  deadLettered: number;
  failed: number;
  /** Still in flight: an outbox not yet published, a delivery still retrying. Lost if it stays so. */
  unsettled: number;
  lost: number;
  duplicated: number;
  /** Extra copies the demo trust received and answered as duplicates (same jti): harmless, counted to show. */
  redelivered: number;
  /** The share ids with something wrong or unsettled, and why. */
  problems: { shareId: string; fate: ShareFate }[];
};

type ShareDoc = { id: string; subject: string; progress: { status: string }; outbox?: unknown };
type EventDoc = {
  id: string;
  data: { shareId: string };
  recorded?: { at: string };
  delivery: { status: string; reason?: string };
};
type Receipt = { jti: string | null; verified: boolean; duplicate: boolean; claims: { txn?: string } | null };

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group) group.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}

async function all<T>(container: string, query: string): Promise<T[]> {
  const database = await services().database();
  return (await database.container(container).items.query<T>(query).fetchAll()).resources;
}

/** Event ids with a dead letter, and its reason, from the parking queue and both subscriptions' own DLQs. */
async function deadLettersByEvent(connectionString: string): Promise<Map<string, string>> {
  const client = new ServiceBusClient(connectionString);
  const found = new Map<string, string>();
  try {
    for (const entity of [
      PARKING_QUEUE,
      "share-events/subscriptions/record",
      "share-events/subscriptions/deliver",
    ]) {
      for (const entry of await listDeadLetters(client, entity)) {
        // Parking queue messages are `<eventId>.<attempt>`; the topic's are the event id itself.
        const eventId = (entry.messageId ?? "").replace(/\.\d+$/, "");
        found.set(eventId, `${entry.reason ?? "no reason"}: ${entry.description ?? ""}`);
      }
    }
  } finally {
    await client.close();
  }
  return found;
}

function fateOf(
  share: ShareDoc,
  events: readonly EventDoc[],
  receipts: readonly Receipt[],
  deadLetters: ReadonlyMap<string, string>,
): ShareFate {
  const eventIds = new Set([...events.map((event) => event.id), ...receipts.map((r) => r.jti ?? "")]);
  if (events.length > 1 || eventIds.size > 1) {
    return { kind: "duplicated", why: `${events.length} records, ${eventIds.size} event ids` };
  }
  const firstReceipts = receipts.filter((receipt) => !receipt.duplicate);
  if (firstReceipts.length > 1)
    return { kind: "duplicated", why: `${firstReceipts.length} first deliveries` };
  if (share.outbox !== undefined) return { kind: "unsettled", why: "its event waits in the outbox" };
  const [event] = events;
  if (event === undefined) return { kind: "unsettled", why: "no share event document" };
  if (event.recorded === undefined) return { kind: "unsettled", why: "the event is not recorded" };
  const { status, reason } = event.delivery;
  if (status === "delivered") {
    return firstReceipts.length === 1
      ? { kind: "delivered" }
      : { kind: "lost", why: "marked delivered, but the trust received nothing" };
  }
  if (firstReceipts.length > 0) return { kind: "unsettled", why: `received, but the event says ${status}` };
  if (status === "dead-lettered") {
    const dead = deadLetters.get(event.id);
    return dead === undefined
      ? { kind: "unsettled", why: "dead-lettered on the event, but not in a dead-letter queue yet" }
      : { kind: "dead-lettered", reason: `${reason ?? ""} (${dead})` };
  }
  if (status === "failed") {
    return reason ? { kind: "failed", reason } : { kind: "lost", why: "failed without a reason" };
  }
  const dead = deadLetters.get(event.id);
  // The delivery is dead-lettered before the event is marked so: for a moment both can be seen. Lost if it stays so.
  if (dead !== undefined)
    return { kind: "unsettled", why: `broker dead letter while the event says ${status}: ${dead}` };
  return { kind: "unsettled", why: `delivery ${status}` };
}

/**
 * Audits the accepted shares (those in `shareIds`, or all of them): after `settled` each unsettled share counts as
 * lost, before it they are only unsettled.
 */
export async function auditPipeline(
  system: LocalSystem,
  options: { shareIds?: ReadonlySet<string>; settled?: boolean } = {},
): Promise<PipelineAudit> {
  const wanted = (id: string) => options.shareIds === undefined || options.shareIds.has(id);
  const shares = (
    await all<ShareDoc>("shares", "SELECT c.id, c.subject, c.progress, c.outbox FROM c")
  ).filter((share) => share.progress.status === "shared" && wanted(share.id));
  const eventsByShare = groupBy(
    await all<EventDoc>("shareEvents", "SELECT c.id, c.data, c.recorded, c.delivery FROM c"),
    (event) => event.data.shareId,
  );
  const { events: receipts } = (await call<{ events: Receipt[] }>(`${system.urls.demoTrust}/events`)).body;
  const receiptsByShare = groupBy(
    receipts.filter((receipt) => receipt.verified),
    (receipt) => receipt.claims?.txn ?? "",
  );
  const deadLetters = await deadLettersByEvent(system.serviceBus.connectionString);

  const audit: PipelineAudit = {
    accepted: shares.length,
    recorded: 0,
    delivered: 0,
    deadLettered: 0,
    failed: 0,
    unsettled: 0,
    lost: 0,
    duplicated: 0,
    redelivered: 0,
    problems: [],
  };
  for (const share of shares) {
    const events = eventsByShare.get(share.id) ?? [];
    const received = receiptsByShare.get(share.id) ?? [];
    audit.recorded += events.filter((event) => event.recorded !== undefined).length;
    audit.redelivered += received.filter((receipt) => receipt.duplicate).length;
    let fate = fateOf(share, events, received, deadLetters);
    if (fate.kind === "unsettled" && options.settled) fate = { kind: "lost", why: fate.why };
    if (fate.kind === "delivered") audit.delivered++;
    else if (fate.kind === "dead-lettered") audit.deadLettered++;
    else if (fate.kind === "failed") audit.failed++;
    else {
      audit[fate.kind]++;
      audit.problems.push({ shareId: share.id, fate });
    }
  }
  return audit;
}

/** Audits until nothing is unsettled, or until the time is up; then the final audit, where unsettled is lost. */
export async function settledAudit(
  system: LocalSystem,
  options: { shareIds?: ReadonlySet<string>; timeoutMs: number },
): Promise<PipelineAudit> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const audit = await auditPipeline(system, options);
    if (audit.unsettled === 0 || Date.now() > deadline) {
      return audit.unsettled === 0 ? audit : auditPipeline(system, { ...options, settled: true });
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** The ids of the share events about these shares or credential requests. */
async function eventIdsOf(subjects: ReadonlySet<string>): Promise<Set<string>> {
  const events = await all<{ id: string; data: { shareId?: string; requestId?: string } }>(
    "shareEvents",
    "SELECT c.id, c.data FROM c",
  );
  return new Set(
    events
      .filter((event) => subjects.has(event.data.shareId ?? event.data.requestId ?? ""))
      .map((event) => event.id),
  );
}

/** Messages about these events still in an entity, whatever their state: peeked afresh, from the first one. */
async function pendingIn(
  client: ServiceBusClient,
  entity: readonly [queue: string] | readonly [topic: string, subscription: string],
  eventIds: ReadonlySet<string>,
): Promise<number> {
  // A fresh receiver each time: a second peek on the same one carries on after the last message it saw.
  const receiver = entity.length === 1 ? client.createReceiver(entity[0]) : client.createReceiver(...entity);
  try {
    const messages = await receiver.peekMessages(1000);
    return messages.filter((message) => {
      const eventId = (message.body as { eventId?: unknown } | undefined)?.eventId;
      return typeof eventId === "string" && eventIds.has(eventId);
    }).length;
  } finally {
    await receiver.close();
  }
}

/**
 * Waits until no message about the events of these shares (or credential requests) is left on its way to a consumer: none in either subscription
 * and none in the delivery queue, scheduled ones included (the look a copy schedules for when another copy's lease
 * ends, up to the push timeout and 30 s away). Only then can an audit say that no second delivery is still to come.
 */
export async function drained(
  system: LocalSystem,
  subjects: ReadonlySet<string>,
  timeoutMs: number,
): Promise<void> {
  const eventIds = await eventIdsOf(subjects);
  const client = new ServiceBusClient(system.serviceBus.connectionString);
  try {
    await until(
      async () => {
        let pending = 0;
        for (const entity of [
          [SHARE_DELIVERIES_QUEUE],
          ["share-events", "record"],
          ["share-events", "deliver"],
        ] as const)
          pending += await pendingIn(client, entity, eventIds);
        return pending === 0;
      },
      { timeoutMs, everyMs: 500, what: `no message left for the events of ${[...subjects].join(", ")}` },
    );
  } finally {
    await client.close();
  }
}
