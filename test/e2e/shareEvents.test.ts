// Share events reach the receiving trust: the record and deliver consumers on the local host, the emulators,
// Azurite and the demo trust, driven by publishing ShareEvent messages to the topic as the outbox does (each
// event's payload stored in Blob storage first). Claim values rest in the payload and the SETs only.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { LocalSystem } from "../../local/system.js";
import { PARKING_QUEUE } from "../../src/adapters/servicebus/shareDeliveries.js";
import { deliverShareEvent } from "../../src/app/deliverShareEvent.js";
import { recordShareEvent } from "../../src/app/recordShareEvent.js";
import { dropExpiredPayloads } from "../../src/app/shareEventRetention.js";
import { services } from "../../src/composition.js";
import { newStoredShareEvent } from "../../src/domain/shareDelivery.js";
import type { Logger } from "../../src/log.js";
import { messagesIn } from "../servicebus/fixtures.js";
import { drained } from "../support/pipelineAudit.js";
import {
  CLAIM_VALUE,
  documentsFor,
  FAST_RETRIES,
  newId,
  payloadOf,
  publish,
  received,
  setMode,
  shareEvent,
  storedEvent,
  storedPayload,
  storePayload,
} from "../support/shareEvents.js";
import { call, startTestSystem } from "../support/system.js";
import { until } from "../support/until.js";

let system: LocalSystem;
const lines: string[] = [];

beforeAll(async () => {
  system = await startTestSystem({ settings: FAST_RETRIES, log: (line) => lines.push(line) });
});
afterAll(() => system?.close());
beforeEach(() => setMode(system, "ok"));

const deliveredTo = async (jti: string) => (await received(system)).filter((r) => r.jti === jti);

describe("recording and delivering a share event", () => {
  it("records it once and delivers one SET that the demo trust verifies", async () => {
    const event = shareEvent("RTH");
    await publish(system, event);
    const stored = await until(async () => {
      const doc = await storedEvent(event);
      return doc?.delivery.status === "delivered" && doc.recorded !== undefined ? doc : undefined;
    });
    expect(await documentsFor(event.eventId)).toBe(1);
    expect(stored.data).toEqual(event.data);
    const at = await deliveredTo(event.eventId);
    expect(at).toHaveLength(1);
    expect(at[0]).toMatchObject({ verified: true, duplicate: false, aud: "RTH" });
    expect(stored.delivery.attempts).toEqual([
      expect.objectContaining({ attempt: 1, outcome: "delivered", status: 202, kid: expect.any(String) }),
    ]);
  });

  it("signs the SET of API.md section 3 from the payload: ES256, secevent+jwt, kid, jti, txn, aud, the holder's sub_id, the claims, no exp and no sub", async () => {
    const event = shareEvent("RJ1");
    await publish(system, event);
    const [delivery] = await until(async () => {
      const got = await deliveredTo(event.eventId);
      return got.length > 0 ? got : undefined;
    });
    const token = delivery?.token ?? "";
    const header = decodeProtectedHeader(token);
    const claims = decodeJwt(token);
    const jwks = (await call<{ keys: { kid: string }[] }>(`${system.urls.host}/api/.well-known/jwks.json`))
      .body;
    expect(header).toEqual({ alg: "ES256", typ: "secevent+jwt", kid: expect.any(String) });
    expect(jwks.keys.map((k) => k.kid)).toContain(header.kid);
    expect(claims).toMatchObject({
      iss: new URL(system.settings.SESSION_ISSUER ?? "").origin,
      aud: "RJ1",
      jti: event.eventId,
      txn: event.data.shareId,
      sub_id: { format: "did", url: "did:jwk:holder" },
      // The holder is still the event's subject too, for one release.
      events: { [event.type]: { ...payloadOf(event).data, subject: "did:jwk:holder" } },
    });
    expect(JSON.stringify(claims)).toContain(CLAIM_VALUE);
    expect(claims.iat).toEqual(expect.any(Number));
    expect(claims).not.toHaveProperty("exp");
    expect(claims).not.toHaveProperty("sub");
  });
});

describe("retries", () => {
  it("retries a failing trust with growing gaps, keeping the payload in Blob storage, then delivers once it recovers and deletes the payload", async () => {
    await setMode(system, "fail-5xx");
    const event = shareEvent("RTH");
    await publish(system, event);
    const retrying = await until(async () => {
      const doc = await storedEvent(event);
      return doc !== undefined && doc.delivery.attempts.length >= 3 ? doc : undefined;
    });
    expect(retrying.delivery.status).toBe("retrying");
    expect(retrying.claimsRemoved).toBeUndefined();
    expect(JSON.stringify(retrying)).not.toContain(CLAIM_VALUE);
    expect(await storedPayload(event)).toEqual(payloadOf(event));
    await setMode(system, "ok");

    // The mark that the payload is gone is written just after the delivery is settled: wait for both.
    const done = await until(async () => {
      const doc = await storedEvent(event);
      return doc?.delivery.status === "delivered" && doc.claimsRemoved ? doc : undefined;
    });
    const { attempts } = done.delivery;
    expect(attempts.map((a) => a.outcome)).toEqual([...attempts.slice(1).map(() => "retry"), "delivered"]);
    expect(attempts.map((a) => a.attempt)).toEqual(attempts.map((_, i) => i + 1));
    for (const attempt of attempts.slice(0, -1)) {
      expect(attempt).toMatchObject({ status: 503, reason: "http_503", nextAttemptAt: expect.any(String) });
    }
    // The scheduled delay grows: 0.3 s, 0.6 s, then 1 s (the cap), each plus up to 20 % jitter.
    const delays = attempts
      .slice(0, -1)
      .map((a) => Date.parse(a.nextAttemptAt ?? "") - Date.parse(a.at) - a.durationMs);
    // Once at the cap, two delays differ only by their jitter, so from there each is checked against the cap.
    const CAP_MS = 1000;
    for (let i = 1; i < delays.length; i++) {
      const before = delays[i - 1] ?? 0;
      if (before < CAP_MS) expect(delays[i]).toBeGreaterThan(before);
      else expect(delays[i]).toBeGreaterThanOrEqual(CAP_MS - 5);
      expect(delays[i]).toBeLessThanOrEqual(CAP_MS * 1.2 + 5);
    }
    // Each retry came no earlier than it was scheduled.
    for (let i = 1; i < attempts.length; i++) {
      expect(Date.parse(attempts[i]?.at ?? "")).toBeGreaterThanOrEqual(
        Date.parse(attempts[i - 1]?.nextAttemptAt ?? "") - 5,
      );
    }
    expect(await deliveredTo(event.eventId)).toHaveLength(1);
    expect(await documentsFor(event.eventId)).toBe(1);
    // Delivered: types, issuers and the log stay on the record, the payload with the claim values goes.
    expect(done.data.credentials).toEqual([
      {
        type: "StaffPassportDbsCheck",
        issuer: "did:web:dbs.staffpassport.nhs.uk",
        issuanceDate: "2026-01-01T00:00:00Z",
        revocationStatus: "VALID",
      },
    ]);
    expect(done.data).not.toHaveProperty("staff");
    expect(JSON.stringify(done)).not.toContain(CLAIM_VALUE);
    expect(done.claimsRemoved).toMatchObject({ why: "delivered" });
    expect(await storedPayload(event)).toBeUndefined();
  });

  it("does not retry a 400 with an RFC 8935 err: the delivery fails with that reason", async () => {
    await setMode(system, "fail-400");
    const event = shareEvent("RTH");
    await publish(system, event);
    const failed = await until(async () => {
      const doc = await storedEvent(event);
      return doc?.delivery.status === "failed" ? doc : undefined;
    });
    expect(failed.delivery.reason).toBe("access_denied: The demo trust refuses on purpose.");
    expect(failed.delivery.attempts).toEqual([expect.objectContaining({ outcome: "failed", status: 400 })]);
    // Well past the first retry's time, still one attempt, one record, and nothing received.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect((await storedEvent(event))?.delivery.attempts).toHaveLength(1);
    expect(await documentsFor(event.eventId)).toBe(1);
    expect(await deliveredTo(event.eventId)).toEqual([]);
  });

  it("retries after a timeout", async () => {
    await setMode(system, "timeout");
    const event = shareEvent("RTH");
    await publish(system, event);
    const first = await until(async () => {
      const doc = await storedEvent(event);
      return doc !== undefined && doc.delivery.attempts.length >= 1 ? doc : undefined;
    });
    expect(first.delivery.attempts[0]).toMatchObject({ outcome: "retry", reason: "timeout" });
    expect(first.delivery.attempts[0]).not.toHaveProperty("status");
    await setMode(system, "ok");
    await until(async () => (await storedEvent(event))?.delivery.status === "delivered");
    expect(await deliveredTo(event.eventId)).toHaveLength(1);
    expect(await documentsFor(event.eventId)).toBe(1);
  });
});

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Runs `npm run deadletters -- ...` as an operator would, against this test's emulator. */
async function deadletters(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, ["--import", "tsx", "scripts/deadletters.ts", ...args], {
    cwd: ROOT,
    env: { ...process.env, ServiceBusConnection: system.settings.ServiceBusConnection ?? "" },
  });
}

describe("attempts exhausted", () => {
  it("dead-letters the delivery with the reason and no claim value, and a replay delivers it once from the kept payload", async () => {
    await setMode(system, "fail-5xx");
    const event = shareEvent("RJ1");
    await publish(system, event);
    const dead = await until(async () => {
      const doc = await storedEvent(event);
      return doc?.delivery.status === "dead-lettered" ? doc : undefined;
    });
    expect(dead.delivery.attempts.map((a) => a.outcome)).toEqual([
      "retry",
      "retry",
      "retry",
      "retry",
      "dead-lettered",
    ]);
    expect(dead.delivery.reason).toBe("http_503");
    // Undelivered: the payload stays in Blob storage for the replay; the record and the dead letter hold no claim.
    expect(JSON.stringify(dead)).not.toContain(CLAIM_VALUE);
    expect(await storedPayload(event)).toEqual(payloadOf(event));

    const { stdout } = await deadletters("list", "--entity", PARKING_QUEUE);
    expect(stdout).not.toContain(CLAIM_VALUE);
    const listed = stdout
      .trim()
      .split("\n")
      .map(
        (line) =>
          JSON.parse(line) as { messageId: string; reason: string; replayTo: string; description: string },
      );
    const entry = listed.find((e) => e.messageId === `${event.eventId}.6`);
    expect(entry).toMatchObject({ reason: "DeliveryAttemptsExhausted", replayTo: "share-deliveries" });
    expect(entry?.description).toContain("http_503");

    await setMode(system, "ok");
    await deadletters("replay", "--entity", PARKING_QUEUE, "--id", `${event.eventId}.6`);
    const done = await until(async () => {
      const doc = await storedEvent(event);
      return doc?.delivery.status === "delivered" ? doc : undefined;
    });
    expect(done.delivery.attempts.at(-1)).toMatchObject({ attempt: 6, outcome: "delivered" });
    // Once no message for the event is left anywhere, no second delivery can follow the replayed one.
    await drained(system, new Set([event.data.shareId]), 20_000);
    const replayed = await deliveredTo(event.eventId);
    expect(replayed).toHaveLength(1);
    expect(replayed[0]?.verified).toBe(true);
    expect(replayed[0]?.token).toBeDefined();
    expect(decodeJwt(replayed[0]?.token ?? "").events).toEqual({ [event.type]: payloadOf(event).data });
    expect(await storedPayload(event)).toBeUndefined();
    const after = (await deadletters("list", "--entity", PARKING_QUEUE)).stdout;
    expect(after).not.toContain(`${event.eventId}.6`);
  }, 90_000);
});

const quiet: Logger = { info() {}, warn() {}, error() {}, with: () => quiet };

describe("record and deliver on the same document", () => {
  const message = (body: unknown, source: string) => ({ body, applicationProperties: {}, source });

  it("works when the delivery runs first: the record marks it and brings no claim into the document", async () => {
    const event = shareEvent("RJ1");
    await storePayload(event);
    await deliverShareEvent(
      services().shareEventDelivery,
      message(event, "share-events/subscriptions/deliver"),
      quiet,
    );
    expect((await storedEvent(event))?.recorded).toBeUndefined();
    expect(await recordShareEvent(services().shareEventRecording, message(event, "record"), quiet)).toBe(
      "recorded",
    );
    const doc = await storedEvent(event);
    expect(doc).toMatchObject({ recorded: { at: expect.any(String) }, delivery: { status: "delivered" } });
    expect(doc?.data).toEqual(event.data);
    expect(JSON.stringify(doc)).not.toContain(CLAIM_VALUE);
    expect(await storedPayload(event)).toBeUndefined();
  });

  it("works when the record runs first, and a second record changes nothing", async () => {
    const event = shareEvent("RJ1");
    await storePayload(event);
    await recordShareEvent(services().shareEventRecording, message(event, "record"), quiet);
    const recorded = (await storedEvent(event)) as unknown as { _etag: string };
    expect(await recordShareEvent(services().shareEventRecording, message(event, "record"), quiet)).toBe(
      "already-recorded",
    );
    expect(((await storedEvent(event)) as unknown as { _etag: string })._etag).toBe(recorded._etag);
    await deliverShareEvent(
      services().shareEventDelivery,
      message(event, "share-events/subscriptions/deliver"),
      quiet,
    );
    expect((await storedEvent(event))?.delivery.status).toBe("delivered");
    expect(await deliveredTo(event.eventId)).toHaveLength(1);
  });
});

describe("at-least-once transport", () => {
  it("gives one record and one jti at the trust when each subscription gets the same event twice", async () => {
    const event = shareEvent("RTH");
    // A second copy with another message id, as after the topic's duplicate detection window: both copies
    // reach both subscriptions and are handled concurrently.
    await Promise.all([
      publish(system, event),
      publish(system, event, { messageId: `${event.eventId}-again` }),
    ]);
    await until(async () => (await storedEvent(event))?.delivery.status === "delivered");
    // A copy that found the attempt in flight scheduled a look for when that attempt's lease ends (the push
    // timeout and 30 s on): each such look is made now, with the clock at its time, instead of waited for; and a
    // third copy arrives after every lease has ended. None may push again.
    const deliver = (body: unknown, at: Date, source: string) =>
      deliverShareEvent(
        { ...services().shareEventDelivery, clock: () => at },
        { body, applicationProperties: {}, source },
        quiet,
      );
    const looks = (await messagesIn(system.serviceBus.connectionString, ["share-deliveries"])).filter(
      (look) => (look.body as { eventId?: unknown }).eventId === event.eventId,
    );
    for (const look of looks) {
      const due = look.scheduledEnqueueTimeUtc ?? new Date();
      expect(await deliver(look.body, new Date(due.getTime() + 1_000), "share-deliveries")).toBe("duplicate");
    }
    const afterLeases = new Date(Date.now() + 120_000);
    expect(await deliver(event, afterLeases, "share-events/subscriptions/deliver")).toBe("duplicate");
    expect(await documentsFor(event.eventId)).toBe(1);
    expect(await deliveredTo(event.eventId)).toHaveLength(1);
    expect((await storedEvent(event))?.delivery.attempts).toHaveLength(1);
  });
});

describe("malformed messages", () => {
  it("dead-letters a malformed message from each subscription with a reason instead of retrying it", async () => {
    const messageId = newId();
    await publish(system, { not: "a share event" }, { messageId });
    const connection = system.settings.ServiceBusConnection ?? "";
    // Each look opens a connection of its own: the SDK keeps one peek position per entity and connection, so a
    // second peek on the same connection would carry on after the messages already seen.
    const dead = await until(async () => {
      const all = await messagesIn(connection, [PARKING_QUEUE], { subQueueType: "deadLetter" });
      const mine = all.filter((m) => m.messageId === messageId);
      return mine.length >= 2 ? mine : undefined;
    });
    expect(dead.map((m) => m.deadLetterReason).sort()).toEqual([
      "MalformedDeliveryMessage",
      "MalformedShareEvent",
    ]);
    expect(dead.map((m) => m.applicationProperties?.deadLetterSource).sort()).toEqual([
      "share-events/subscriptions/deliver",
      "share-events/subscriptions/record",
    ]);
    expect(dead.every((m) => (m.deadLetterErrorDescription ?? "").includes("eventId"))).toBe(true);
    // Completed once dead-lettered: nothing is left to retry on either subscription.
    for (const subscription of ["record", "deliver"]) {
      await until(
        async () =>
          (await messagesIn(connection, ["share-events", subscription])).every(
            (m) => m.messageId !== messageId,
          ),
        10_000,
        `nothing left on ${subscription}`,
      );
    }
  });
});

describe("the demo trust", () => {
  it("refuses a tampered token with 400 and an RFC 8935 err, and lists it as unverified", async () => {
    const event = shareEvent("RTH");
    await publish(system, event);
    const [good] = await until(async () => {
      const got = await deliveredTo(event.eventId);
      return got.length > 0 ? got : undefined;
    });
    const [header, payload, signature] = (good?.token ?? "").split(".");
    const claims = JSON.parse(Buffer.from(payload ?? "", "base64url").toString("utf8"));
    claims.aud = "RTH";
    claims.events[event.type].staff.staffId = "S-EVIL";
    const tampered = `${header}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${signature}`;
    const response = await fetch(`${system.urls.demoTrust}/events`, {
      method: "POST",
      headers: { "content-type": "application/secevent+jwt" },
      body: tampered,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ err: "invalid_key", description: expect.any(String) });
    const listed = (await received(system)).filter((r) => r.token === tampered);
    expect(listed).toEqual([expect.objectContaining({ verified: false })]);
  });
});

describe("logs", () => {
  it("puts the message's correlation id on every line both consumers write", async () => {
    const event = shareEvent("RTH");
    const correlationId = `corr-${newId()}`;
    await setMode(system, "fail-5xx");
    await publish(system, event, { correlationId });
    await until(async () => ((await storedEvent(event))?.delivery.attempts.length ?? 0) >= 2);
    await setMode(system, "ok");
    await until(async () => (await storedEvent(event))?.delivery.status === "delivered");
    const consumers = ["recordShareEvent", "deliverShareEvent", "retryShareDelivery"];
    const consumerLines = lines.filter((l) =>
      consumers.some((name) => l.includes(`"functionName":"${name}"`)),
    );
    const mine = consumerLines.filter((line) => line.includes(event.eventId));
    for (const name of consumers) {
      expect(mine.some((line) => line.includes(`"functionName":"${name}"`))).toBe(true);
    }
    for (const line of consumerLines) {
      expect(line).toMatch(/"correlationId":"[^"]+"/);
      expect(line).not.toContain('"correlationId":"none"');
      expect(line).not.toContain(CLAIM_VALUE);
    }
    for (const line of mine) expect(line).toContain(`"correlationId":"${correlationId}"`);
  });
});

describe("retention of claim values", () => {
  it("deletes the payload of an event still undelivered at its retention limit and marks it, and keeps a newer one's", async () => {
    const retention = services().shareEventRetention;
    const now = new Date();
    const old = shareEvent("RTH", { occurredAt: new Date(now.getTime() - 31 * 86_400_000).toISOString() });
    const fresh = shareEvent("RTH");
    for (const event of [old, fresh]) {
      await storePayload(event);
      await retention.events.create(
        newStoredShareEvent(event, { now, retentionMs: 30 * 86_400_000, recorded: true }),
      );
    }
    expect(await dropExpiredPayloads({ ...retention, clock: () => now })).toBeGreaterThanOrEqual(1);
    expect(await storedPayload(old)).toBeUndefined();
    const dropped = await storedEvent(old);
    expect(dropped?.claimsRemoved).toMatchObject({ why: "retention" });
    // The record stays: the event's types and issuers, and its delivery.
    expect(dropped?.data).toEqual(old.data);
    expect(dropped?.delivery.status).toBe("pending");
    expect(await storedPayload(fresh)).toEqual(payloadOf(fresh));
    expect((await storedEvent(fresh))?.claimsRemoved).toBeUndefined();
  });
});
