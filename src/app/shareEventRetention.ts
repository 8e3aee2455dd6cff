// Claim values in recorded share events do not outlive their purpose: delivery drops them at once, and this
// drops them from any event that still holds them at its retention limit (never delivered, failed, or waiting
// in a dead-letter queue), keeping its types, issuers and delivery log for audit.
import { withoutClaims } from "../domain/shareDelivery.js";
import type { Clock, ShareEventStore } from "./ports.js";

/** At most this many events a run, so one run stays short; the next run takes the rest. */
export const RETENTION_BATCH = 100;

/** Drops the claim values of every event past its retention limit; the number dropped. */
export async function dropExpiredClaims(deps: { events: ShareEventStore; clock: Clock }): Promise<number> {
  const now = deps.clock();
  let dropped = 0;
  for (const stored of await deps.events.claimsDue(now, RETENTION_BATCH)) {
    // A lost race means another writer changed the event (a delivery, perhaps); the next run looks again.
    if (await deps.events.replace(withoutClaims(stored.value, now, "retention"), stored.etag)) dropped++;
  }
  return dropped;
}
