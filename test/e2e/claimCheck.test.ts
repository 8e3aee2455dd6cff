// Where claims rest (API.md section 3, DESIGN.md "Events"): a share of all seven types whose identity carries a
// 3 MiB photo reaches a pushed-to trust and a polling trust with the photo intact, and afterwards no Service Bus
// message (dead letters included), no Cosmos DB document, no log line and no blob holds a claim value it carried;
// a delivery given up on keeps its payload for the operator's replay, and still nothing else holds its claims.
import { randomBytes } from "node:crypto";
import { ContainerClient } from "@azure/storage-blob";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalSystem } from "../../local/system.js";
import { PAYLOAD_CONTAINER } from "../../src/adapters/blob/payloadStore.js";
import { services } from "../../src/composition.js";
import { SHAREABLE_CREDENTIAL_TYPES } from "../../src/domain/catalogue.js";
import { CREDENTIALS_SHARED_EVENT } from "../../src/domain/shareEvent.js";
import { messagesIn } from "../servicebus/fixtures.js";
import { logIn, present, readShare, scan, startedShare, walletOf } from "../support/journeys.js";
import { FAST_RETRIES, received, setMode } from "../support/shareEvents.js";
import { call, startTestSystem } from "../support/system.js";
import { until } from "../support/until.js";

const SHAREABLE_TYPES: readonly string[] = SHAREABLE_CREDENTIAL_TYPES.map((entry) => entry.type);
let system: LocalSystem;
const lines: string[] = [];
const urls = () => ({ api: `${system.urls.host}/api`, sim: system.urls.verifiedId });

beforeAll(async () => {
  system = await startTestSystem({ settings: FAST_RETRIES, log: (line) => lines.push(line) });
}, 120_000);

afterAll(async () => {
  await system?.close();
});

/** A marker no other test or seed holds, so finding it anywhere can only mean this share's claims leaked. */
const marker = (what: string) => `claim-${what}-${randomBytes(12).toString("base64url")}`;

/**
 * A wallet of its own: the demo wallet's access keys and one credential of every shareable type, each with a
 * marker claim, the identity with a photo of `photoBytes` random bytes (base64, as a wallet carries images).
 */
async function walletWithMarkers(
  photoBytes: number,
): Promise<{ id: string; photo: string; markers: string[] }> {
  const demo = await walletOf(urls(), "demo");
  const photo = randomBytes(photoBytes).toString("base64");
  const markers: string[] = [];
  const credentials = demo.credentials.map((credential) => {
    if (!SHAREABLE_TYPES.includes(credential.type)) return credential;
    const mark = marker(credential.type);
    markers.push(mark);
    const claims: Record<string, unknown> = { ...credential.claims, evidenceReference: mark };
    if (credential.type === "StaffPassportIdentity") claims.photo = photo;
    return { ...credential, claims };
  });
  const made = await call<{ walletId: string }>(`${system.urls.verifiedId}/wallet/wallets`, {
    body: { credentials },
  });
  expect(made.status).toBe(201);
  return { id: made.body.walletId, photo, markers };
}

/** Logs in to the trust, shares every shareable type, and waits until the share is `shared`. */
async function shareEverything(walletId: string, trustId: string): Promise<string> {
  const session = await logIn(urls(), walletId, trustId);
  const share = await startedShare(urls(), session, [...SHAREABLE_TYPES]);
  expect((await scan(urls(), walletId, share.url)).status).toBe(200);
  expect((await present(urls(), walletId, share.url)).status).toBe(200);
  const view = await readShare(urls(), session, share.shareId);
  expect(view.body.status).toBe("shared");
  return share.shareId;
}

/** The credentials-shared payload of the SET the demo trust received for the share, with how it came. */
async function receivedShare(shareId: string) {
  const event = await until(
    async () => (await received(system)).find((e) => e.verified && e.claims?.txn === shareId),
    60_000,
    `the SET for ${shareId}`,
  );
  const events = event.claims?.events as Record<
    string,
    { credentials: { type: string; claims: Record<string, unknown> }[] }
  >;
  const payload = events[CREDENTIALS_SHARED_EVENT];
  if (payload === undefined) throw new Error(`the SET for ${shareId} carries no credentials-shared event`);
  return { via: (event as { via?: string }).via, payload };
}

/** The share's event document (its id and delivery) once its delivery is in `status`. */
async function eventOfShareIn(
  shareId: string,
  status: string,
): Promise<{ id: string; delivery: { status: string } } | undefined> {
  const { resources } = await (await services().database())
    .container("shareEvents")
    .items.query<{ id: string; delivery: { status: string } }>({
      query: "SELECT c.id, c.delivery FROM c WHERE c.data.shareId = @shareId",
      parameters: [{ name: "@shareId", value: shareId }],
    })
    .fetchAll();
  return resources[0]?.delivery.status === status ? resources[0] : undefined;
}

/** Every Service Bus message the service's entities hold, dead-letter queues included, as text. */
async function everyServiceBusMessage(): Promise<string[]> {
  const connection = system.settings.ServiceBusConnection ?? "";
  const entities: (readonly [string] | readonly [string, string])[] = [
    ["share-events", "record"],
    ["share-events", "deliver"],
    ["share-deliveries"],
    ["share-dead-letters"],
  ];
  const texts: string[] = [];
  for (const entity of entities) {
    for (const subQueueType of [undefined, "deadLetter", "transferDeadLetter"] as const) {
      const messages = await messagesIn(connection, entity, subQueueType ? { subQueueType } : {});
      for (const message of messages) {
        texts.push(JSON.stringify({ body: message.body, properties: message.applicationProperties }));
      }
    }
  }
  return texts;
}

/** Every document of every Cosmos DB container, as text. */
async function everyCosmosDocument(): Promise<string[]> {
  const database = await services().database();
  const { resources: containers } = await database.containers.readAll().fetchAll();
  const texts: string[] = [];
  for (const { id } of containers) {
    const { resources } = await database.container(id).items.readAll().fetchAll();
    texts.push(...resources.map((document) => JSON.stringify(document)));
  }
  return texts;
}

async function blobNames(): Promise<string[]> {
  const container = new ContainerClient(
    system.settings.PAYLOAD_STORAGE_CONNECTION_STRING ?? "",
    PAYLOAD_CONTAINER,
  );
  const names: string[] = [];
  for await (const blob of container.listBlobsFlat()) names.push(blob.name);
  return names;
}

function holdingAny(texts: readonly string[], markers: readonly string[]): string[] {
  return texts
    .filter((text) => markers.some((mark) => text.includes(mark)))
    .map((text) => text.slice(0, 200));
}

describe("a share with a 3 MiB photo", () => {
  it("reaches a trust by push with the photo intact, and leaves its claims nowhere afterwards", async () => {
    const wallet = await walletWithMarkers(3 * 1024 * 1024);
    const shareId = await shareEverything(wallet.id, "RTH");
    const { via, payload } = await receivedShare(shareId);
    expect(via).toBe("push");
    expect(payload.credentials.map((c) => c.type).sort()).toEqual([...SHAREABLE_TYPES].sort());
    const identity = payload.credentials.find((c) => c.type === "StaffPassportIdentity");
    expect(identity?.claims.photo).toBe(wallet.photo);

    // Once the trust has it, its payload leaves Blob storage; nothing else ever held the claims.
    await until(async () => (await blobNames()).length === 0 || undefined, 20_000, "the payload deleted");
    expect(holdingAny(await everyServiceBusMessage(), wallet.markers)).toEqual([]);
    expect(holdingAny(await everyCosmosDocument(), wallet.markers)).toEqual([]);
    expect(holdingAny(lines, [...wallet.markers, wallet.photo.slice(0, 64)])).toEqual([]);
  }, 180_000);

  it("reaches a polling trust with the photo intact, and the acknowledged payload is deleted", async () => {
    const wallet = await walletWithMarkers(3 * 1024 * 1024);
    const shareId = await shareEverything(wallet.id, "R0A");
    const { via, payload } = await receivedShare(shareId);
    expect(via).toBe("poll");
    expect(payload.credentials.find((c) => c.type === "StaffPassportIdentity")?.claims.photo).toBe(
      wallet.photo,
    );

    const eventId = (
      await until(async () => eventOfShareIn(shareId, "delivered"), 20_000, "the polled event acknowledged")
    ).id;
    expect(await services().payloads.get("R0A", eventId)).toBeUndefined();
    expect(holdingAny(await everyServiceBusMessage(), wallet.markers)).toEqual([]);
    expect(holdingAny(await everyCosmosDocument(), wallet.markers)).toEqual([]);
    expect(holdingAny(lines, [...wallet.markers, wallet.photo.slice(0, 64)])).toEqual([]);
  }, 180_000);
});

describe("a delivery given up on", () => {
  it("dead-letters a reference only: its payload waits in Blob storage for a replay, and no message holds a claim", async () => {
    const wallet = await walletWithMarkers(1024);
    await setMode(system, "fail-5xx");
    try {
      const shareId = await shareEverything(wallet.id, "RTH");
      const stored = await until(
        async () => eventOfShareIn(shareId, "dead-lettered"),
        60_000,
        "the delivery dead-lettered",
      );
      const kept = await services().payloads.get("RTH", stored.id);
      expect(JSON.stringify(kept)).toContain(wallet.markers[0]);
      const messages = await everyServiceBusMessage();
      expect(messages.some((text) => text.includes(stored.id))).toBe(true);
      expect(holdingAny(messages, wallet.markers)).toEqual([]);
      expect(holdingAny(await everyCosmosDocument(), wallet.markers)).toEqual([]);
      expect(holdingAny(lines, wallet.markers)).toEqual([]);
    } finally {
      await setMode(system, "ok");
    }
  }, 120_000);
});

describe("POST /api/trust/events", () => {
  const poll = async (body: unknown, token?: string) =>
    call<{ sets?: Record<string, string>; errors?: { path: string }[] }>(`${urls().api}/trust/events`, {
      body,
      ...(token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } }),
    });
  const tokenFor = async (trustId: string) =>
    (await call<{ token: string }>(`${system.urls.demoTrust}/control/token`, { body: { trustId } })).body
      .token;

  it("refuses a poll without the trust's token with 401", async () => {
    const answer = await poll({ returnImmediately: true });
    expect(answer.status).toBe(401);
    expect(answer.headers.get("content-type")).toContain("application/problem+json");
  });

  it("refuses a malformed poll with 400 naming the field, and answers a trust with nothing waiting at once", async () => {
    const malformed = [
      [{ maxEvents: 101 }, "body.maxEvents"],
      [{ ack: ["not an event id!"] }, "body.ack.0"],
      [{ ack: ["abc"], setErrs: { abc: { err: "invalid_key" } } }, "body.setErrs"],
      [{ setErrs: { abc: { err: "no spaces allowed" } } }, "body.setErrs.abc.err"],
    ] as const;
    for (const [body, path] of malformed) {
      // Every poll acknowledges, so each uses up its token: a fresh one each time.
      const answer = await poll(body, await tokenFor("RTH"));
      expect(answer.status).toBe(400);
      expect(answer.headers.get("content-type")).toContain("application/problem+json");
      expect(answer.body.errors?.map((error) => error.path)).toContain(path);
    }
    // RTH is pushed to: nothing of it ever waits for a poll.
    expect(await poll({ returnImmediately: true }, await tokenFor("RTH"))).toMatchObject({
      status: 200,
      body: { sets: {} },
    });
  });
});
