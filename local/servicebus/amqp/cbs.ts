// The $cbs node: put-token requests carry a SAS token per link; a valid one grants its connection access to the
// token's entity, an invalid or expired one is answered 401 so the SDK reports it as unauthorized.
import type { Connection, Message } from "rhea";
import { connectionState } from "./connectionState.js";
import { sendReply } from "./replies.js";
import { type SasKey, verifySasToken } from "./sas.js";

export function handleCbsRequest(connection: Connection, request: Message, key: SasKey): void {
  const properties = (request.application_properties ?? {}) as Record<string, unknown>;
  const operation = properties.operation;
  const audience = typeof properties.name === "string" ? properties.name : "";
  const type = properties.type;
  const token = typeof request.body === "string" ? request.body : "";

  if (operation !== "put-token") {
    sendReply(connection, request, status(400, "Only put-token is supported.", "amqp:not-implemented"));
    return;
  }
  if (type !== "servicebus.windows.net:sastoken") {
    sendReply(connection, request, status(401, "Only SAS tokens are accepted.", "amqp:unauthorized-access"));
    return;
  }
  const now = Date.now();
  const verdict = verifySasToken(token, audience, key, now);
  if (!verdict.ok) {
    sendReply(
      connection,
      request,
      status(401, `Unauthorized: ${verdict.reason}.`, "amqp:unauthorized-access"),
    );
    return;
  }
  connectionState(connection).grant(verdict.resourcePath, verdict.expiresAt, now);
  sendReply(connection, request, status(202, "Accepted"));
}

function status(code: number, description: string, condition?: string): Message {
  const application_properties: Record<string, unknown> = {
    "status-code": code,
    "status-description": description,
  };
  if (condition) application_properties["error-condition"] = condition;
  return { body: undefined, application_properties } as Message;
}
