// What the service holds for a trust's paused stream, read from `shareEvents`: the one thing a receiver cannot see
// from outside, which a test waits for before it checks that nothing was delivered meanwhile.
import { services } from "../../src/composition.js";

/** How many of the trust's events are held for its paused stream. */
export async function heldForPausedStream(trustId: string): Promise<number> {
  const { resources } = await (await services().database())
    .container("shareEvents")
    .items.query<number>(
      {
        query:
          "SELECT VALUE COUNT(1) FROM c WHERE c.trustId = @trustId AND c.delivery.status = 'held'" +
          " AND c.delivery.reason = 'stream_paused'",
        parameters: [{ name: "@trustId", value: trustId }],
      },
      { partitionKey: trustId },
    )
    .fetchAll();
  return resources[0] ?? 0;
}
