// Writing the audit trail from the use cases: each entry stamped with the clock and appended once. An entry that
// cannot be written is logged as an error with its action and ids (an operator sees the gap) and never fails the
// operation it records, which has already happened; its id makes a retried operation's entry the same entry.
import type { AuditEntry, NewAuditEntry } from "../domain/audit.js";
import { describeError, type Logger } from "../log.js";
import type { AuditTrail, Clock } from "./ports.js";

/** Records one entry; never throws. */
export type AuditRecorder = (entry: NewAuditEntry) => Promise<void>;

export function auditRecorder(trail: AuditTrail, clock: Clock, log: Logger): AuditRecorder {
  return async (entry) => {
    const stamped = withoutUndefined({ ...entry, at: entry.at ?? clock().toISOString() }) as AuditEntry;
    try {
      await trail.append(stamped);
    } catch (error) {
      log.error("audit entry not written", {
        action: stamped.action,
        auditId: stamped.id,
        ...describeError(error),
      });
    }
  };
}

function withoutUndefined(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined));
}
