// The outbox's retries on their own, with in-memory ports and a clock the test moves: the delay schedule, the
// reason stored for a failure, a refused event tried later and later and then parked, events behind refused ones
// still published, and parked events counted, listed and released.
import { describe, expect, it } from "vitest";
import {
  countParked,
  listParked,
  OUTBOX_BATCH,
  OUTBOX_GRACE_MS,
  publishFromOutbox,
  releaseParked,
  shareOutbox,
  sweepOutbox,
} from "../../../src/app/outbox.js";
import type { EventPublisher } from "../../../src/app/ports.js";
import {
  afterFailedPublish,
  failureReason,
  isTransientFailure,
  OUTBOX_MAX_TRIES,
  type Outbox,
  outboxRetryDelayMs,
} from "../../../src/domain/outbox.js";
import type { Share } from "../../../src/domain/share.js";
import type { ShareEvent } from "../../../src/domain/shareEvent.js";
import { memoryCredentialRequests, memoryLogger, memoryShares } from "../../support/memoryPorts.js";

const SECOND_MS = 1_000;
const HOUR_MS = 3_600_000;

describe("the retry schedule", () => {
  it("waits 15 s after the first failed try, doubling each time, never more than an hour", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(outboxRetryDelayMs)).toEqual(
      [15, 30, 60, 120, 240, 480, 960, 1920, 3600, 3600].map((seconds) => seconds * SECOND_MS),
    );
  });

  it("parks the event at its tenth failed try, with the reason and the time", () => {
    const now = new Date();
    expect(afterFailedPublish({ tries: OUTBOX_MAX_TRIES - 2 }, "X", now)).toEqual({
      tries: OUTBOX_MAX_TRIES - 1,
      nextTryAt: new Date(now.getTime() + outboxRetryDelayMs(OUTBOX_MAX_TRIES - 1)).toISOString(),
    });
    expect(afterFailedPublish({ tries: OUTBOX_MAX_TRIES - 1 }, "X", now)).toEqual({
      tries: OUTBOX_MAX_TRIES,
      parked: { reason: "X", at: now.toISOString() },
    });
  });

  it("never parks an event whose failures the broker calls transient, trying it an hour apart", () => {
    const now = new Date();
    expect(
      afterFailedPublish({ tries: OUTBOX_MAX_TRIES + 5 }, "ServiceCommunicationProblem", now, true),
    ).toEqual({
      tries: OUTBOX_MAX_TRIES + 6,
      nextTryAt: new Date(now.getTime() + HOUR_MS).toISOString(),
    });
    const unreachable = Object.assign(new Error("connect ECONNREFUSED"), { retryable: true });
    const refused = Object.assign(new Error("too large"), { code: "MessageSizeExceeded", retryable: false });
    expect([unreachable, refused, new Error("other")].map(isTransientFailure)).toEqual([true, false, false]);
  });

  it("stores a failure's code, else its name, and never its message", () => {
    const coded = Object.assign(new Error("holds did:example:someone"), { code: "MessageSizeExceeded" });
    expect(failureReason(coded)).toBe("MessageSizeExceeded");
    expect(failureReason(Object.assign(new Error("x"), { name: "AbortError" }))).toBe("AbortError");
    expect(failureReason(Object.assign(new TypeError("x"), { code: "has spaces and text" }))).toBe(
      "TypeError",
    );
    expect(failureReason("a thrown string")).toBe("unknown");
  });
});

/** Refuses the events whose id it is given with a coded error, as the Service Bus SDK does; takes the rest. */
function brokerRefusing(refused: Set<string>) {
  const tries: string[] = [];
  const published: string[] = [];
  const publisher: EventPublisher = {
    async publish(event) {
      tries.push(event.eventId);
      if (refused.has(event.eventId))
        throw Object.assign(new Error(`message ${event.eventId} too large`), { code: "MessageSizeExceeded" });
      published.push(event.eventId);
    },
  };
  return { publisher, tries, published };
}

function setup(refused: Set<string>) {
  let now = new Date();
  const broker = brokerRefusing(refused);
  const deps = {
    shares: memoryShares(),
    credentialRequests: memoryCredentialRequests(),
    publisher: broker.publisher,
    log: memoryLogger(),
    clock: () => now,
  };
  /** Stores a share with its event in the outbox, stored `ageMs` ago. */
  const stored = (ageMs: number): Share & { outbox: Outbox } => {
    const id = `share-${deps.shares.documents.items.size}`;
    const event = { eventId: `event-${id}`, trustId: "RTH", occurredAt: now.toISOString() } as ShareEvent;
    const outbox = { event, correlationId: "corr", storedAt: new Date(now.getTime() - ageMs).toISOString() };
    const share = { id, subject: "did:example:holder", trustId: "RTH", outbox } as unknown as Share & {
      outbox: Outbox;
    };
    deps.shares.documents.put(`${share.subject}/${id}`, share);
    return share;
  };
  const outboxOf = (share: Share) => deps.shares.documents.get(`${share.subject}/${share.id}`)?.value.outbox;
  return {
    deps,
    broker,
    stored,
    outboxOf,
    advance: (ms: number) => {
      now = new Date(now.getTime() + ms);
    },
  };
}

describe("the sweep with an event the broker refuses", () => {
  it("writes the failed try and leaves the event until its next try is due", async () => {
    const refused = new Set<string>();
    const { deps, broker, stored, outboxOf, advance } = setup(refused);
    const share = stored(OUTBOX_GRACE_MS + 1);
    refused.add(share.outbox.event.eventId);
    expect(await sweepOutbox(deps)).toEqual({ published: 0, pending: 1 });
    expect(outboxOf(share)).toMatchObject({
      tries: 1,
      nextTryAt: new Date(deps.clock().getTime() + outboxRetryDelayMs(1)).toISOString(),
    });
    advance(outboxRetryDelayMs(1) - 1);
    expect(await sweepOutbox(deps)).toEqual({ published: 0, pending: 0 });
    expect(broker.tries).toHaveLength(1);
    advance(1);
    await sweepOutbox(deps);
    expect(broker.tries).toHaveLength(2);
    expect(outboxOf(share)?.tries).toBe(2);
  });

  it("parks it after the last try with the broker's code, logs it once, and never takes it again", async () => {
    const refused = new Set<string>();
    const { deps, broker, stored, outboxOf, advance } = setup(refused);
    const share = stored(OUTBOX_GRACE_MS + 1);
    refused.add(share.outbox.event.eventId);
    for (let sweep = 0; sweep < OUTBOX_MAX_TRIES + 5; sweep++) {
      await sweepOutbox(deps);
      advance(HOUR_MS);
    }
    expect(broker.tries).toHaveLength(OUTBOX_MAX_TRIES);
    expect(outboxOf(share)).toMatchObject({
      tries: OUTBOX_MAX_TRIES,
      parked: { reason: "MessageSizeExceeded" },
    });
    expect(JSON.stringify(outboxOf(share)?.parked)).not.toContain("too large");
    expect(deps.log.lines.filter((line) => line.level === "error")).toHaveLength(1);
    expect(await countParked(deps)).toBe(1);
  });

  it("reaches a good event behind more refused events than one sweep takes", async () => {
    const refused = new Set<string>();
    const { deps, broker, stored, advance } = setup(refused);
    for (let index = 0; index <= OUTBOX_BATCH; index++)
      refused.add(stored(HOUR_MS - index).outbox.event.eventId);
    const good = stored(OUTBOX_GRACE_MS + 1);
    await sweepOutbox(deps);
    advance(SECOND_MS);
    expect(await sweepOutbox(deps)).toEqual({ published: 1, pending: 1 });
    expect(broker.published).toEqual([good.outbox.event.eventId]);
  });

  it("counts no try when the publish right after the write fails: that one is the sweep's to retry", async () => {
    const refused = new Set<string>();
    const { deps, stored, outboxOf } = setup(refused);
    const share = stored(0);
    refused.add(share.outbox.event.eventId);
    expect(await publishFromOutbox(deps, shareOutbox(deps.shares), share)).toBe(false);
    expect(outboxOf(share)).toEqual(share.outbox);
  });
});

describe("the sweep while the broker is unreachable", () => {
  it("tries the event again for as long as the outage lasts and publishes it after, never parking it", async () => {
    const { deps, stored, outboxOf, advance } = setup(new Set());
    const share = stored(OUTBOX_GRACE_MS + 1);
    let reachable = false;
    const published: string[] = [];
    deps.publisher = {
      async publish(event) {
        if (!reachable) throw Object.assign(new Error("connect ECONNREFUSED"), { retryable: true });
        published.push(event.eventId);
      },
    };
    for (let sweep = 0; sweep < OUTBOX_MAX_TRIES * 2; sweep++) {
      await sweepOutbox(deps);
      advance(HOUR_MS);
    }
    expect(outboxOf(share)?.parked).toBeUndefined();
    expect(outboxOf(share)?.tries).toBe(OUTBOX_MAX_TRIES * 2);
    reachable = true;
    expect(await sweepOutbox(deps)).toEqual({ published: 1, pending: 0 });
    expect(published).toEqual([share.outbox.event.eventId]);
  });
});

describe("parked events", () => {
  it("are counted and listed across shares and credential requests, and released to be swept at once", async () => {
    const refused = new Set<string>();
    const { deps, broker, stored, outboxOf, advance } = setup(refused);
    const share = stored(OUTBOX_GRACE_MS + 1);
    refused.add(share.outbox.event.eventId);
    for (let sweep = 0; sweep < OUTBOX_MAX_TRIES; sweep++) {
      await sweepOutbox(deps);
      advance(HOUR_MS);
    }
    expect(await listParked(deps)).toEqual([
      expect.objectContaining({
        kind: "share",
        id: share.id,
        eventId: share.outbox.event.eventId,
        tries: 10,
      }),
    ]);
    expect(await releaseParked(deps, ["another-id"])).toEqual([]);
    expect(await releaseParked(deps, [share.outbox.event.eventId])).toHaveLength(1);
    expect(await countParked(deps)).toBe(0);
    expect(outboxOf(share)).toMatchObject({ tries: 0, nextTryAt: deps.clock().toISOString() });
    refused.clear();
    expect(await sweepOutbox(deps)).toEqual({ published: 1, pending: 0 });
    expect(broker.published).toEqual([share.outbox.event.eventId]);
    expect(outboxOf(share)).toBeUndefined();
  });
});
