// The database's containers, defined once: the local set-up creates them from this list and infra/ declares the
// same ones in Bicep (a test holds the two together).
import type { ContainerDefinition, Database } from "@azure/cosmos";

export type ContainerName =
  | "trusts"
  | "requests"
  | "shares"
  | "shareEvents"
  | "credentialRequests"
  | "tokenIds"
  | "streams"
  | "accessKeys"
  | "audit";

export const CONTAINERS: readonly (ContainerDefinition & { id: ContainerName })[] = [
  { id: "trusts", partitionKey: { paths: ["/id"] } },
  // Login and share requests carry their own `ttl`; -1 turns TTL on without a container-wide expiry.
  { id: "requests", partitionKey: { paths: ["/id"] }, defaultTtl: -1 },
  { id: "shares", partitionKey: { paths: ["/subject"] } },
  { id: "shareEvents", partitionKey: { paths: ["/trustId"] } },
  // A trust reads its own requests by id (a point read), and a staff member's open ones are a query in that trust's
  // partition on staffId and status, newest first: both stay in one partition.
  { id: "credentialRequests", partitionKey: { paths: ["/trustId"] } },
  // The ids of trust tokens used to change something, each with a `ttl` of its token's remaining lifetime.
  { id: "tokenIds", partitionKey: { paths: ["/id"] }, defaultTtl: -1 },
  // Each trust's SSF stream (id = stream_id, the trust's id). Not in `trusts`, which only operators write: the
  // service reads and writes this one, and a trust without a document here has the stream its trust document implies.
  { id: "streams", partitionKey: { paths: ["/trustId"] } },
  // Access keys the trusts issue (API.md section 10): a trust reads and revokes its own by id, and lists a staff
  // member's in its own partition, newest first.
  { id: "accessKeys", partitionKey: { paths: ["/trustId"] } },
  // The audit trail (API.md section 11): each entry once per scope it has, `subject:<did>` and `trust:<id>`, so a
  // person's entries and a trust's are each one partition. Entries carry a `ttl` of the retention period.
  { id: "audit", partitionKey: { paths: ["/scope"] }, defaultTtl: -1 },
];

/** Creates the database's containers where they are missing; running it again changes nothing. */
export async function ensureContainers(database: Database): Promise<void> {
  for (const definition of CONTAINERS) {
    await database.containers.createIfNotExists(definition);
  }
}
