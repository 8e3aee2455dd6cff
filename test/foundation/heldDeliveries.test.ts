// The deliverer with every part real but the clock and the random draw: the Cosmos DB emulator (events, trusts),
// Azurite (payloads), the project's Service Bus emulator with the service's own queues (retries, dead letters)
// and the demo trust as the receiving endpoint, reached over HTTP with signed SETs. A deactivated trust is pushed
// nothing, its retries included: each event is held with its payload and dead-lettered, and the operator's replay
// of the dead letters delivers it once the trust is active again. A trust's 408 and 429 are retried like a 5xx.
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Database } from "@azure/cosmos";
import { ServiceBusClient, type ServiceBusReceivedMessage } from "@azure/service-bus";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type BlobEmulator, startBlobEmulator } from "../../local/azurite.js";
import {
  DEMO_RETRY_AFTER_SECONDS,
  type DemoTrust,
  type DemoTrustMode,
  startDemoTrust,
} from "../../local/demo-trust/index.js";
import { type ServiceBusEmulator, startServiceBusEmulator } from "../../local/servicebus/index.js";
import {
  blobPayloadStore,
  ensurePayloadContainer,
  payloadContainer,
} from "../../src/adapters/blob/payloadStore.js";
import { ensureDatabase } from "../../src/adapters/cosmos/client.js";
import { ensureContainers } from "../../src/adapters/cosmos/containers.js";
import { heldEvents } from "../../src/adapters/cosmos/heldEvents.js";
import { shareEventStore } from "../../src/adapters/cosmos/shareEventStore.js";
import { streamDirectory, streamStore } from "../../src/adapters/cosmos/streamStore.js";
import { type TrustStore, trustStore } from "../../src/adapters/cosmos/trustStore.js";
import { securityEventTokenSigner } from "../../src/adapters/events/securityEventTokens.js";
import { httpSetPusher } from "../../src/adapters/events/setPusher.js";
import { streamEventTokenSigner } from "../../src/adapters/events/streamEventTokens.js";
import { localSigningKeys } from "../../src/adapters/keys/localSigningKeys.js";
import { listDeadLetters, replayDeadLetters } from "../../src/adapters/servicebus/deadLetterQueue.js";
import {
  deliveryScheduler,
  PARKING_QUEUE,
  parkingDeadLetters,
  SHARE_DELIVERIES_QUEUE,
} from "../../src/adapters/servicebus/shareDeliveries.js";
import { type DeliverDeps, deliverShareEvent, TRUST_INACTIVE } from "../../src/app/deliverShareEvent.js";
import type { ReceivedMessage } from "../../src/app/ports.js";
import { dropExpiredPayloads } from "../../src/app/shareEventRetention.js";
import { mintId } from "../../src/domain/secrets.js";
import { CREDENTIALS_SHARED_EVENT, mintEvent, type ShareEvent } from "../../src/domain/shareEvent.js";
import type { Trust } from "../../src/domain/trust.js";
import { messagesIn } from "../servicebus/fixtures.js";
import { useCosmosEmulator } from "../support/cosmosEmulator.js";
import { memoryAudit, memoryLogger } from "../support/memoryPorts.js";

const SERVICEBUS_CONFIG = fileURLToPath(new URL("../../local/servicebus/Config.json", import.meta.url));
const ISSUER = "https://staff-passport.test";
const DAY_MS = 86_400_000;

const cosmos = useCosmosEmulator();
let blob: BlobEmulator | undefined;
let serviceBus: ServiceBusEmulator | undefined;
let client: ServiceBusClient | undefined;
let demo: DemoTrust | undefined;
let jwksServer: Server | undefined;
let keysDir: string | undefined;
let database: Database;
let trusts: TrustStore;
let deps: DeliverDeps;
let now = new Date();

const started = <T>(value: T | undefined, what: string): T => {
  if (value === undefined) throw new Error(`${what} starts before the file's tests`);
  return value;
};

beforeAll(async () => {
  keysDir = await mkdtemp(join(tmpdir(), "held-deliveries-"));
  const keys = localSigningKeys(keysDir);
  // The service's JWKS, which the demo trust verifies every SET against.
  jwksServer = createServer((_request, response) => {
    keys.jwks().then(
      (jwks) => response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(jwks)),
      () => response.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve) => jwksServer?.listen(0, "127.0.0.1", resolve));
  const jwksPort = (jwksServer.address() as AddressInfo).port;
  [blob, serviceBus, demo] = await Promise.all([
    startBlobEmulator(),
    startServiceBusEmulator({ config: SERVICEBUS_CONFIG }),
    startDemoTrust({
      port: 0,
      jwksUrl: `http://127.0.0.1:${jwksPort}/jwks`,
      issuer: ISSUER,
      audiences: ["RTH"],
    }),
  ]);
  const sb = new ServiceBusClient(serviceBus.connectionString);
  client = sb;
  const payloads = payloadContainer({ connectionString: blob.connectionString });
  await ensurePayloadContainer(payloads);
  deps = {
    events: shareEventStore(async () => database.container("shareEvents")),
    // The store itself, not the cache in front of it in the app: a deactivation is seen at the next message.
    trusts: trustStore(async () => database.container("trusts")),
    streams: streamDirectory(
      streamStore(async () => database.container("streams")),
      trustStore(async () => database.container("trusts")),
      { ttlSeconds: 0, clock: () => now },
    ),
    held: heldEvents(async () => database.container("shareEvents")),
    payloads: blobPayloadStore(payloads),
    sign: securityEventTokenSigner(keys, ISSUER),
    signStream: streamEventTokenSigner(keys, ISSUER),
    // The demo trust's endpoint is on loopback, as it is when the whole service runs on this machine.
    push: httpSetPusher({ local: true }),
    scheduler: deliveryScheduler(async () => sb),
    deadLetters: parkingDeadLetters(async () => sb),
    audit: memoryAudit(() => now),
    clock: () => now,
    random: () => 0,
    retry: { maxAttempts: 3, firstDelayMs: 100, multiplier: 2, maxDelayMs: 200, jitter: 0.2 },
    timeoutMs: 5_000,
    retentionMs: 30 * DAY_MS,
  };
}, 60_000);

afterAll(async () => {
  await client?.close();
  await Promise.all([
    serviceBus?.close(),
    blob?.close(),
    demo?.close(),
    new Promise((resolve) => (jwksServer === undefined ? resolve(undefined) : jwksServer.close(resolve))),
  ]);
  if (keysDir !== undefined) await rm(keysDir, { recursive: true, force: true });
});

beforeEach(async () => {
  now = new Date();
  // A database of the test's own; the queues are emptied, so that what a test finds there is its own.
  database = await ensureDatabase(cosmos.client(), `held-${mintId()}`);
  await ensureContainers(database);
  trusts = trustStore(async () => database.container("trusts"));
  await setTrust(true);
  await setMode("ok");
  await drain(SHARE_DELIVERIES_QUEUE);
  await drain(PARKING_QUEUE, "deadLetter");
});

function trust(active: boolean): Trust {
  return {
    id: "RTH",
    name: "Oxford University Hospitals NHS Foundation Trust",
    active,
    accessKeyType: "StaffPassportAccessKey",
    issuerDids: ["did:web:rth.example"],
    delivery: { mode: "push", endpoint: `${started(demo, "the demo trust").url}/events` },
  };
}

/** What an operator does to (de)activate a trust: writes its document in `trusts`. */
const setTrust = (active: boolean) => trusts.upsertAll([trust(active)]);

async function setMode(mode: DemoTrustMode) {
  const response = await fetch(`${started(demo, "the demo trust").url}/control`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ mode }),
  });
  expect(response.status).toBe(200);
}

/** Takes every message off a queue (or its dead-letter queue), scheduled ones too, so none is left over. */
async function drain(queue: string, subQueueType?: "deadLetter") {
  const sb = started(client, "Service Bus");
  const receiver = sb.createReceiver(queue, {
    receiveMode: "receiveAndDelete",
    ...(subQueueType === undefined ? {} : { subQueueType }),
  });
  try {
    for (;;) {
      const batch = await receiver.receiveMessages(50, { maxWaitTimeInMs: 200 });
      if (batch.length === 0) break;
    }
  } finally {
    await receiver.close();
  }
  const connection = started(serviceBus, "Service Bus").connectionString;
  const scheduled = await messagesIn(connection, [queue], subQueueType === undefined ? {} : { subQueueType });
  const sender = sb.createSender(queue);
  try {
    for (const message of scheduled) {
      if (message.state === "scheduled" && message.sequenceNumber !== undefined)
        await sender.cancelScheduledMessages(message.sequenceNumber);
    }
  } finally {
    await sender.close();
  }
}

/**
 * Whether a delivery message is the stream-updated event the deliverer sends when it first holds an event for an
 * inactive trust (src/app/deliverShareEvent.ts announceInactive), rather than a share event's.
 */
const isAnnouncement = (body: unknown) =>
  String((body as { eventId?: unknown } | null)?.eventId ?? "").startsWith("stream-updated-");
/** The stream-updated announcements taken off the delivery queue. */
const announcements: unknown[] = [];

/** The delivery queue's share event messages, scheduled ones included, peeked without taking them. */
const onDeliveryQueue = async () =>
  (await messagesIn(started(serviceBus, "Service Bus").connectionString, [SHARE_DELIVERIES_QUEUE])).filter(
    (message) => !isAnnouncement(message.body),
  );

/** Receives the next `count` messages of the delivery queue as the deliver function's trigger hands them over. */
async function receiveDeliveries(count: number): Promise<ReceivedMessage[]> {
  const receiver = started(client, "Service Bus").createReceiver(SHARE_DELIVERIES_QUEUE, {
    receiveMode: "receiveAndDelete",
  });
  const received: ServiceBusReceivedMessage[] = [];
  try {
    while (received.length < count) {
      const batch = await receiver.receiveMessages(count - received.length, { maxWaitTimeInMs: 30_000 });
      if (batch.length === 0) throw new Error(`${received.length} of ${count} delivery messages arrived`);
      for (const message of batch)
        if (isAnnouncement(message.body)) announcements.push(message.body);
        else received.push(message);
    }
  } finally {
    await receiver.close();
  }
  return received.map((message) => ({
    body: message.body,
    messageId: message.messageId === undefined ? undefined : String(message.messageId),
    correlationId: message.correlationId === undefined ? undefined : String(message.correlationId),
    applicationProperties: message.applicationProperties ?? {},
    source: SHARE_DELIVERIES_QUEUE,
  }));
}

/** A share event for RTH with its payload in Blob storage, holding one marker claim value. */
async function storedPayload(): Promise<{ event: ShareEvent; secret: string }> {
  const occurredAt = now.toISOString();
  const secret = `secret-${mintId()}`;
  const { event, payload } = mintEvent(
    { eventId: mintId(), trustId: "RTH", occurredAt },
    {
      type: CREDENTIALS_SHARED_EVENT,
      data: {
        shareId: mintId(),
        trustId: "RTH",
        subject: "did:jwk:holder",
        staff: { staffId: "S-1" },
        sharedAt: occurredAt,
        credentials: [
          {
            type: "StaffPassportDbsCheck",
            issuer: "did:web:dbs",
            revocationStatus: "VALID",
            claims: { secret },
          },
        ],
      },
    },
  );
  await deps.payloads.put("RTH", event.eventId, payload);
  return { event, secret };
}

const topicMessage = (event: ShareEvent): ReceivedMessage => ({
  body: event,
  messageId: event.eventId,
  correlationId: `corr-${event.eventId}`,
  applicationProperties: { trustId: event.trustId, type: event.type },
  source: "share-events/subscriptions/deliver",
});

const deliver = (message: ReceivedMessage) => deliverShareEvent(deps, message, memoryLogger());
const stored = async (event: ShareEvent) => (await deps.events.get("RTH", event.eventId))?.value;
const receivedOf = (event: ShareEvent) =>
  started(demo, "the demo trust")
    .received()
    .filter((received) => received.jti === event.eventId);

describe("a deactivated trust", () => {
  it("is pushed neither a queued event nor a retry: both are held with their payloads, and delivered once each after it is active again and the dead letters are replayed", async () => {
    // An event that failed once while the trust was active: its retry is scheduled.
    const retried = await storedPayload();
    await setMode("fail-5xx");
    expect(await deliver(topicMessage(retried.event))).toBe("retrying");
    expect((await onDeliveryQueue()).map((message) => message.body)).toEqual([
      { eventId: retried.event.eventId, trustId: "RTH", attempt: 2, round: 2 },
    ]);

    // The trust is deactivated; it would take pushes again, so any push would be listed by it.
    await setTrust(false);
    await setMode("ok");
    const queued = await storedPayload();
    expect(await deliver(topicMessage(queued.event))).toBe("held");
    const [retry] = await receiveDeliveries(1);
    expect(retry && (await deliver(retry))).toBe("held");

    expect(receivedOf(queued.event)).toEqual([]);
    expect(receivedOf(retried.event)).toEqual([]);
    // The trust's stream is told, once, that it is paused (SSF's stream-updated).
    const queuedNow = await messagesIn(started(serviceBus, "Service Bus").connectionString, [
      SHARE_DELIVERIES_QUEUE,
    ]);
    expect(
      [...announcements, ...queuedNow.map((message) => message.body)].filter(isAnnouncement),
    ).toHaveLength(1);
    // Nothing is scheduled for either: they wait for the operator, not for a timer.
    expect(await onDeliveryQueue()).toEqual([]);
    for (const { event, secret } of [queued, retried]) {
      expect((await stored(event))?.delivery).toMatchObject({ status: "held", reason: "trust_inactive" });
      expect(JSON.stringify(await deps.payloads.get("RTH", event.eventId))).toContain(secret);
    }
    const deadLetters = await listDeadLetters(started(client, "Service Bus"), PARKING_QUEUE);
    expect(deadLetters.map((entry) => [entry.reason, entry.replayTo]).sort()).toEqual([
      [TRUST_INACTIVE, SHARE_DELIVERIES_QUEUE],
      [TRUST_INACTIVE, SHARE_DELIVERIES_QUEUE],
    ]);

    // Replayed before the trust is active again: held again, still nothing pushed, still replayable.
    expect(await replayDeadLetters(started(client, "Service Bus"), PARKING_QUEUE)).toHaveLength(2);
    for (const message of await receiveDeliveries(2)) expect(await deliver(message)).toBe("held");
    expect([...receivedOf(queued.event), ...receivedOf(retried.event)]).toEqual([]);

    await setTrust(true);
    expect(await replayDeadLetters(started(client, "Service Bus"), PARKING_QUEUE)).toHaveLength(2);
    const replays = await receiveDeliveries(2);
    for (const message of replays) expect(await deliver(message)).toBe("delivered");
    // A second copy of a replay changes nothing.
    for (const message of replays) expect(await deliver(message)).toBe("duplicate");

    for (const { event, secret } of [queued, retried]) {
      const got = receivedOf(event);
      expect(got.map(({ verified, duplicate }) => ({ verified, duplicate }))).toEqual([
        { verified: true, duplicate: false },
      ]);
      expect(JSON.stringify(got[0]?.claims)).toContain(secret);
      expect((await stored(event))?.delivery.status).toBe("delivered");
      expect(await deps.payloads.get("RTH", event.eventId)).toBeUndefined();
    }
    expect(await listDeadLetters(started(client, "Service Bus"), PARKING_QUEUE)).toEqual([]);
    expect(await onDeliveryQueue()).toEqual([]);
  }, 120_000);
});

describe("a held event past its retention limit", () => {
  it("loses its payload to the retention run, and a replay then fails it without pushing anything", async () => {
    await setTrust(false);
    const { event } = await storedPayload();
    expect(await deliver(topicMessage(event))).toBe("held");
    await setTrust(true);

    now = new Date(now.getTime() + 30 * DAY_MS + 1);
    expect(
      await dropExpiredPayloads({ events: deps.events, payloads: deps.payloads, clock: () => now }),
    ).toBeGreaterThanOrEqual(1);
    expect(await deps.payloads.get("RTH", event.eventId)).toBeUndefined();
    expect(await stored(event)).toMatchObject({
      delivery: { status: "held" },
      claimsRemoved: { why: "retention" },
    });

    expect(await replayDeadLetters(started(client, "Service Bus"), PARKING_QUEUE)).toHaveLength(1);
    const [replay] = await receiveDeliveries(1);
    expect(replay && (await deliver(replay))).toBe("failed");
    expect((await stored(event))?.delivery).toMatchObject({ status: "failed", reason: "retention_expired" });
    expect(receivedOf(event)).toEqual([]);
  }, 60_000);
});

describe("a trust that answers 408 or 429", () => {
  it("answers 429 with Retry-After in the demo trust's fail-429 mode, and 408 in fail-408", async () => {
    const url = `${started(demo, "the demo trust").url}/events`;
    await setMode("fail-429");
    const throttled = await fetch(url, { method: "POST", body: "x" });
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get("retry-after")).toBe(String(DEMO_RETRY_AFTER_SECONDS));
    await setMode("fail-408");
    expect((await fetch(url, { method: "POST", body: "x" })).status).toBe(408);
  });

  for (const [mode, status] of [
    ["fail-408", 408],
    ["fail-429", 429],
  ] as const) {
    it(`is tried again after ${status}, and the retry delivers the event once`, async () => {
      const { event } = await storedPayload();
      await setMode(mode);
      expect(await deliver(topicMessage(event))).toBe("retrying");
      const failed = await stored(event);
      expect(failed?.delivery.status).toBe("retrying");
      expect(failed?.delivery.attempts).toMatchObject([
        { attempt: 1, outcome: "retry", status, reason: `http_${status}` },
      ]);
      expect(receivedOf(event)).toEqual([]);

      await setMode("ok");
      const [retry] = await receiveDeliveries(1);
      expect(retry?.body).toEqual({ eventId: event.eventId, trustId: "RTH", attempt: 2, round: 2 });
      expect(retry && (await deliver(retry))).toBe("delivered");
      expect(receivedOf(event)).toHaveLength(1);
      expect((await stored(event))?.delivery.attempts.map((attempt) => attempt.status)).toEqual([
        status,
        202,
      ]);
    }, 60_000);
  }
});
