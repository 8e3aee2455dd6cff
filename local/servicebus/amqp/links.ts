// Decides what each link a client attaches is for ($cbs, $management, sending to an entity, receiving from one),
// checks the connection's CBS grant for entity links, and refuses unknown entities with amqp:not-found.
import type { Receiver, Sender, Source, TerminusOptions } from "rhea";
import { BrokerError, Condition } from "../broker/errors.js";
import type { Namespace, SendTarget } from "../broker/namespace.js";
import { connectionState } from "./connectionState.js";
import { wrapTicks } from "./encoding.js";
import { MAX_MESSAGE_BYTES } from "./incoming.js";
import { OutgoingLink } from "./outgoing.js";
import { answerEveryDrain, localAttach, remoteAttach } from "./rheaTypes.js";

export type IncomingRole =
  | { kind: "cbs" }
  | { kind: "management"; address: string }
  | { kind: "entity"; target: SendTarget };

const SESSION_FILTER = "com.microsoft:session-filter";
const LOCKED_UNTIL = "com.microsoft:locked-until-utc";

const isManagement = (address: string): boolean =>
  /\/\$management$/i.test(address) || address === "$management";

function echoTermini(link: Sender | Receiver): void {
  const remote = remoteAttach(link);
  if (remote.source) link.set_source(remote.source as Source);
  if (remote.target) link.set_target(remote.target as TerminusOptions);
  const local = localAttach(link);
  if (remote.snd_settle_mode !== undefined) local.snd_settle_mode = remote.snd_settle_mode;
  if (remote.rcv_settle_mode !== undefined) local.rcv_settle_mode = remote.rcv_settle_mode;
}

function refuse(link: Sender | Receiver, condition: string, description: string): undefined {
  link.close({ condition, description });
  return undefined;
}

function authorize(link: Sender | Receiver, address: string): boolean {
  if (connectionState(link.connection).isAuthorized(address, Date.now())) return true;
  refuse(
    link,
    Condition.unauthorized,
    `Unauthorized access to '${address}': no valid CBS token was put for it.`,
  );
  return false;
}

/** A client sender attached (a server receiver): returns what its transfers are for, or undefined if refused. */
export function openIncoming(receiver: Receiver, namespace: Namespace): IncomingRole | undefined {
  echoTermini(receiver);
  const address = remoteAttach(receiver).target?.address ?? "";
  if (address === "$cbs") return { kind: "cbs" };
  if (!authorize(receiver, address)) return undefined;
  if (isManagement(address)) return { kind: "management", address };
  try {
    const target = namespace.sendTarget(address);
    localAttach(receiver).max_message_size = MAX_MESSAGE_BYTES;
    return { kind: "entity", target };
  } catch (error) {
    return refuse(receiver, Condition.notFound, (error as Error).message);
  }
}

/** A client receiver attached (a server sender): returns the entity link, or undefined for reply links and refusals. */
export function openOutgoing(sender: Sender, namespace: Namespace): OutgoingLink | undefined {
  echoTermini(sender);
  const remote = remoteAttach(sender);
  const address = remote.source?.address ?? "";
  if (address === "$cbs" || isManagement(address)) return undefined;
  if (!authorize(sender, address)) return undefined;
  let link: OutgoingLink;
  try {
    const entity = namespace.receiveEntity(address);
    link = new OutgoingLink(sender, entity, remote.snd_settle_mode === 1 ? "receiveAndDelete" : "peekLock");
  } catch (error) {
    return refuse(sender, Condition.notFound, (error as Error).message);
  }
  const filter = remote.source?.filter;
  const wantsSession = typeof filter === "object" && filter !== null && SESSION_FILTER in filter;
  if (link.entity.settings.requiresSession && !wantsSession) {
    return refuse(
      sender,
      Condition.notAllowed,
      `The entity '${address}' requires sessions; accept a session.`,
    );
  }
  if (wantsSession) {
    const requested = sessionFilterValue(filter?.[SESSION_FILTER]);
    const now = Date.now();
    let sessionId: string | undefined;
    try {
      sessionId = link.entity.lockSession(link, requested, now);
    } catch (error) {
      // An attach without the session filter is how the SDK learns that the session could not be locked.
      sender.set_source({ address });
      const condition = error instanceof BrokerError ? error.condition : Condition.internal;
      return refuse(sender, condition, (error as Error).message);
    }
    if (sessionId === undefined) {
      sender.set_source({ address });
      return refuse(sender, Condition.timeout, "There are no unlocked sessions with messages available.");
    }
    link.sessionId = sessionId;
    sender.set_source({ address, filter: { [SESSION_FILTER]: sessionId } });
    localAttach(sender).properties = { [LOCKED_UNTIL]: wrapTicks(now + link.entity.settings.lockDurationMs) };
  }
  answerEveryDrain(sender);
  connectionState(sender.connection).links.add(link);
  link.entity.attach(link);
  return link;
}

/** The session filter arrives as a plain string, a described value, or null for "the next available session". */
function sessionFilterValue(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (value && typeof value === "object" && "value" in value) {
    const inner = (value as { value: unknown }).value;
    return typeof inner === "string" ? inner : undefined;
  }
  return undefined;
}
