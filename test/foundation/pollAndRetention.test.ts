// Poll delivery and retention against the real stores: the Cosmos DB emulator through @azure/cosmos and Azurite
// through @azure/storage-blob, with a clock the test moves. A poll answers SETs signed from the payloads, an
// acknowledgement deletes the payload for good, a reported error is recorded, and a delivery that settles after
// the retention run deleted its payload brings nothing back.
import type { CosmosClient, Database } from "@azure/cosmos";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BlobEmulator, startBlobEmulator } from "../../local/azurite.js";
import { type CosmosEmulator, startCosmosEmulator } from "../../local/cosmos.js";
import {
  blobPayloadStore,
  ensurePayloadContainer,
  payloadContainer,
} from "../../src/adapters/blob/payloadStore.js";
import { createCosmosClient, ensureDatabase } from "../../src/adapters/cosmos/client.js";
import { ensureContainers } from "../../src/adapters/cosmos/containers.js";
import { credentialRequestStore } from "../../src/adapters/cosmos/credentialRequestStore.js";
import { shareEventStore } from "../../src/adapters/cosmos/shareEventStore.js";
import { LONG_POLL_MS, pollShareEvents } from "../../src/app/pollShareEvents.js";
import type {
  PayloadStore,
  SetSigner,
  ShareEventStore,
  StreamDirectory,
  StreamEventSigner,
} from "../../src/app/ports.js";
import { dropExpiredPayloads, redactClosedRequests } from "../../src/app/shareEventRetention.js";
import {
  type CredentialRequest,
  newCredentialRequest,
  type RequestState,
} from "../../src/domain/credentialRequest.js";
import { mintId } from "../../src/domain/secrets.js";
import { newStoredShareEvent, type StoredShareEvent } from "../../src/domain/shareDelivery.js";
import { CREDENTIALS_SHARED_EVENT, mintEvent } from "../../src/domain/shareEvent.js";
import { POLL_METHOD, SHARE_EVENT_TYPES } from "../../src/domain/stream.js";
import { memoryAudit, memoryLogger } from "../support/memoryPorts.js";

let cosmos: CosmosEmulator;
let blob: BlobEmulator;
let client: CosmosClient;
let database: Database;
let events: ShareEventStore;
let payloads: PayloadStore;
const DAY_MS = 24 * 60 * 60 * 1000;

beforeAll(async () => {
  [cosmos, blob] = await Promise.all([startCosmosEmulator(), startBlobEmulator()]);
  client = await createCosmosClient(cosmos.endpoint, () => {
    throw new Error("no Entra credential is used on loopback");
  });
  database = await ensureDatabase(client, "poll-and-retention");
  await ensureContainers(database);
  events = shareEventStore(async () => database.container("shareEvents"));
  const container = payloadContainer({ connectionString: blob.connectionString });
  await ensurePayloadContainer(container);
  payloads = blobPayloadStore(container);
}, 60_000);

afterAll(async () => {
  client?.dispose();
  await Promise.all([cosmos?.close(), blob?.close()]);
});

/** An unsigned stand-in for the SET signer: the token carries the content, so the test can read what was signed. */
const sign: SetSigner = async (content) => ({
  token: `e30.${Buffer.from(JSON.stringify({ jti: content.eventId, aud: content.trustId, events: { [content.type]: content.data } })).toString("base64url")}.`,
  kid: "test",
});

/** A share event stored as the consumers store it, with its payload in Blob storage. */
async function storedEvent(
  trustId: string,
  now: Date,
  status: StoredShareEvent["delivery"]["status"] = "available",
): Promise<{ event: StoredShareEvent; secret: string }> {
  const secret = `secret-${mintId()}`;
  const at = now.toISOString();
  const { event, payload } = mintEvent(
    { eventId: mintId(), trustId, occurredAt: at },
    {
      type: CREDENTIALS_SHARED_EVENT,
      data: {
        shareId: mintId(),
        trustId,
        subject: "did:example:holder",
        staff: { staffId: "S-1" },
        sharedAt: at,
        credentials: [
          {
            type: "StaffPassportDbsCheck",
            issuer: "did:web:dbs",
            revocationStatus: "VALID",
            claims: { certificateNumber: secret },
          },
        ],
      },
    },
  );
  await payloads.put(trustId, event.eventId, payload);
  const stored = newStoredShareEvent(event, { now, retentionMs: 30 * DAY_MS, recorded: true });
  const withStatus = { ...stored, delivery: { ...stored.delivery, status } };
  await events.create(withStatus);
  return { event: withStatus, secret };
}

/** Every trust here polls with its stream enabled, as one that never called the stream API does. */
const streams: StreamDirectory = {
  get: async (trustId) => ({
    id: trustId,
    trustId,
    status: "enabled",
    eventsRequested: [...SHARE_EVENT_TYPES],
    delivery: { method: POLL_METHOD },
    updatedAt: new Date().toISOString(),
  }),
};

const signStream: StreamEventSigner = async (content) => ({
  token: JSON.stringify(content),
  kid: "test-key",
});

function pollDeps(clock: () => Date, sleep = async (_ms: number) => {}) {
  return { events, payloads, sign, signStream, streams, clock, sleep, audit: memoryAudit(clock) };
}

const claimsOf = (token: string) => JSON.stringify(decodeJwt(token));

describe("poll delivery (RFC 8936)", () => {
  it("answers a waiting event signed from its payload, and an acknowledgement deletes the payload and ends it", async () => {
    const now = new Date();
    const trustId = `P${mintId()
      .slice(0, 3)
      .toUpperCase()
      .replace(/[^A-Z0-9]/g, "X")}`;
    const { event, secret } = await storedEvent(trustId, now);
    const caller = { trustId, jti: mintId() };
    const log = memoryLogger();

    const first = await pollShareEvents(
      pollDeps(() => now),
      caller,
      { returnImmediately: true },
      log,
    );
    expect(Object.keys(first.sets)).toEqual([event.id]);
    expect(claimsOf(first.sets[event.id] ?? "")).toContain(secret);

    // Not acknowledged yet: offered again.
    const again = await pollShareEvents(
      pollDeps(() => now),
      caller,
      { returnImmediately: true },
      log,
    );
    expect(Object.keys(again.sets)).toEqual([event.id]);

    const acked = await pollShareEvents(
      pollDeps(() => now),
      caller,
      { returnImmediately: true, ack: [event.id] },
      log,
    );
    expect(acked.sets).toEqual({});
    expect(await payloads.get(trustId, event.id)).toBeUndefined();
    const stored = (await events.get(trustId, event.id))?.value;
    expect(stored?.delivery.status).toBe("delivered");
    expect(stored?.claimsRemoved).toMatchObject({ why: "delivered" });
  });

  it("records a reported error as the delivery's failure and offers the event no more", async () => {
    const now = new Date();
    const trustId = "RPE";
    const { event } = await storedEvent(trustId, now);
    const caller = { trustId, jti: mintId() };
    const answer = await pollShareEvents(
      pollDeps(() => now),
      caller,
      {
        returnImmediately: true,
        setErrs: { [event.id]: { err: "invalid_key", description: "unknown kid" } },
      },
      memoryLogger(),
    );
    expect(answer.sets[event.id]).toBeUndefined();
    const stored = (await events.get(trustId, event.id))?.value;
    expect(stored?.delivery).toMatchObject({ status: "failed", reason: "invalid_key: unknown kid" });
  });

  it("never lets one trust acknowledge, or read, another trust's event", async () => {
    const now = new Date();
    const { event } = await storedEvent("ROW", now);
    const other = { trustId: "RXX", jti: mintId() };
    const answer = await pollShareEvents(
      pollDeps(() => now),
      other,
      { returnImmediately: true, ack: [event.id] },
      memoryLogger(),
    );
    expect(answer.sets).toEqual({});
    expect((await events.get("ROW", event.id))?.value.delivery.status).toBe("available");
    expect(await payloads.get("ROW", event.id)).toBeDefined();
  });

  it("answers at most maxEvents, oldest first, saying more are available; maxEvents 0 only acknowledges", async () => {
    const start = new Date();
    const trustId = "RMX";
    const made = [];
    for (let i = 0; i < 3; i++)
      made.push((await storedEvent(trustId, new Date(start.getTime() + i * 1000))).event);
    const caller = { trustId, jti: mintId() };
    const two = await pollShareEvents(
      pollDeps(() => start),
      caller,
      { returnImmediately: true, maxEvents: 2 },
      memoryLogger(),
    );
    expect(Object.keys(two.sets)).toEqual([made[0]?.id, made[1]?.id]);
    expect(two.moreAvailable).toBe(true);
    const none = await pollShareEvents(
      pollDeps(() => start),
      caller,
      { maxEvents: 0, ack: Object.keys(two.sets) },
      memoryLogger(),
    );
    expect(none).toEqual({ sets: {} });
    const rest = await pollShareEvents(
      pollDeps(() => start),
      caller,
      { returnImmediately: true },
      memoryLogger(),
    );
    expect(Object.keys(rest.sets)).toEqual([made[2]?.id]);
    expect(rest.moreAvailable).toBeUndefined();
  });

  it("waits through a long poll for an event that arrives, and answers empty after 30 seconds without one", async () => {
    let now = new Date();
    const trustId = "RLP";
    const caller = { trustId, jti: mintId() };
    let looks = 0;
    let arrived: StoredShareEvent | undefined;
    const sleep = async (ms: number) => {
      now = new Date(now.getTime() + ms);
      looks++;
      if (looks === 3) arrived = (await storedEvent(trustId, now)).event;
    };
    const answer = await pollShareEvents(
      pollDeps(() => now, sleep),
      caller,
      {},
      memoryLogger(),
    );
    expect(Object.keys(answer.sets)).toEqual([arrived?.id]);

    const started = now.getTime();
    const empty = await pollShareEvents(
      pollDeps(
        () => now,
        async (ms) => {
          now = new Date(now.getTime() + ms);
        },
      ),
      { trustId: "REM", jti: mintId() },
      { returnImmediately: false },
      memoryLogger(),
    );
    expect(empty).toEqual({ sets: {} });
    expect(now.getTime() - started).toBeGreaterThanOrEqual(LONG_POLL_MS);
  });
});

describe("retention", () => {
  it("deletes the payload of an undelivered event past its limit, keeps a newer one's, and a later settle brings nothing back", async () => {
    const now = new Date();
    const old = await storedEvent("RRT", new Date(now.getTime() - 31 * DAY_MS), "pending");
    const fresh = await storedEvent("RRT", now, "pending");
    // A delivery takes its attempt on the old event before retention runs, and settles after it.
    const taken = await events.takeFirstAttempt(
      "RRT",
      old.event.id,
      new Date(now.getTime() + 60_000).toISOString(),
    );
    expect(taken).toBeDefined();

    expect(await dropExpiredPayloads({ events, payloads, clock: () => now })).toBeGreaterThanOrEqual(1);
    expect(await payloads.get("RRT", old.event.id)).toBeUndefined();
    expect(await payloads.get("RRT", fresh.event.id)).toBeDefined();

    const doc = taken?.value as StoredShareEvent;
    const delivered: StoredShareEvent = {
      ...doc,
      delivery: { status: "delivered", attempt: 1, attempts: [], deliveredAt: now.toISOString() },
    };
    expect(await events.settleAttempt(delivered)).toBe(true);
    const after = (await events.get("RRT", old.event.id))?.value;
    expect(after?.delivery.status).toBe("delivered");
    // The settle wrote its delivery only: the retention mark stays, and no claim came back anywhere.
    expect(after?.claimsRemoved).toMatchObject({ why: "retention" });
    expect(JSON.stringify(after)).not.toContain(old.secret);
    expect(await payloads.get("RRT", old.event.id)).toBeUndefined();
    expect((await events.get("RRT", fresh.event.id))?.value.claimsRemoved).toBeUndefined();
  }, 30_000);

  it("drops the message and reason of requests closed for the retention period, and keeps the rest", async () => {
    const now = new Date();
    const requests = credentialRequestStore(async () => database.container("credentialRequests"));
    const longAgo = new Date(now.getTime() - 31 * DAY_MS).toISOString();
    const lately = new Date(now.getTime() - DAY_MS).toISOString();
    const make = async (state: RequestState): Promise<CredentialRequest> => {
      const request = {
        ...newCredentialRequest(
          {
            id: mintId(),
            trustId: "RCR",
            staffId: "S-1",
            credentialTypes: ["StaffPassportDbsCheck"],
            message: "bring it",
          },
          new Date(now.getTime() - 40 * DAY_MS),
        ),
        state,
      };
      return requests.createOnce(request, mintId());
    };
    const declinedLongAgo = await make({ status: "declined", reason: "my own words", declinedAt: longAgo });
    const withdrawnLongAgo = await make({ status: "withdrawn", withdrawnAt: longAgo });
    const declinedLately = await make({ status: "declined", reason: "recent words", declinedAt: lately });
    const open = await make({ status: "open" });

    expect(
      await redactClosedRequests({
        credentialRequests: requests,
        clock: () => now,
        retentionMs: 30 * DAY_MS,
      }),
    ).toBe(2);
    const read = async (request: CredentialRequest) => (await requests.get("RCR", request.id))?.value;
    const redacted = await read(declinedLongAgo);
    expect(redacted).not.toHaveProperty("message");
    expect(redacted?.state).toEqual({ status: "declined", declinedAt: longAgo });
    expect(redacted?.redactedAt).toBe(now.toISOString());
    expect(await read(withdrawnLongAgo)).not.toHaveProperty("message");
    expect(await read(declinedLately)).toMatchObject({
      message: "bring it",
      state: { reason: "recent words" },
    });
    expect(await read(open)).toMatchObject({ message: "bring it", state: { status: "open" } });
    // A second run finds nothing left to drop.
    expect(
      await redactClosedRequests({
        credentialRequests: requests,
        clock: () => now,
        retentionMs: 30 * DAY_MS,
      }),
    ).toBe(0);
  });
});

describe("the payload store", () => {
  it("refuses a payload that is not JSON without quoting any of it", async () => {
    const container = await payloadContainer({ connectionString: blob.connectionString })();
    // JSON.parse's message quotes about ten characters around the fault: the claim value sits right at it.
    const text = '{"claims": {"certificateNumber": S3CRET}}';
    await container.getBlockBlobClient("RBJ/broken.json").upload(text, text.length);
    const failure = await payloads.get("RBJ", "broken").catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect(
      JSON.stringify({ message: (failure as Error).message, stack: (failure as Error).stack }),
    ).not.toContain("S3CRET");
  });
});
