// Session receivers: a link that attaches with a session filter gets the named session, or the next free one. When
// no session is free, Service Bus holds the attach of acceptNextSession until one frees up or the client's
// com.microsoft:timeout passes, and then refuses it; so does this.
import { BrokerError, Condition } from "../broker/errors.js";
import { wrapTicks } from "./encoding.js";
import type { OutgoingLink } from "./outgoing.js";
import { holdAttach, localAttach, remoteAttach } from "./rheaTypes.js";

export const SESSION_FILTER = "com.microsoft:session-filter";
const LOCKED_UNTIL = "com.microsoft:locked-until-utc";
const TIMEOUT = "com.microsoft:timeout";
/** Service Bus waits at most 65 s for a free session, and 60 s when the client names no timeout. */
const DEFAULT_WAIT_MS = 60_000;
const MAX_WAIT_MS = 65_000;

/** The session filter arrives as a plain string, a described value, or null for "the next available session". */
function sessionFilterValue(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (value && typeof value === "object" && "value" in value) {
    const inner = (value as { value: unknown }).value;
    return typeof inner === "string" ? inner : undefined;
  }
  return undefined;
}

/** An attach without the session filter, then a detach with the error, is how the SDK learns of a refusal. */
function refuse(link: OutgoingLink, address: string, condition: string, description: string): void {
  link.sender.set_source({ address });
  link.sender.open();
  link.sender.close({ condition, description });
}

function granted(link: OutgoingLink, address: string, sessionId: string, now: number): void {
  link.sessionId = sessionId;
  link.sender.set_source({ address, filter: { [SESSION_FILTER]: sessionId } });
  localAttach(link.sender).properties = {
    [LOCKED_UNTIL]: wrapTicks(now + link.entity.settings.lockDurationMs),
  };
}

function waitLimit(link: OutgoingLink): number {
  const asked = remoteAttach(link.sender).properties?.[TIMEOUT];
  return typeof asked === "number" && asked > 0 ? Math.min(asked, MAX_WAIT_MS) : DEFAULT_WAIT_MS;
}

/**
 * Locks a session for a link that asked for one. `start` attaches the link to its entity once the session is locked,
 * now or later. Returns false when the link was refused at once.
 */
export function acceptSession(
  link: OutgoingLink,
  address: string,
  filterValue: unknown,
  start: () => void,
): boolean {
  const requested = sessionFilterValue(filterValue);
  const entity = link.entity;
  const now = Date.now();
  let sessionId: string | undefined;
  try {
    sessionId = entity.lockSession(link, requested, now);
  } catch (error) {
    const condition = error instanceof BrokerError ? error.condition : Condition.internal;
    refuse(link, address, condition, (error as Error).message);
    return false;
  }
  if (sessionId !== undefined) {
    granted(link, address, sessionId, now);
    start();
    return true;
  }
  holdAttach(link.sender);
  const timer = setTimeout(() => {
    if (!entity.sessionWaiters.remove(link)) return;
    refuse(link, address, Condition.timeout, "There are no unlocked sessions with messages available.");
    link.onDetached();
  }, waitLimit(link));
  timer.unref();
  entity.sessionWaiters.add(
    link,
    (locked) => {
      clearTimeout(timer);
      granted(link, address, locked, Date.now());
      link.sender.open();
      start();
    },
    () => clearTimeout(timer),
  );
  return true;
}
