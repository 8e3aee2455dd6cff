// Sends a request-response reply (CBS or $management) on the client's reply link, found by name or address.
import type { Connection, Message, Sender } from "rhea";

export function replyLink(connection: Connection, replyTo: string): Sender | undefined {
  const found: unknown = connection.find_sender(
    (sender: Sender) => sender.name === replyTo || sender.target?.address === replyTo,
  );
  return found as Sender | undefined;
}

export function sendReply(connection: Connection, request: Message, reply: Message): void {
  const replyTo = typeof request.reply_to === "string" ? request.reply_to : undefined;
  if (replyTo === undefined) return;
  const link = replyLink(connection, replyTo);
  if (!link) return;
  link.send({ ...reply, correlation_id: request.message_id, to: replyTo } as Message);
}
