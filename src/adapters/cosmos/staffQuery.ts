// A trust's documents about one staff id (credential requests, access keys), newest first: one partition, equalities
// and an order on one property, which the default range index serves. The trust is in the condition as well as in the
// partition key option, so that the scope never rests on the option alone (the local emulator ignores it).
import type { Container } from "@azure/cosmos";
import { cosmosCall, stripSystemFields } from "./errors.js";

export async function newestForStaff<T>(
  container: Container,
  trustId: string,
  staffId: string,
  limit: number,
  /** A further condition on `c`, e.g. `c.state.status = "open"`. */
  where = "",
): Promise<T[]> {
  const query = {
    query:
      `SELECT TOP ${limit} * FROM c WHERE c.trustId = @trustId AND c.staffId = @staffId` +
      (where === "" ? "" : ` AND ${where}`) +
      " ORDER BY c.createdAt DESC",
    parameters: [
      { name: "@trustId", value: trustId },
      { name: "@staffId", value: staffId },
    ],
  };
  const { resources } = await cosmosCall(() =>
    container.items.query<Record<string, unknown>>(query, { partitionKey: trustId }).fetchAll(),
  );
  return resources.map((document) => stripSystemFields<T>(document));
}
