// The deliverer on its own, with in-memory ports and a clock the test moves: each of its decisions for a message
// (malformed, unknown, duplicate, in flight elsewhere, not to be pushed, held for an inactive trust, pushed) and
// each outcome of a push (delivered, failed for good, retried with backoff, dead-lettered when exhausted).
import { describe, expect, it } from "vitest";
import { deliverShareEvent, TRUST_INACTIVE } from "../../../src/app/deliverShareEvent.js";
import type { ShareEventStore } from "../../../src/app/ports.js";
import { EncryptionKeyUnavailable } from "../../../src/app/setEncryption.js";
import { newStoredShareEvent } from "../../../src/domain/shareDelivery.js";
import {
  CREDENTIAL_REQUEST_DECLINED_EVENT,
  CREDENTIALS_SHARED_EVENT,
} from "../../../src/domain/shareEvent.js";
import { PUSH_METHOD, STREAM_UPDATED_EVENT, type Stream } from "../../../src/domain/stream.js";
import {
  answered,
  DAY_MS,
  deliveryWorld,
  ENDPOINT,
  eventMessage,
  memoryPusher,
  pushTrust,
  retryMessage,
  storedPayload,
} from "../../support/memoryDelivery.js";
import { memoryLogger } from "../../support/memoryPorts.js";

type World = ReturnType<typeof deliveryWorld>;

const read = async (world: World, eventId: string) => (await world.deps.events.get("RTH", eventId))?.value;
const deliver = (world: World, message: Parameters<typeof deliverShareEvent>[1]) =>
  deliverShareEvent(world.deps, message, memoryLogger());

/** The trust in the world's directory, changed. */
function setTrust(world: World, change: Partial<typeof pushTrust>) {
  const [current] = world.deps.trusts.trusts;
  if (current === undefined) throw new Error("the world has a trust");
  world.deps.trusts.trusts[0] = { ...current, ...change };
}

describe("a message that names no event it can deliver", () => {
  it("dead-letters a malformed body with the problem, and touches nothing", async () => {
    const world = deliveryWorld();
    const outcome = await deliver(
      world,
      retryMessage({ eventId: "e 1", trustId: "RTH", attempt: 0, round: 1 }),
    );
    expect(outcome).toBe("malformed");
    expect(world.deps.deadLetters.messages.map((entry) => entry.reason)).toEqual([
      "MalformedDeliveryMessage",
    ]);
    expect(world.deps.push.pushes).toHaveLength(0);
    expect(world.deps.events.documents.items.size).toBe(0);
  });

  it("dead-letters a retry for an event that was never recorded", async () => {
    const world = deliveryWorld();
    const outcome = await deliver(
      world,
      retryMessage({ eventId: "nowhere", trustId: "RTH", attempt: 2, round: 2 }),
    );
    expect(outcome).toBe("malformed");
    expect(world.deps.deadLetters.messages.map((entry) => entry.reason)).toEqual(["ShareEventNotRecorded"]);
    expect(world.deps.push.pushes).toHaveLength(0);
  });
});

describe("the first attempt", () => {
  it("pushes a SET made from the payload, records the attempt, and deletes the payload once delivered", async () => {
    const world = deliveryWorld();
    const { event, secret } = await storedPayload(world);
    expect(await deliver(world, eventMessage(event))).toBe("delivered");
    expect(world.deps.push.pushes.map((push) => push.endpoint)).toEqual([ENDPOINT]);
    expect(world.deps.push.pushes[0]?.token).toContain(secret);
    const stored = await read(world, event.eventId);
    const now = world.deps.clock().toISOString();
    expect(stored?.delivery).toEqual({
      status: "delivered",
      attempt: 1,
      deliveredAt: now,
      attempts: [{ attempt: 1, at: now, durationMs: 7, outcome: "delivered", status: 202, kid: "key-1" }],
    });
    expect(stored?.claimsRemoved).toEqual({ at: now, why: "delivered" });
    expect(stored?.correlationId).toBe("corr-1");
    expect(await world.deps.payloads.get("RTH", event.eventId)).toBeUndefined();
  });

  it("takes the attempt on a document the record consumer created first", async () => {
    const world = deliveryWorld();
    const { event } = await storedPayload(world);
    const recorded = newStoredShareEvent(event, {
      now: world.deps.clock(),
      retentionMs: 30 * DAY_MS,
      recorded: true,
    });
    await world.deps.events.create(recorded);
    expect(await deliver(world, eventMessage(event))).toBe("delivered");
    expect((await read(world, event.eventId))?.recorded).toEqual(recorded.recorded);
    expect(world.deps.push.pushes).toHaveLength(1);
  });

  it("marks the event available for a trust that polls, pushing nothing and keeping the payload", async () => {
    const world = deliveryWorld([{ ...pushTrust, delivery: { mode: "poll" } }]);
    const { event } = await storedPayload(world);
    expect(await deliver(world, eventMessage(event))).toBe("available");
    expect((await read(world, event.eventId))?.delivery.status).toBe("available");
    expect(world.deps.push.pushes).toHaveLength(0);
    expect(await world.deps.payloads.get("RTH", event.eventId)).toBeDefined();
  });

  it("fails an event for a trust that is unknown or has no delivery, and for an endpoint that is not https", async () => {
    const { delivery: _none, ...withoutDelivery } = pushTrust;
    const cases = [
      { trusts: [], reason: "no_delivery_endpoint" },
      { trusts: [withoutDelivery], reason: "no_delivery_endpoint" },
      {
        trusts: [
          { ...pushTrust, delivery: { mode: "push" as const, endpoint: "http://hr.rth.example/events" } },
        ],
        reason: "endpoint_not_https",
      },
    ];
    for (const { trusts, reason } of cases) {
      const world = deliveryWorld(trusts);
      const { event } = await storedPayload(world);
      expect(await deliver(world, eventMessage(event)), reason).toBe("failed");
      expect((await read(world, event.eventId))?.delivery, reason).toMatchObject({
        status: "failed",
        reason,
      });
      expect(world.deps.push.pushes, reason).toHaveLength(0);
    }
  });

  it("fails an event past its retention limit without pushing it", async () => {
    const world = deliveryWorld();
    const { event } = await storedPayload(world);
    world.advance(30 * DAY_MS);
    expect(await deliver(world, eventMessage(event))).toBe("failed");
    expect((await read(world, event.eventId))?.delivery).toMatchObject({
      status: "failed",
      reason: "retention_expired",
    });
    expect(world.deps.push.pushes).toHaveLength(0);
  });

  it("fails, and marks the payload gone, when the payload is missing though its retention has not ended", async () => {
    const world = deliveryWorld();
    const { event } = await storedPayload(world);
    await world.deps.payloads.delete("RTH", event.eventId);
    expect(await deliver(world, eventMessage(event))).toBe("failed");
    const stored = await read(world, event.eventId);
    expect(stored?.delivery).toMatchObject({ status: "failed", reason: "payload_missing" });
    expect(stored?.delivery.leaseUntil).toBeUndefined();
    expect(stored?.claimsRemoved?.why).toBe("retention");
    expect(world.deps.push.pushes).toHaveLength(0);
  });
});

describe("the outcome of a push", () => {
  it("fails the delivery for good on a 400, with the trust's err, and schedules nothing", async () => {
    const world = deliveryWorld();
    world.deps.push = memoryPusher(answered(400, '{"err":"invalid_audience","description":"not us"}'));
    const { event } = await storedPayload(world);
    expect(await deliver(world, eventMessage(event))).toBe("failed");
    expect((await read(world, event.eventId))?.delivery).toMatchObject({
      status: "failed",
      reason: "invalid_audience: not us",
    });
    expect(world.deps.scheduler.scheduled).toHaveLength(0);
    expect(await world.deps.payloads.get("RTH", event.eventId)).toBeDefined();
  });

  it("schedules the next attempt after the backoff's delay on 408, 429, 5xx and a timeout, keeping the payload", async () => {
    for (const result of [
      answered(408),
      answered(429),
      answered(503),
      { kind: "timeout" as const, durationMs: 10_000 },
    ]) {
      const world = deliveryWorld();
      world.deps.push = memoryPusher(result);
      const { event } = await storedPayload(world);
      const label = JSON.stringify(result);
      expect(await deliver(world, eventMessage(event)), label).toBe("retrying");
      // The first delay, 1 s, with half of the 20 % jitter (the random draw is 0.5).
      const next = new Date(world.deps.clock().getTime() + 1_100);
      expect(world.deps.scheduler.scheduled, label).toEqual([
        {
          retry: { eventId: event.eventId, trustId: "RTH", attempt: 2, round: 2 },
          at: next,
          correlationId: "corr-1",
        },
      ]);
      const stored = await read(world, event.eventId);
      expect(stored?.delivery, label).toMatchObject({
        status: "retrying",
        attempt: 1,
        nextAttemptAt: next.toISOString(),
      });
      expect(stored?.delivery.attempts[0], label).toMatchObject({
        outcome: "retry",
        nextAttemptAt: next.toISOString(),
      });
      expect(await world.deps.payloads.get("RTH", event.eventId), label).toBeDefined();
    }
  });

  it("pushes nothing, in the clear or otherwise, when the trust's encryption key cannot be read, and retries with backoff", async () => {
    const world = deliveryWorld();
    world.deps.sign = async (content) => {
      throw new EncryptionKeyUnavailable(content.trustId, "key-1");
    };
    const { event } = await storedPayload(world);
    expect(await deliver(world, eventMessage(event))).toBe("retrying");
    expect(world.deps.push.pushes).toHaveLength(0);
    const next = new Date(world.deps.clock().getTime() + 1_100);
    expect(world.deps.scheduler.scheduled).toEqual([
      {
        retry: { eventId: event.eventId, trustId: "RTH", attempt: 2, round: 2 },
        at: next,
        correlationId: "corr-1",
      },
    ]);
    expect((await read(world, event.eventId))?.delivery).toMatchObject({
      status: "retrying",
      attempts: [
        {
          attempt: 1,
          outcome: "retry",
          reason: "encryption_key_unavailable",
          kid: "key-1",
          durationMs: 0,
          nextAttemptAt: next.toISOString(),
        },
      ],
    });
    expect(await world.deps.payloads.get("RTH", event.eventId)).toBeDefined();
  });

  it("waits longer after each failure up to the cap, and dead-letters the delivery after the last attempt of the round", async () => {
    const world = deliveryWorld();
    world.deps.push = memoryPusher(answered(503));
    const { event } = await storedPayload(world);
    expect(await deliver(world, eventMessage(event))).toBe("retrying");
    const first = world.deps.scheduler.scheduled[0];
    world.advance(1_100);
    expect(
      await deliver(world, retryMessage({ eventId: event.eventId, trustId: "RTH", attempt: 2, round: 2 })),
    ).toBe("retrying");
    // 2 s doubled from 1 s is over the 1.5 s cap: the cap, plus half the jitter.
    expect(world.deps.scheduler.scheduled[1]?.at.getTime()).toBe(world.deps.clock().getTime() + 1_650);
    expect(first?.at.getTime()).toBeLessThan(world.deps.scheduler.scheduled[1]?.at.getTime() ?? 0);
    world.advance(1_650);
    expect(
      await deliver(world, retryMessage({ eventId: event.eventId, trustId: "RTH", attempt: 3, round: 3 })),
    ).toBe("dead-lettered");
    expect(world.deps.scheduler.scheduled).toHaveLength(2);
    expect(world.deps.deadLetters.deliveries).toEqual([
      {
        retry: { eventId: event.eventId, trustId: "RTH", attempt: 4, round: 1 },
        reason: "DeliveryAttemptsExhausted",
        description: "3 attempts failed; last: http_503",
      },
    ]);
    const stored = await read(world, event.eventId);
    expect(stored?.delivery).toMatchObject({ status: "dead-lettered", attempt: 3, reason: "http_503" });
    expect(stored?.delivery.attempts.map((attempt) => attempt.outcome)).toEqual([
      "retry",
      "retry",
      "dead-lettered",
    ]);
    expect(await world.deps.payloads.get("RTH", event.eventId)).toBeDefined();
  });

  it("records the delivery even when the payload cannot be deleted, leaving the payload to the retention run", async () => {
    const world = deliveryWorld();
    const { event } = await storedPayload(world);
    const remove = world.deps.payloads.delete;
    world.deps.payloads.delete = async () => {
      throw new Error("Blob storage is unreachable");
    };
    expect(await deliver(world, eventMessage(event))).toBe("delivered");
    world.deps.payloads.delete = remove;
    const stored = await read(world, event.eventId);
    expect(stored?.delivery.status).toBe("delivered");
    expect(stored?.claimsRemoved).toBeUndefined();
    expect(await world.deps.payloads.get("RTH", event.eventId)).toBeDefined();
  });
});

describe("a message for an attempt already taken", () => {
  it("changes nothing for a finished delivery, an attempt made already, or an older attempt", async () => {
    const world = deliveryWorld();
    const { event } = await storedPayload(world);
    await deliver(world, eventMessage(event));
    const before = await world.deps.events.get("RTH", event.eventId);
    expect(await deliver(world, eventMessage(event))).toBe("duplicate");
    expect(
      await deliver(world, retryMessage({ eventId: event.eventId, trustId: "RTH", attempt: 2, round: 2 })),
    ).toBe("duplicate");
    expect(await world.deps.events.get("RTH", event.eventId)).toEqual(before);

    const failing = deliveryWorld();
    failing.deps.push = memoryPusher(answered(503));
    const retried = await storedPayload(failing);
    await deliver(failing, eventMessage(retried.event));
    // The first attempt again (a redelivered topic message): made already, and settled.
    expect(await deliver(failing, eventMessage(retried.event))).toBe("duplicate");
    failing.advance(1_100);
    await deliver(
      failing,
      retryMessage({ eventId: retried.event.eventId, trustId: "RTH", attempt: 2, round: 2 }),
    );
    // A stale copy of attempt 1's retry after attempt 2 was taken.
    expect(
      await deliver(
        failing,
        retryMessage({ eventId: retried.event.eventId, trustId: "RTH", attempt: 1, round: 1 }),
      ),
    ).toBe("duplicate");
    expect(failing.deps.push.pushes).toHaveLength(2);
  });

  it("looks again when another copy's lease ends, and takes the attempt over if it is still unfinished then", async () => {
    const world = deliveryWorld();
    const { event } = await storedPayload(world);
    const leaseUntil = new Date(world.deps.clock().getTime() + 40_000).toISOString();
    await world.deps.events.create({
      ...newStoredShareEvent(event, { now: world.deps.clock(), retentionMs: 30 * DAY_MS, recorded: true }),
      delivery: { status: "pending", attempt: 1, attempts: [], leaseUntil },
    });
    const ref = { eventId: event.eventId, trustId: "RTH", attempt: 1, round: 1 };
    expect(await deliver(world, eventMessage(event))).toBe("duplicate");
    expect(world.deps.scheduler.scheduled).toEqual([
      { retry: ref, at: new Date(leaseUntil), correlationId: "corr-1" },
    ]);
    expect(world.deps.push.pushes).toHaveLength(0);

    world.advance(40_000);
    expect(await deliver(world, retryMessage(ref))).toBe("delivered");
    expect(world.deps.push.pushes).toHaveLength(1);
  });

  it("gives up after losing every write race, so that the message is redelivered", async () => {
    const world = deliveryWorld();
    const { event } = await storedPayload(world);
    await world.deps.events.create(
      newStoredShareEvent(event, { now: world.deps.clock(), retentionMs: 30 * DAY_MS, recorded: true }),
    );
    const events: ShareEventStore = { ...world.deps.events, replace: async () => undefined };
    const ref = { eventId: event.eventId, trustId: "RTH", attempt: 2, round: 1 };
    await expect(
      deliverShareEvent({ ...world.deps, events }, retryMessage(ref), memoryLogger()),
    ).rejects.toThrow(/write races/);
    expect(world.deps.push.pushes).toHaveLength(0);
  });
});

describe("a trust's stream", () => {
  it("sends its authorization_header with every push, and none when it set none", async () => {
    const world = deliveryWorld();
    const { event: plain } = await storedPayload(world);
    expect(await deliver(world, eventMessage(plain))).toBe("delivered");
    world.deps.streams.get = async (trustId: string) => ({
      id: trustId,
      trustId,
      status: "enabled",
      eventsRequested: [CREDENTIALS_SHARED_EVENT],
      delivery: { method: PUSH_METHOD, endpointUrl: ENDPOINT, authorizationHeader: "Bearer receiver-secret" },
      updatedAt: world.deps.clock().toISOString(),
    });
    const { event } = await storedPayload(world);
    expect(await deliver(world, eventMessage(event))).toBe("delivered");
    expect(world.deps.push.pushes.map((push) => push.authorization)).toEqual([
      undefined,
      "Bearer receiver-secret",
    ]);
  });

  /** The world's trust with a stream of its own, as the trust set it. */
  const withStream = (world: World, change: Partial<Stream>) => {
    world.deps.streams.get = async (trustId: string) => ({
      id: trustId,
      trustId,
      status: "enabled",
      eventsRequested: [CREDENTIALS_SHARED_EVENT],
      delivery: { method: PUSH_METHOD, endpointUrl: ENDPOINT },
      updatedAt: world.deps.clock().toISOString(),
      ...change,
    });
  };

  it("holds an event while paused, in its record with its payload, with no dead letter and no retry", async () => {
    const world = deliveryWorld();
    withStream(world, { status: "paused" });
    const { event } = await storedPayload(world);
    expect(await deliver(world, eventMessage(event))).toBe("held");
    expect(world.deps.push.pushes).toEqual([]);
    expect((await read(world, event.eventId))?.delivery).toMatchObject({
      status: "held",
      reason: "stream_paused",
    });
    expect(await world.deps.payloads.get("RTH", event.eventId)).toBeDefined();
    expect(world.deps.deadLetters.deliveries).toEqual([]);
    expect(world.deps.scheduler.scheduled).toEqual([]);
  });

  it("delivers nothing while disabled: the event's record stays, its payload is deleted", async () => {
    const world = deliveryWorld();
    withStream(world, { status: "disabled" });
    const { event } = await storedPayload(world);
    expect(await deliver(world, eventMessage(event))).toBe("failed");
    expect(world.deps.push.pushes).toEqual([]);
    const stored = await read(world, event.eventId);
    expect(stored?.delivery).toMatchObject({ status: "failed", reason: "stream_disabled" });
    expect(stored?.claimsRemoved).toMatchObject({ why: "disabled" });
    expect(await world.deps.payloads.get("RTH", event.eventId)).toBeUndefined();
  });

  it("records an event of a type the trust did not request and never sends it", async () => {
    const world = deliveryWorld();
    withStream(world, { eventsRequested: [CREDENTIAL_REQUEST_DECLINED_EVENT] });
    const { event } = await storedPayload(world);
    expect(await deliver(world, eventMessage(event))).toBe("failed");
    expect(world.deps.push.pushes).toEqual([]);
    expect((await read(world, event.eventId))?.delivery).toMatchObject({
      status: "failed",
      reason: "event_not_requested",
    });
  });
});

describe("a trust that is not active", () => {
  it("gets no push of a new event: it is held with its payload and dead-lettered for a replay", async () => {
    const world = deliveryWorld([{ ...pushTrust, active: false }]);
    const { event } = await storedPayload(world);
    expect(await deliver(world, eventMessage(event))).toBe("held");
    expect(world.deps.push.pushes).toHaveLength(0);
    // Nothing of this event is scheduled (the stream-updated announcement is another event).
    expect(world.deps.scheduler.scheduled.filter((entry) => entry.retry.eventId === event.eventId)).toEqual(
      [],
    );
    expect((await read(world, event.eventId))?.delivery).toEqual({
      status: "held",
      attempt: 1,
      attempts: [],
      reason: "trust_inactive",
    });
    expect(world.deps.deadLetters.deliveries).toEqual([
      {
        retry: { eventId: event.eventId, trustId: "RTH", attempt: 2, round: 1 },
        reason: TRUST_INACTIVE,
        description: expect.stringContaining("not active"),
      },
    ]);
    expect(await world.deps.payloads.get("RTH", event.eventId)).toBeDefined();
  });

  it("hears once, by a stream-updated event pushed though it is inactive, that its stream is paused", async () => {
    const world = deliveryWorld([{ ...pushTrust, active: false }]);
    for (const { event } of [await storedPayload(world), await storedPayload(world)])
      expect(await deliver(world, eventMessage(event))).toBe("held");
    const announcements = world.deps.scheduler.scheduled.filter((entry) =>
      entry.retry.eventId.startsWith("stream-updated-"),
    );
    expect(announcements).toHaveLength(1);
    const [announcement] = announcements;
    if (announcement === undefined) throw new Error("no announcement");
    expect(await deliver(world, retryMessage(announcement.retry))).toBe("delivered");
    expect(world.deps.push.pushes).toHaveLength(1);
    expect(JSON.parse(world.deps.push.pushes[0]?.token ?? "{}")).toMatchObject({
      type: STREAM_UPDATED_EVENT,
      data: { streamId: "RTH", status: "paused", reason: expect.any(String) },
    });
  });

  it("gets no retry of an event it failed before it was deactivated", async () => {
    const world = deliveryWorld();
    world.deps.push = memoryPusher(answered(503));
    const { event } = await storedPayload(world);
    expect(await deliver(world, eventMessage(event))).toBe("retrying");
    setTrust(world, { active: false });
    world.advance(1_100);
    expect(
      await deliver(world, retryMessage({ eventId: event.eventId, trustId: "RTH", attempt: 2, round: 2 })),
    ).toBe("held");
    expect(world.deps.push.pushes).toHaveLength(1);
    expect(
      world.deps.scheduler.scheduled.filter((entry) => entry.retry.eventId === event.eventId),
    ).toHaveLength(1);
    const stored = await read(world, event.eventId);
    expect(stored?.delivery).toMatchObject({ status: "held", attempt: 2, reason: "trust_inactive" });
    expect(stored?.delivery.nextAttemptAt).toBeUndefined();
    expect(world.deps.deadLetters.deliveries.map((entry) => entry.retry)).toEqual([
      { eventId: event.eventId, trustId: "RTH", attempt: 3, round: 1 },
    ]);
  });

  it("dead-letters the held delivery again when the message that held it comes again, its dead letter having failed", async () => {
    const world = deliveryWorld([{ ...pushTrust, active: false }]);
    const { event } = await storedPayload(world);
    world.deps.deadLetters.failing = true;
    await expect(deliver(world, eventMessage(event))).rejects.toThrow(/unreachable/);
    expect((await read(world, event.eventId))?.delivery.status).toBe("held");
    world.deps.deadLetters.failing = false;
    expect(await deliver(world, eventMessage(event))).toBe("held");
    expect(world.deps.deadLetters.deliveries.map((entry) => entry.retry.attempt)).toEqual([2]);
    expect(world.deps.push.pushes).toHaveLength(0);
  });

  it("gets the held event once by the replay after it is active again, and a second replay changes nothing", async () => {
    const world = deliveryWorld([{ ...pushTrust, active: false }]);
    const { event, secret } = await storedPayload(world);
    await deliver(world, eventMessage(event));
    const [held] = world.deps.deadLetters.deliveries;
    if (held === undefined) throw new Error("the held delivery is dead-lettered");

    // Replayed while the trust is still inactive: held again, for the next replay.
    expect(await deliver(world, retryMessage(held.retry))).toBe("held");
    expect(world.deps.push.pushes).toHaveLength(0);
    const again = world.deps.deadLetters.deliveries[1];
    if (again === undefined) throw new Error("held again, dead-lettered again");
    expect(again.retry).toEqual({ ...held.retry, attempt: 3 });

    setTrust(world, { active: true });
    expect(await deliver(world, retryMessage(again.retry))).toBe("delivered");
    expect(await deliver(world, retryMessage(again.retry))).toBe("duplicate");
    expect(world.deps.push.pushes).toHaveLength(1);
    expect(world.deps.push.pushes[0]?.token).toContain(secret);
    expect((await read(world, event.eventId))?.delivery).toMatchObject({ status: "delivered", attempt: 3 });
    expect(await world.deps.payloads.get("RTH", event.eventId)).toBeUndefined();
  });

  it("fails a held event replayed after its retention limit, pushing nothing", async () => {
    const world = deliveryWorld([{ ...pushTrust, active: false }]);
    const { event } = await storedPayload(world);
    await deliver(world, eventMessage(event));
    setTrust(world, { active: true });
    world.advance(30 * DAY_MS);
    const [held] = world.deps.deadLetters.deliveries;
    if (held === undefined) throw new Error("the held delivery is dead-lettered");
    expect(await deliver(world, retryMessage(held.retry))).toBe("failed");
    expect((await read(world, event.eventId))?.delivery).toMatchObject({
      status: "failed",
      reason: "retention_expired",
    });
    expect(world.deps.push.pushes).toHaveLength(0);
  });

  it("still has its events marked available when it polls: its token is refused until it is active again", async () => {
    const world = deliveryWorld([{ ...pushTrust, active: false, delivery: { mode: "poll" } }]);
    const { event } = await storedPayload(world);
    expect(await deliver(world, eventMessage(event))).toBe("available");
    expect(world.deps.deadLetters.deliveries).toHaveLength(0);
  });
});
