// Nothing a member of staff shared outlives its purpose (API.md section 3, "Where claims rest"): an event's
// payload in Blob storage is deleted when the trust has the event, and this deletes the payload of any event still
// holding one at its retention limit (never delivered, failed, dead-lettered, or waiting for a poll), keeping the
// event's record (types, issuers, delivery log). It also drops the free text of credential requests closed for the
// same period: the trust's message and the staff member's reason.
import { redactClosedRequest } from "../domain/credentialRequest.js";
import type { Clock, CredentialRequestStore, PayloadStore, ShareEventStore } from "./ports.js";

/** At most this many events (and requests) a run, so one run stays short; the next run takes the rest. */
export const RETENTION_BATCH = 100;

export type RetentionDeps = {
  events: ShareEventStore;
  payloads: PayloadStore;
  credentialRequests: CredentialRequestStore;
  clock: Clock;
  retentionMs: number;
};

/** Deletes the payload of every event past its retention limit and marks the event; the number deleted. */
export async function dropExpiredPayloads(deps: Pick<RetentionDeps, "events" | "payloads" | "clock">) {
  const now = deps.clock();
  let dropped = 0;
  for (const { value: event } of await deps.events.claimsDue(now, RETENTION_BATCH)) {
    // The payload first: if marking fails, the next run finds the event again and deleting twice is harmless.
    await deps.payloads.delete(event.trustId, event.id);
    await deps.events.markPayloadRemoved(event.trustId, event.id, {
      at: now.toISOString(),
      why: "retention",
    });
    // An event still waiting for its trust's poll can no longer be signed: it ends here.
    await deps.events.settlePoll(event.trustId, event.id, { status: "failed", reason: "retention_expired" });
    dropped++;
  }
  return dropped;
}

/** Drops the message and reason of requests closed for longer than the retention period; the number changed. */
export async function redactClosedRequests(
  deps: Pick<RetentionDeps, "credentialRequests" | "clock" | "retentionMs">,
): Promise<number> {
  const now = deps.clock();
  const before = new Date(now.getTime() - deps.retentionMs);
  let redacted = 0;
  for (const stored of await deps.credentialRequests.closedWithTextBefore(before, RETENTION_BATCH)) {
    const next = redactClosedRequest(stored.value, now, deps.retentionMs);
    // A lost race (the request changed meanwhile) is looked at again by the next run.
    if (next !== undefined && (await deps.credentialRequests.replace(next, stored.etag)) !== undefined)
      redacted++;
  }
  return redacted;
}

/** One retention run over everything that holds claims or free text; the numbers dropped. */
export async function applyRetention(deps: RetentionDeps): Promise<{ payloads: number; requests: number }> {
  return { payloads: await dropExpiredPayloads(deps), requests: await redactClosedRequests(deps) };
}
