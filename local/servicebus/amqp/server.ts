// The AMQP 1.0 listener: accepts connections with SASL ANONYMOUS (authorization happens through CBS), routes link
// events to the CBS node, the management node and the entity links, and closes everything on shutdown.
import type { AddressInfo, Server, Socket } from "node:net";
import rhea, {
  type Connection,
  type EventContext,
  type Receiver,
  type Sender,
  type SenderOptions,
} from "rhea";
import type { Namespace } from "../broker/namespace.js";
import type { Disposition } from "../broker/settlement.js";
import { handleCbsRequest } from "./cbs.js";
import { connectionState } from "./connectionState.js";
import { receiveTransfer } from "./incoming.js";
import { type IncomingRole, openIncoming, openOutgoing } from "./links.js";
import { handleManagementRequest } from "./management.js";
import type { OutgoingLink } from "./outgoing.js";
import { localAttach } from "./rheaTypes.js";
import type { SasKey } from "./sas.js";
import { measureTransfers, transferSize } from "./transferSize.js";

/** Counts of what the server holds for its clients, to show that nothing outlives the links it belongs to. */
export interface ServerDiagnostics {
  readonly connections: number;
  readonly receivingLinks: number;
  readonly cbsGrants: number;
  readonly sessionEntries: number;
}

export interface AmqpServer {
  readonly port: number;
  diagnostics(): ServerDiagnostics;
  close(): Promise<void>;
}

interface RemoteOutcome {
  error?: { condition?: string; description?: string; info?: Record<string, unknown> };
  undeliverable_here?: boolean;
  message_annotations?: Record<string, unknown>;
}

function rejectedDisposition(state: RemoteOutcome | undefined): Disposition {
  const info = state?.error?.info ?? {};
  const { DeadLetterReason, DeadLetterErrorDescription, ...properties } = info;
  const disposition: Disposition = { kind: "deadLetter", properties };
  if (typeof DeadLetterReason === "string") disposition.reason = DeadLetterReason;
  if (typeof DeadLetterErrorDescription === "string") disposition.description = DeadLetterErrorDescription;
  return disposition;
}

function modifiedDisposition(state: RemoteOutcome | undefined): Disposition {
  const properties = state?.message_annotations;
  const kind = state?.undeliverable_here ? "defer" : "abandon";
  return properties ? { kind, properties } : { kind };
}

const MAX_FRAME_BYTES = 64 * 1024;

export function startAmqpServer(options: {
  port: number;
  host: string;
  namespace: Namespace;
  key: SasKey;
}): Promise<AmqpServer> {
  const { namespace, key } = options;
  const container = rhea.create_container({ id: "servicebus-emulator" });
  const incoming = new WeakMap<Receiver, IncomingRole>();
  const outgoing = new WeakMap<Sender, OutgoingLink>();
  const sockets = new Set<Socket>();
  const connections = new Set<Connection>();

  const onSender = (context: EventContext, action: (link: OutgoingLink) => void): void => {
    const link = context.sender ? outgoing.get(context.sender) : undefined;
    if (link) action(link);
  };
  const settle = (
    context: EventContext,
    disposition: (state: RemoteOutcome | undefined) => Disposition,
  ): void => {
    const delivery = context.delivery;
    if (!delivery) return;
    onSender(context, (link) =>
      link.onDisposition(delivery, disposition(delivery.remote_state as RemoteOutcome)),
    );
  };

  container.on("session_open", (context: EventContext) => {
    if (context.session)
      measureTransfers(context.session, (receiver) => localAttach(receiver).max_message_size);
  });
  container.on("receiver_open", (context: EventContext) => {
    const receiver = context.receiver;
    if (!receiver) return;
    const role = openIncoming(receiver, namespace);
    if (role) incoming.set(receiver, role);
  });
  container.on("sender_open", (context: EventContext) => {
    const sender = context.sender;
    if (!sender) return;
    const link = openOutgoing(sender, namespace);
    if (link) outgoing.set(sender, link);
  });
  container.on("message", (context: EventContext) => {
    const { receiver, delivery, message } = context;
    const role = receiver ? incoming.get(receiver) : undefined;
    if (!receiver || !role || !delivery || message === undefined) return;
    if (role.kind === "entity") {
      receiveTransfer(namespace, role.target, delivery, message, transferSize(receiver));
      return;
    }
    delivery.accept();
    if (role.kind === "cbs") handleCbsRequest(context.connection, message, key);
    else handleManagementRequest(context.connection, role.address, message, namespace);
  });
  container.on("sendable", (context: EventContext) => onSender(context, (link) => link.onCredit()));
  container.on("sender_draining", (context: EventContext) => onSender(context, (link) => link.onDraining()));
  container.on("accepted", (context: EventContext) => settle(context, () => ({ kind: "complete" })));
  container.on("rejected", (context: EventContext) => settle(context, rejectedDisposition));
  container.on("modified", (context: EventContext) => settle(context, modifiedDisposition));
  container.on("released", (context: EventContext) => settle(context, () => ({ kind: "abandon" })));
  container.on("sender_close", (context: EventContext) => onSender(context, (link) => link.onDetached()));
  // A session or connection can end without detaching its links first; its receivers are gone all the same, and
  // their locked messages must become available (and nothing more may be sent to them).
  const dropSession = (context: EventContext): void => {
    const session = context.session;
    if (!session) return;
    for (const link of connectionState(context.connection).linksIn(session)) link.onDetached();
  };
  const dropConnection = (context: EventContext): void => {
    connections.delete(context.connection);
    for (const link of [...connectionState(context.connection).links]) link.onDetached();
  };
  container.on("connection_open", (context: EventContext) => connections.add(context.connection));
  container.on("session_close", dropSession);
  container.on("connection_close", dropConnection);
  container.on("disconnected", dropConnection);
  // Client misbehaviour must not bring the emulator down; rhea throws on unhandled error events.
  for (const event of [
    "error",
    "connection_error",
    "session_error",
    "sender_error",
    "receiver_error",
    "protocol_error",
  ]) {
    container.on(event, (c: unknown) => console.error("EMU", event, c));
  }

  return new Promise((resolve, reject) => {
    // Without treat_modified_as_released, rhea would report an abandon or defer twice (modified and released).
    const senderOptions = { treat_modified_as_released: false } as SenderOptions;
    const server: Server = container.listen({
      port: options.port,
      host: options.host,
      // Small frames let an oversized transfer be refused after 64 KiB more than the limit, not after all of it.
      max_frame_size: MAX_FRAME_BYTES,
      sender_options: senderOptions,
      receiver_options: { autoaccept: false, credit_window: 1000 },
    });
    server.on("connection", (socket: Socket) => {
      sockets.add(socket);
      coalesceWrites(socket);
      socket.on("close", () => sockets.delete(socket));
    });
    server.once("error", reject);
    server.once("listening", () => {
      const port = (server.address() as AddressInfo).port;
      resolve({
        port,
        diagnostics: () => {
          const states = [...connections].map(connectionState);
          return {
            connections: connections.size,
            receivingLinks: states.reduce((sum, state) => sum + state.links.size, 0),
            cbsGrants: states.reduce((sum, state) => sum + state.grantCount, 0),
            sessionEntries: namespace.sessionEntryCount(),
          };
        },
        close: () =>
          new Promise<void>((done) => {
            namespace.close();
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

/**
 * rhea writes every frame with its own socket.write. Corking until the current batch of work is done turns the
 * frames of one processing pass into one write, and disabling Nagle's algorithm keeps small replies from waiting
 * for the client's delayed acknowledgements.
 */
function coalesceWrites(socket: Socket): void {
  socket.setNoDelay(true);
  const write = socket.write;
  let corked = false;
  socket.write = function (this: Socket, ...args: Parameters<Socket["write"]>): boolean {
    if (!corked) {
      corked = true;
      socket.cork();
      process.nextTick(() => {
        corked = false;
        socket.uncork();
      });
    }
    return write.apply(this, args);
  } as Socket["write"];
}
