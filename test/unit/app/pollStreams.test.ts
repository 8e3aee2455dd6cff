// The poll (RFC 8936) as the trust's SSF stream governs it: it answers only while the stream is enabled and polls,
// and it answers SSF's own events, signed from their record, beside the share events. Ports in memory.
import { describe, expect, it } from "vitest";
import { pollShareEvents } from "../../../src/app/pollShareEvents.js";
import type { StoredShareEvent } from "../../../src/domain/shareDelivery.js";
import {
  POLL_METHOD,
  type Stream,
  type StreamStatus,
  VERIFICATION_EVENT,
} from "../../../src/domain/stream.js";
import { contentSigner, streamContentSigner } from "../../support/memoryDelivery.js";
import { memoryAudit, memoryLogger, memoryPayloads, memoryShareEvents } from "../../support/memoryPorts.js";

function pollWorld(status: StreamStatus) {
  const now = new Date();
  const stream: Stream = {
    id: "RTH",
    trustId: "RTH",
    status,
    eventsRequested: [],
    delivery: { method: POLL_METHOD },
    updatedAt: now.toISOString(),
  };
  const deps = {
    events: memoryShareEvents(),
    payloads: memoryPayloads(),
    sign: contentSigner,
    signStream: streamContentSigner,
    audit: memoryAudit(() => now),
    streams: { get: async () => stream },
    clock: () => now,
    sleep: async () => {},
  };
  return { deps, stream, now };
}

/** A verification event waiting for the trust's poll. */
const waitingVerification = (now: Date): StoredShareEvent => ({
  id: "verification-1",
  trustId: "RTH",
  type: VERIFICATION_EVENT,
  data: { streamId: "RTH", state: "state-1" },
  occurredAt: now.toISOString(),
  retainClaimsUntil: new Date(now.getTime() + 86_400_000).toISOString(),
  delivery: { status: "available", attempt: 1, attempts: [] },
});

const caller = { trustId: "RTH", jti: "token-1" };

describe("the poll of a trust's stream", () => {
  it("answers SSF's verification event, signed from its record, while the stream is enabled", async () => {
    const { deps, now } = pollWorld("enabled");
    await deps.events.create(waitingVerification(now));
    const answer = await pollShareEvents(deps, caller, { returnImmediately: true }, memoryLogger());
    expect(Object.keys(answer.sets)).toEqual(["verification-1"]);
    expect(JSON.parse(answer.sets["verification-1"] ?? "{}")).toMatchObject({
      type: VERIFICATION_EVENT,
      data: { streamId: "RTH", state: "state-1" },
    });
  });

  it.each(["paused", "disabled"] as const)("answers nothing while the stream is %s", async (status) => {
    const { deps, now } = pollWorld(status);
    await deps.events.create(waitingVerification(now));
    const answer = await pollShareEvents(deps, caller, { returnImmediately: true }, memoryLogger());
    expect(answer.sets).toEqual({});
    // Still waiting for the poll that comes once the stream is enabled.
    expect((await deps.events.get("RTH", "verification-1"))?.value.delivery.status).toBe("available");
  });
});
