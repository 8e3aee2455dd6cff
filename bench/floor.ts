// The floors the benchmarks hold the service to: the CPU this process spends, through the real SDKs with the host's
// own client settings and against the same emulators, on each kind of operation the service makes, one after
// another; and the arithmetic that turns a count of operations by kind into a floor and a measured figure into its
// ratio to that floor (the service must stay within FLOOR_TOLERANCE of it).
import { randomUUID } from "node:crypto";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { importJWK, SignJWT } from "jose";
import { createCosmosClient, ensureDatabase } from "../src/adapters/cosmos/client.js";
import { generateSigningJwk, kidOf } from "../src/adapters/keys/signingKeys.js";
import { startPart } from "./support.js";

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

/** The kinds of Cosmos DB operation the service makes; a create answered 409 costs the SDK its error path. */
export type CosmosKind = "read" | "patch" | "create" | "createConflict";

/**
 * @azure/cosmos's client CPU per operation of each kind asked for, with the host's own client (createCosmosClient)
 * against the emulator on `cosmosPort`: a point read, a patch with the condition a share's move carries, a create
 * of a document of `documentBytes`, and a create of an id that exists (answered 409, as the second share event
 * consumer's is).
 */
export async function cosmosFloor(
  cosmosPort: number,
  kinds: readonly CosmosKind[],
  documentBytes = 512,
): Promise<Partial<Record<CosmosKind, number>>> {
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
    const run: Record<CosmosKind, (i: number) => Promise<unknown>> = {
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
    const costs: Partial<Record<CosmosKind, number>> = {};
    for (const kind of kinds) costs[kind] = await cpuPerOperation(run[kind]);
    return costs;
  } finally {
    client.dispose();
  }
}

export type BlobKind = "upload" | "download" | "delete";

/**
 * @azure/storage-blob's client CPU per operation of each kind asked for, on blobs of `bytes` against the Azurite
 * of `connectionString`, as the payload store makes them: an upload with its content type, a download read to its
 * end, a deleteIfExists.
 */
export async function blobFloor(
  connectionString: string,
  bytes: number,
  kinds: readonly BlobKind[],
): Promise<Partial<Record<BlobKind, number>>> {
  const { BlobServiceClient } = await import("@azure/storage-blob");
  const container =
    BlobServiceClient.fromConnectionString(connectionString).getContainerClient("bench-floor");
  await container.createIfNotExists();
  const body = Buffer.alloc(bytes, "a");
  const blob = (i: number) => container.getBlockBlobClient(`floor/${i}.json`);
  const upload = (i: number) =>
    blob(i).upload(body, body.length, { blobHTTPHeaders: { blobContentType: "application/json" } });
  const costs: Partial<Record<BlobKind, number>> = {};
  // Uploads first: the downloads and deletes then find a blob under every index they use.
  costs.upload = await cpuPerOperation(upload);
  if (kinds.includes("download"))
    costs.download = await cpuPerOperation(async (i) => {
      const downloaded = await blob(i).download();
      for await (const _chunk of downloaded.readableStreamBody ?? []);
    });
  if (kinds.includes("delete")) costs.delete = await cpuPerOperation((i) => blob(i).deleteIfExists());
  if (!kinds.includes("upload")) delete costs.upload;
  return costs;
}

/**
 * @azure/service-bus's client CPU for one message's whole life as the service's share event has it: sent to
 * `topic` (with a unique message id, as duplicate detection wants), then received and completed on each of
 * `subscriptions` by peek-lock receivers set as the local host sets them (host.json's maxConcurrentCalls and lock
 * renewal, completed by the handler's caller), one message after another. Nothing else may read the subscriptions
 * meanwhile: the host must be stopped.
 */
export async function serviceBusFloor(
  connectionString: string,
  topic: string,
  subscriptions: readonly string[],
  body: Record<string, unknown>,
): Promise<number> {
  const { ServiceBusClient } = await import("@azure/service-bus");
  const client = new ServiceBusClient(connectionString);
  const sender = client.createSender(topic);
  let arrived: (() => void) | undefined;
  let pending = 0;
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
          if (--pending === 0) arrived?.();
        },
        processError: async ({ error }) => {
          throw error;
        },
      },
      { autoCompleteMessages: false, maxConcurrentCalls: 16 },
    ),
  );
  try {
    return await cpuPerOperation(async () => {
      const done = new Promise<void>((resolve) => {
        arrived = resolve;
      });
      pending = subscriptions.length;
      await sender.sendMessages({
        messageId: randomUUID(),
        body,
        contentType: "application/json",
        correlationId: randomUUID(),
        applicationProperties: { trustId: "RTH", type: "floor" },
      });
      await done;
    });
  } finally {
    for (const subscription of subscribed) await subscription.close();
    for (const receiver of receivers) await receiver.close();
    await sender.close();
    await client.close();
  }
}

/**
 * The CPU of one ES256 signature of a SET whose claims carry `claimBytes` (jose, with a key made and loaded as the
 * local signing keys are), and the compact token's length, for the push floor.
 */
export async function signingFloor(claimBytes: number): Promise<{ signMs: number; tokenBytes: number }> {
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
  const tokenBytes = (await sign()).length;
  return { signMs: await cpuPerOperation(sign), tokenBytes };
}

/**
 * The client CPU of one push of a `bytes`-long SET to a receiver on loopback in a process of its own (so that its
 * CPU is not ours), each on a connection of its own as the push opens one: over https (the receiver's self-signed
 * certificate checked as the push checks a trust's) or http.
 */
export async function pushFloor(bytes: number, protocol: "http" | "https"): Promise<number> {
  const receiver = await startPart("receiver", { BENCH_RECEIVER_TLS: protocol === "https" ? "on" : "off" });
  try {
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
    return await cpuPerOperation(push);
  } finally {
    await receiver.stop();
  }
}
