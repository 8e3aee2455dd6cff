// The "null broker": the least an AMQP 1.0 peer must do for @azure/service-bus to send, receive and complete,
// with no Service Bus semantics (no locks, filters, sessions, dead letters, duplicate detection or persistence).
// It grants every CBS token, keeps each address's messages in a list, hands them out as receivers give credit,
// and forgets a message once its receiver settles it. It is the ceiling the Service Bus emulator is held to.
// Run: node --import tsx bench/nullBroker.ts; prints `listening on port N`.
import { randomBytes, randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import rhea, { type Message, type Sender } from "rhea";
import { acceptedOutcome, linkCredit, unsentDeliveries } from "../local/servicebus/amqp/rheaTypes.js";

const BATCH_FORMAT = 0x80013700;
const queues = new Map<string, Message[]>();
const receivers = new Map<string, Sender[]>();
const queueOf = (address: string) => queues.get(address) ?? queues.set(address, []).get(address) ?? [];

function unpackBatch(envelope: Buffer): Message[] {
  const body = rhea.message.decode(envelope).body as { content?: Buffer | Buffer[]; multiple?: boolean };
  const parts = body.multiple ? (body.content as Buffer[]) : [body.content as Buffer];
  return parts.map((part) => rhea.message.decode(part) as unknown as Message);
}

/**
 * Hands queued messages to the address's receivers while they have credit. rhea takes a message from the credit
 * only once it transfers it, after this event, so the messages sent here and not yet transferred are counted off.
 */
const hasCredit = (sender: Sender) => sender.sendable() && linkCredit(sender) > unsentDeliveries(sender);

function pump(address: string): void {
  const queue = queueOf(address);
  for (const sender of receivers.get(address) ?? []) {
    while (queue.length > 0 && hasCredit(sender)) {
      // The SDK reads a peek-lock message's lock token from its 16-byte delivery tag.
      sender.send(queue.shift() as Message, randomBytes(16));
    }
  }
}

const container = rhea.create_container({ id: "null-broker" });
container.on("sender_open", (context) => {
  const sender = context.sender as Sender;
  const address = sender.source?.address ?? "";
  sender.set_source(sender.source);
  sender.set_target(sender.target);
  receivers.set(address, [...(receivers.get(address) ?? []), sender]);
});
container.on("receiver_open", (context) => {
  const receiver = context.receiver;
  receiver?.set_source(receiver.source);
  receiver?.set_target(receiver.target);
});
container.on("sendable", (context) => pump(context.sender?.source?.address ?? ""));
container.on("sender_close", (context) => {
  const address = context.sender?.source?.address ?? "";
  receivers.set(
    address,
    (receivers.get(address) ?? []).filter((sender) => sender !== context.sender),
  );
});
container.on("message", (context) => {
  const message = context.message as Message;
  const address = context.receiver?.target?.address ?? "";
  if (address === "$cbs") {
    const reply = context.connection.find_sender(
      (sender: Sender) => sender.name === message.reply_to || sender.target?.address === message.reply_to,
    );
    reply?.send({
      correlation_id: message.message_id,
      to: message.reply_to,
      application_properties: { "status-code": 202, "status-description": "Accepted" },
    });
    return;
  }
  // A batch (message format 0x80013700) arrives undecoded: an envelope whose data sections each hold one message.
  const batch =
    context.delivery?.format === BATCH_FORMAT ? unpackBatch(context.message as unknown as Buffer) : [message];
  for (const one of batch) {
    // The SDK tracks a received message by its id and times its lock renewal from its locked-until annotation.
    queueOf(address).push({
      ...one,
      message_id: one.message_id ?? randomUUID(),
      message_annotations: {
        ...one.message_annotations,
        "x-opt-locked-until": new Date(Date.now() + 60_000),
      },
    });
  }
  pump(address);
});

// The SDK settles in the second mode: it waits for the broker to settle each outcome it reports, and then forgets
// the delivery without telling the broker, so rhea is told it is settled on both sides (else its session buffer of
// 2,048 deliveries fills and sending stops). Whatever the outcome, the message is gone: the workloads only complete.
for (const outcome of ["accepted", "released", "rejected", "modified"] as const) {
  container.on(outcome, (context) => {
    const delivery = context.delivery;
    if (!delivery) return;
    delivery.update(true, acceptedOutcome());
    (delivery as { remote_settled: boolean }).remote_settled = true;
  });
}

const server = container.listen({ port: Number(process.env.PORT ?? 0), host: "127.0.0.1" });
server.once("listening", () => console.log(`listening on port ${(server.address() as AddressInfo).port}`));
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => server.close(() => process.exit(0)));
