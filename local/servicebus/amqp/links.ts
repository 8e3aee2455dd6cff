// Decides what each link a client attaches is for ($cbs, $management, sending to an entity, receiving from one),
// checks the connection's CBS grant for entity links, and refuses unknown entities with amqp:not-found.
import type { Receiver, Sender, Source, TerminusOptions } from "rhea";
import { Condition } from "../broker/errors.js";
import type { Namespace, SendTarget } from "../broker/namespace.js";
import { connectionState } from "./connectionState.js";
import { MAX_MESSAGE_BYTES } from "./incoming.js";
import { OutgoingLink } from "./outgoing.js";
import { answerEveryDrain, localAttach, remoteAttach } from "./rheaTypes.js";
import { acceptSession, SESSION_FILTER } from "./sessionAccept.js";

export type IncomingRole =
  | { kind: "cbs" }
  | { kind: "management"; address: string }
  | { kind: "entity"; target: SendTarget };

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
  const start = (): void => {
    answerEveryDrain(sender);
    link.entity.attach(link);
  };
  // Registered before the session is locked: a link that waits for one and then goes away must stop waiting.
  const links = connectionState(sender.connection).links;
  links.add(link);
  if (!wantsSession) start();
  else if (!acceptSession(link, address, filter?.[SESSION_FILTER], start)) {
    links.delete(link);
    return undefined;
  }
  return link;
}
