// The floors the benchmarks hold the service to: the CPU this process spends, through the real SDKs with the host's
// own client settings and against the same emulators, on each kind of operation the service makes, one after
// another or share by share at the service's own pace; and the arithmetic that turns a count of operations by kind
// into a floor and a measured figure into its ratio to that floor (the service must stay within FLOOR_TOLERANCE).
import { randomUUID } from "node:crypto";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { importJWK, SignJWT } from "jose";
import { createCosmosClient, ensureDatabase } from "../src/adapters/cosmos/client.js";
import { generateSigningJwk, kidOf } from "../src/adapters/keys/signingKeys.js";
import { median, startPart } from "./support.js";

/** A figure within 20% of its floor meets it. */
export const FLOOR_TOLERANCE = 1.2;
/** Operations timed for each kind; enough that a timer tick of 10 ms is under 1% of the whole. */
const OPERATIONS = Number(process.env.BENCH_FLOOR_OPERATIONS ?? 500);
/**
 * Untimed operations first, so that connections, links and the JIT are warm: after 50, a second round of the same
 * operations still cost a quarter less, the SDKs' code not yet compiled as the host's is after a run's shares.
 */
const WARM_UP = Number(process.env.BENCH_FLOOR_WARM_UP ?? 300);

/**
 * Idle ms before each timed operation (0: back to back). An operation after an idle gap, as the service's are at a
 * few shares a second, costs more CPU than one straight after another; only the operations are timed.
 */
const GAP_MS = Number(process.env.BENCH_FLOOR_GAP_MS ?? 0);

/** CPU ms of this process per operation, over OPERATIONS of them one after another, after WARM_UP untimed. */
export async function cpuPerOperation(operation: (index: number) => Promise<unknown>): Promise<number> {
  for (let i = 0; i < WARM_UP; i++) await operation(i);
  if (GAP_MS === 0) {
    const before = process.cpuUsage();
    for (let i = 0; i < OPERATIONS; i++) await operation(WARM_UP + i);
    const used = process.cpuUsage(before);
    return (used.user + used.system) / 1000 / OPERATIONS;
  }
  let micros = 0;
  for (let i = 0; i < OPERATIONS; i++) {
    await new Promise((resolve) => setTimeout(resolve, GAP_MS));
    const before = process.cpuUsage();
    await operation(WARM_UP + i);
    const used = process.cpuUsage(before);
    micros += used.user + used.system;
  }
  return micros / 1000 / OPERATIONS;
}

/**
 * Each kind's cost times how many of it a unit of work makes, summed. A kind counted without a measured cost
 * throws, so that a floor never leaves an operation out by a missing measurement.
 */
export function floorOf(
  costs: Readonly<Record<string, number>>,
  counts: Readonly<Record<string, number>>,
): number {
  let total = 0;
  for (const [kind, count] of Object.entries(counts)) {
    if (count === 0) continue;
    const cost = costs[kind];
    if (cost === undefined || !Number.isFinite(cost)) throw new Error(`no measured cost for ${kind}`);
    total += cost * count;
  }
  return total;
}

/** How a figure stands against its floor: the ratio, and whether it is within FLOOR_TOLERANCE. */
export function againstFloor(value: number, floor: number): { ratio: number; withinFloor: boolean } {
  const ratio = value / floor;
  return { ratio, withinFloor: ratio <= FLOOR_TOLERANCE };
}

/** One kind of operation, made once; `index` tells apart the blobs (or anything else) of successive ones. */
export type Operation = (index: number) => Promise<unknown>;
/** An SDK's client opened once for the operations of each kind it makes, and closed when they are done. */
export type Opened<Kind extends string> = { run: Record<Kind, Operation>; close: () => Promise<void> };

/** CPU per operation of each kind asked for, one kind after another, over a client opened for them and closed. */
async function costsOf<Kind extends string>(
  opened: Opened<Kind>,
  kinds: readonly Kind[],
): Promise<Partial<Record<Kind, number>>> {
  try {
    const costs: Partial<Record<Kind, number>> = {};
    for (const kind of kinds) costs[kind] = await cpuPerOperation(opened.run[kind]);
    return costs;
  } finally {
    await opened.close();
  }
}

/** The kinds of Cosmos DB operation the service makes; a create answered 409 costs the SDK its error path. */
export type CosmosKind = "read" | "patch" | "create" | "createConflict";

/**
 * @azure/cosmos's operations as the service makes them, with the host's own client (createCosmosClient) against
 * the emulator on `cosmosPort`: a point read, a patch with the condition a share's move carries, a create of a
 * document of `documentBytes`, and a create of an id that exists (answered 409, as the second share event
 * consumer's is).
 */
export async function openCosmos(cosmosPort: number, documentBytes = 512): Promise<Opened<CosmosKind>> {
  const client = await createCosmosClient(`https://127.0.0.1:${cosmosPort}/`, () => {
    throw new Error("no Entra credential is used on loopback");
  });
  try {
    const database = await ensureDatabase(client, "bench-floor");
    const { container } = await database.containers.createIfNotExists({
      id: "floor",
      partitionKey: { paths: ["/id"] },
    });
    const padding = "a".repeat(documentBytes);
    await container.items.upsert({ id: "one", progress: { status: "pending" }, n: 0, padding });
    const item = container.item("one", "one");
    const run: Record<CosmosKind, Operation> = {
      read: () => item.read(),
      patch: (i) =>
        item.patch({
          condition: "FROM c WHERE c.progress.status IN ('pending', 'scanned')",
          operations: [{ op: "set", path: "/n", value: i }],
        }),
      create: () => container.items.create({ id: randomUUID(), padding }),
      createConflict: async () => {
        try {
          await container.items.create({ id: "one", padding });
        } catch (error) {
          if ((error as { code?: unknown }).code !== 409) throw error;
        }
      },
    };
    return { run, close: async () => client.dispose() };
  } catch (error) {
    client.dispose();
    throw error;
  }
}

/** @azure/cosmos's client CPU per operation of each kind asked for (openCosmos), one after another. */
export async function cosmosFloor(
  cosmosPort: number,
  kinds: readonly CosmosKind[],
  documentBytes = 512,
): Promise<Partial<Record<CosmosKind, number>>> {
  return costsOf(await openCosmos(cosmosPort, documentBytes), kinds);
}

export type BlobKind = "upload" | "download" | "delete";

/**
 * @azure/storage-blob's operations on blobs of `bytes` against the Azurite of `connectionString`, as the payload
 * store makes them: an upload with its content type, a download read to its end, a deleteIfExists; the blob is the
 * index's, so a download or delete finds the one its index's upload left.
 */
export async function openBlob(connectionString: string, bytes: number): Promise<Opened<BlobKind>> {
  const { BlobServiceClient } = await import("@azure/storage-blob");
  const container =
    BlobServiceClient.fromConnectionString(connectionString).getContainerClient("bench-floor");
  await container.createIfNotExists();
  const body = Buffer.alloc(bytes, "a");
  const blob = (i: number) => container.getBlockBlobClient(`floor/${i}.json`);
  return {
    run: {
      upload: (i) =>
        blob(i).upload(body, body.length, { blobHTTPHeaders: { blobContentType: "application/json" } }),
      download: async (i) => {
        const downloaded = await blob(i).download();
        for await (const _chunk of downloaded.readableStreamBody ?? []);
      },
      delete: (i) => blob(i).deleteIfExists(),
    },
    close: async () => {},
  };
}

/** @azure/storage-blob's client CPU per operation of each kind asked for (openBlob), one after another. */
export async function blobFloor(
  connectionString: string,
  bytes: number,
  kinds: readonly BlobKind[],
): Promise<Partial<Record<BlobKind, number>>> {
  // Uploads first: the downloads and deletes then find a blob under every index they use.
  const costs = await costsOf(await openBlob(connectionString, bytes), [
    "upload",
    ...kinds.filter((kind) => kind !== "upload"),
  ]);
  if (!kinds.includes("upload")) delete costs.upload;
  return costs;
}

/**
 * @azure/service-bus's operation for one message's whole life as the service's share event has it: sent to
 * `topic` (with a unique message id, as duplicate detection wants), then received and completed on each of
 * `subscriptions` by peek-lock receivers set as the local host sets them (host.json's maxConcurrentCalls and lock
 * renewal, completed by the handler's caller). Each message is awaited by its id, so that shares in flight together
 * each wait for their own. Nothing else may read the subscriptions meanwhile: the host must be stopped.
 */
export async function openServiceBus(
  connectionString: string,
  topic: string,
  subscriptions: readonly string[],
  body: Record<string, unknown>,
): Promise<Opened<"message">> {
  const { ServiceBusClient } = await import("@azure/service-bus");
  const client = new ServiceBusClient(connectionString);
  const sender = client.createSender(topic);
  const waiting = new Map<string, { pending: number; arrived: () => void }>();
  const receivers = subscriptions.map((subscription) =>
    client.createReceiver(topic, subscription, {
      receiveMode: "peekLock",
      maxAutoLockRenewalDurationInMs: 5 * 60_000,
    }),
  );
  const subscribed = receivers.map((receiver) =>
    receiver.subscribe(
      {
        processMessage: async (message) => {
          await receiver.completeMessage(message);
          const waiter = waiting.get(String(message.messageId));
          if (waiter !== undefined && --waiter.pending === 0) waiter.arrived();
        },
        processError: async ({ error }) => {
          throw error;
        },
      },
      { autoCompleteMessages: false, maxConcurrentCalls: 16 },
    ),
  );
  const message = async () => {
    const messageId = randomUUID();
    const done = new Promise<void>((resolve) => {
      waiting.set(messageId, { pending: subscriptions.length, arrived: resolve });
    });
    await sender.sendMessages({
      messageId,
      body,
      contentType: "application/json",
      correlationId: randomUUID(),
      applicationProperties: { trustId: "RTH", type: "floor" },
    });
    await done;
    waiting.delete(messageId);
  };
  return {
    run: { message },
    close: async () => {
      for (const subscription of subscribed) await subscription.close();
      for (const receiver of receivers) await receiver.close();
      await sender.close();
      await client.close();
    },
  };
}

/** @azure/service-bus's client CPU for one message's whole life (openServiceBus), one message after another. */
export async function serviceBusFloor(
  connectionString: string,
  topic: string,
  subscriptions: readonly string[],
  body: Record<string, unknown>,
): Promise<number> {
  const { message } = await costsOf(await openServiceBus(connectionString, topic, subscriptions, body), [
    "message",
  ]);
  return message ?? Number.NaN;
}

/**
 * One ES256 signature of a SET whose claims carry `claimBytes` (jose, with a key made and loaded as the local
 * signing keys are), and the compact token's length, for the push.
 */
export async function openSigning(claimBytes: number): Promise<Opened<"sign"> & { tokenBytes: number }> {
  const stored = await generateSigningJwk();
  const kid = await kidOf(stored);
  const key = await importJWK({ ...stored }, "ES256", { extractable: false });
  const claims = {
    iss: "http://127.0.0.1",
    aud: "RTH",
    txn: randomUUID(),
    events: { floor: { data: "a".repeat(claimBytes) } },
  };
  const sign = () =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: "ES256", typ: "secevent+jwt", kid })
      .setIssuedAt()
      .setJti(randomUUID())
      .sign(key);
  return { run: { sign }, close: async () => {}, tokenBytes: (await sign()).length };
}

/** The CPU of one SET's signature (openSigning), one after another, and the compact token's length. */
export async function signingFloor(claimBytes: number): Promise<{ signMs: number; tokenBytes: number }> {
  const opened = await openSigning(claimBytes);
  const { sign } = await costsOf(opened, ["sign"]);
  return { signMs: sign ?? Number.NaN, tokenBytes: opened.tokenBytes };
}

/**
 * One push of a `bytes`-long SET to a receiver on loopback in a process of its own (so that its CPU is not ours),
 * each on a connection of its own as the push opens one: over https (the receiver's self-signed certificate
 * checked as the push checks a trust's) or http.
 */
export async function openPush(bytes: number, protocol: "http" | "https"): Promise<Opened<"push">> {
  const receiver = await startPart("receiver", { BENCH_RECEIVER_TLS: protocol === "https" ? "on" : "off" });
  const url = String(receiver.info.url);
  const ca = typeof receiver.info.ca === "string" ? receiver.info.ca : undefined;
  const body = Buffer.alloc(bytes, "a");
  const send = protocol === "https" ? httpsRequest : httpRequest;
  const push = () =>
    new Promise<void>((resolve, reject) => {
      const request = send(
        url,
        {
          method: "POST",
          agent: false,
          headers: {
            "content-type": "application/secevent+jwt",
            accept: "application/json",
            "content-length": body.length,
          },
          ...(ca === undefined ? {} : { ca }),
        },
        (response) => {
          response.resume();
          response.on("end", () =>
            response.statusCode === 202
              ? resolve()
              : reject(new Error(`push answered ${response.statusCode}`)),
          );
          response.on("error", reject);
        },
      );
      request.on("error", reject);
      request.end(body);
    });
  return { run: { push }, close: () => receiver.stop() };
}

/** The client CPU of one push (openPush), one after another. */
export async function pushFloor(bytes: number, protocol: "http" | "https"): Promise<number> {
  const { push } = await costsOf(await openPush(bytes, protocol), ["push"]);
  return push ?? Number.NaN;
}

/**
 * The CPU this process spends on `shares` shares arriving `rate` a second, each making `share`'s operations one
 * after another from its arrival (so that shares overlap as the host's do when one outlasts the gap), measured from
 * the first arrival until the last share is done, idle gaps and all, as the host's CPU a share is measured.
 */
export async function pacedCpu(
  share: (index: number) => Promise<void>,
  rate: number,
  shares: number,
): Promise<number> {
  const before = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: shares }, async (_, index) => {
      const due = started + (index * 1000) / rate;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
      await share(index);
    }),
  );
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

/** A share that makes each operation of `steps` in turn, every one of them opened in `run`. */
export function shareOf<Step extends string>(
  steps: readonly Step[],
  run: Readonly<Record<Step, Operation>>,
): (index: number) => Promise<void> {
  return async (index) => {
    for (const step of steps) await run[step](index);
  };
}

/**
 * Each rate's CPU a share (its window's CPU over its shares) and the median over the rates, as the measured figure
 * is the median of its rates' figures.
 */
export function pacedFloorOf(windows: readonly { rate: number; shares: number; cpuMs: number }[]): {
  byRate: Record<number, number>;
  perShare: number;
} {
  const byRate: Record<number, number> = {};
  for (const window of windows) {
    if (window.shares <= 0) throw new Error(`no shares at ${window.rate} a second`);
    byRate[window.rate] = window.cpuMs / window.shares;
  }
  return { byRate, perShare: median(Object.values(byRate)) };
}
