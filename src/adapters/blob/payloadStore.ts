// Share event payloads in Blob storage (the claim check, DESIGN.md "Events"): one JSON blob per event in the
// `share-payloads` container, named by trust and event id. In Azure the container sits in the Function App's
// storage account, reached with the managed identity (a data role on that container only), and a lifecycle rule
// deletes what the service did not; locally it is Azurite, reached with its connection string.
import type { TokenCredential } from "@azure/identity";
import type { ContainerClient } from "@azure/storage-blob";
import type { PayloadStore } from "../../app/ports.js";
import type { EventBody } from "../../domain/shareEvent.js";
import { ServiceError } from "../../errors.js";

export const PAYLOAD_CONTAINER = "share-payloads";

/** Far above the largest share (API.md section 3: up to 5 MiB of claims), so a corrupt blob cannot fill memory. */
const MAX_PAYLOAD_BYTES = 32 * 1024 * 1024;

/** Where the container is: a connection string (Azurite) or the account's blob endpoint with a credential. */
export type PayloadStorage =
  | { readonly connectionString: string }
  | { readonly url: string; readonly credential: TokenCredential };

/** Blob names are ids the service minted and trust ids the directory holds: both plain, so no escaping. */
const blobName = (trustId: string, eventId: string) => `${trustId}/${eventId}.json`;

/** The container client, made on first use so that the SDK loads only when a payload is touched. */
export function payloadContainer(storage: PayloadStorage): () => Promise<ContainerClient> {
  let made: Promise<ContainerClient> | undefined;
  return () => {
    made ??= (async () => {
      const { BlobServiceClient } = await import("@azure/storage-blob");
      const service =
        "connectionString" in storage
          ? BlobServiceClient.fromConnectionString(storage.connectionString)
          : new BlobServiceClient(storage.url, storage.credential);
      return service.getContainerClient(PAYLOAD_CONTAINER);
    })();
    return made;
  };
}

/** Blob storage's status of a failed call, if it has one. */
function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === "number" ? status : undefined;
}

/** A storage failure as the service's own error (503 at the edge, retried by triggers), never the SDK's text. */
async function storageCall<T>(call: () => Promise<T>, handled: readonly number[] = []): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const status = statusOf(error);
    if (status !== undefined && handled.includes(status)) throw error;
    throw new ServiceError("dependency_unavailable", "Blob storage is unavailable; try again.", {
      cause: error,
    });
  }
}

export function blobPayloadStore(container: () => Promise<ContainerClient>): PayloadStore {
  return {
    async put(trustId, eventId, payload) {
      const blob = (await container()).getBlockBlobClient(blobName(trustId, eventId));
      const bytes = Buffer.from(JSON.stringify(payload), "utf8");
      await storageCall(() =>
        blob.upload(bytes, bytes.length, { blobHTTPHeaders: { blobContentType: "application/json" } }),
      );
    },
    async get(trustId, eventId) {
      const blob = (await container()).getBlockBlobClient(blobName(trustId, eventId));
      let downloaded: Awaited<ReturnType<typeof blob.download>>;
      try {
        downloaded = await storageCall(() => blob.download(), [404]);
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw error;
      }
      const body = downloaded.readableStreamBody;
      if (body === undefined || (downloaded.contentLength ?? 0) > MAX_PAYLOAD_BYTES) {
        (body as { destroy?: () => void } | undefined)?.destroy?.();
        throw new Error(`A share event payload is missing its body or is over ${MAX_PAYLOAD_BYTES} bytes.`);
      }
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      try {
        return JSON.parse(Buffer.concat(chunks).toString("utf8")) as EventBody;
      } catch {
        // JSON.parse's own message quotes the text around the fault, which here is claim values: never passed on.
        throw new Error("A share event payload is not valid JSON.");
      }
    },
    async delete(trustId, eventId) {
      const blob = (await container()).getBlockBlobClient(blobName(trustId, eventId));
      await storageCall(() => blob.deleteIfExists());
    },
  };
}

/** Creates the container where it may not exist yet (locally; in Azure the template makes it). */
export async function ensurePayloadContainer(container: () => Promise<ContainerClient>): Promise<void> {
  await (await container()).createIfNotExists();
}
