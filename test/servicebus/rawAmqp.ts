// A bare AMQP client (rhea) for the tests that must see what the SDK hides: exact credit and drain handling,
// sessions ended without detaching their links, and the outcome of refused transfers.
import { createHmac, randomUUID } from "node:crypto";
import rhea, {
  type Connection,
  type Delivery,
  type EventContext,
  type Message,
  type Receiver,
  type ReceiverOptions,
  type Sender,
  type SenderOptions,
  type Session,
} from "rhea";

const KEY_NAME = "RootManageSharedAccessKey";
const KEY = "SAS_KEY_VALUE";

export interface RawClient {
  readonly connection: Connection;
  readonly endpoint: string;
  /** Puts a CBS token for the entity path so that links to it are authorized (until the expiry, in seconds). */
  authorize(entityPath: string, expirySeconds?: number): Promise<void>;
  /** A new AMQP session, so that a test can end it without detaching its links. */
  session(): Session;
  close(): Promise<void>;
}

export function sasToken(resource: string, expirySeconds = Math.floor(Date.now() / 1000) + 600): string {
  const sr = encodeURIComponent(resource);
  const sig = encodeURIComponent(
    createHmac("sha256", KEY).update(`${sr}\n${expirySeconds}`).digest("base64"),
  );
  return `SharedAccessSignature sr=${sr}&sig=${sig}&se=${expirySeconds}&skn=${KEY_NAME}`;
}

function once<T>(
  emitter: { once(event: string, listener: (context: EventContext) => void): unknown },
  event: string,
  pick: (context: EventContext) => T,
): Promise<T> {
  return new Promise((resolve) => emitter.once(event, (context) => resolve(pick(context))));
}

export async function connectRaw(port: number): Promise<RawClient> {
  const container = rhea.create_container({ id: `raw-${randomUUID()}` });
  const connection = container.connect({ host: "127.0.0.1", port, reconnect: false });
  await once(connection, "connection_open", () => undefined);
  const endpoint = `sb://localhost:${port}`;
  const replies = connection.open_receiver({ name: `cbs-${randomUUID()}`, source: { address: "$cbs" } });
  const requests = connection.open_sender({ target: { address: "$cbs" } });
  await once(requests, "sendable", () => undefined);
  return {
    connection,
    endpoint,
    async authorize(entityPath, expirySeconds) {
      const audience = `${endpoint}/${entityPath}`;
      const messageId = randomUUID();
      const answered = new Promise<Message>((resolve) => {
        const listener = (context: EventContext): void => {
          if (context.message?.correlation_id !== messageId) return;
          replies.removeListener("message", listener);
          resolve(context.message);
        };
        replies.on("message", listener);
      });
      requests.send({
        message_id: messageId,
        reply_to: replies.name,
        to: "$cbs",
        application_properties: {
          operation: "put-token",
          type: "servicebus.windows.net:sastoken",
          name: audience,
        },
        body: sasToken(audience, expirySeconds),
      });
      const reply = await answered;
      const status = (reply.application_properties as Record<string, unknown> | undefined)?.["status-code"];
      if (status !== 202) throw new Error(`CBS refused the token for ${audience}: ${String(status)}`);
    },
    session() {
      const session = connection.create_session();
      session.begin();
      return session;
    },
    async close() {
      const closed = once(connection, "connection_close", () => undefined);
      connection.close();
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 1000))]);
    },
  };
}

export function openReceiver(owner: Connection | Session, options: ReceiverOptions): Promise<Receiver> {
  const receiver = owner.open_receiver(options);
  return once(receiver, "receiver_open", () => receiver);
}

export function openSender(owner: Connection | Session, options: SenderOptions): Promise<Sender> {
  const sender = owner.open_sender(options);
  return once(sender, "sendable", () => sender);
}

/** Sends one transfer and resolves with the outcome the emulator settled it with. */
export function sendAndSettle(sender: Sender, message: Message | Buffer, format?: number): Promise<Delivery> {
  return new Promise((resolve) => {
    const delivery =
      format === undefined
        ? sender.send(message as Message)
        : sender.send(message as Buffer, undefined, format);
    const listener = (context: EventContext): void => {
      if (context.delivery !== delivery) return;
      for (const event of ["accepted", "rejected", "released", "modified"])
        sender.removeListener(event, listener);
      resolve(delivery);
    };
    for (const event of ["accepted", "rejected", "released", "modified"]) sender.on(event, listener);
  });
}

/** Encodes messages as one batch transfer, the way the SDK does for an array: one data section per message. */
export function encodeBatch(messages: Message[]): Buffer {
  const sections = messages.map((message) => rhea.message.encode(message));
  return rhea.message.encode({ body: rhea.message.data_sections(sections) } as Message);
}

export const BATCH_FORMAT = 0x80013700;

/** The body of a message the SDK sent: its JSON, carried in a data section. */
export function sdkBody(body: unknown): unknown {
  const content = (body as { content?: unknown } | undefined)?.content;
  return Buffer.isBuffer(content) ? JSON.parse(content.toString("utf8")) : body;
}
