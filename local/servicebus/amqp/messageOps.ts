// $management operations on messages: renew-lock, peek, schedule and cancel, receive deferred messages by
// sequence number, and settlement by lock token (used for deferred messages and when the receiving link is gone).
import rhea from "rhea";
import type { ReceiveMode } from "../broker/consumer.js";
import { BrokerError, Condition } from "../broker/errors.js";
import { type Disposition, peek, receiveDeferred, renewLock, settle } from "../broker/settlement.js";
import { deliveryMessage } from "./deliveryMessage.js";
import { decodeMessage, longValue, uuidText } from "./encoding.js";
import { noContent, type Operation, ok } from "./operation.js";

const TIMESTAMP_ARRAY = 0x83;

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
}

function lockTokens(body: Record<string, unknown>): string[] {
  return list(body["lock-tokens"]).map((value) => {
    const token = uuidText(value);
    if (token === undefined) throw new BrokerError(Condition.argumentError, "lock-tokens must be uuids.");
    return token;
  });
}

function sequenceNumbers(body: Record<string, unknown>): number[] {
  return list(body["sequence-numbers"]).map((value) => {
    const n = longValue(value);
    if (n === undefined) throw new BrokerError(Condition.argumentError, "sequence-numbers must be longs.");
    return n;
  });
}

const optionalString = (value: unknown): string | undefined =>
  typeof value === "string" ? value : undefined;

function propertiesToModify(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === "object" && !Buffer.isBuffer(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function disposition(body: Record<string, unknown>): Disposition {
  const properties = propertiesToModify(body["properties-to-modify"]);
  switch (body["disposition-status"]) {
    case "completed":
      return { kind: "complete" };
    case "abandoned":
      return properties ? { kind: "abandon", properties } : { kind: "abandon" };
    case "defered":
    case "deferred":
      return properties ? { kind: "defer", properties } : { kind: "defer" };
    case "suspended": {
      const result: Disposition = { kind: "deadLetter" };
      const reason = optionalString(body["deadletter-reason"]);
      const description = optionalString(body["deadletter-description"]);
      if (reason !== undefined) result.reason = reason;
      if (description !== undefined) result.description = description;
      if (properties) result.properties = properties;
      return result;
    }
    default:
      throw new BrokerError(
        Condition.argumentError,
        `Unknown disposition-status '${String(body["disposition-status"])}'.`,
      );
  }
}

export const messageOperations: Record<string, Operation> = {
  "com.microsoft:renew-lock": ({ entityPath, body, namespace, now }) => {
    const entity = namespace.receiveEntity(entityPath);
    const expirations = lockTokens(body).map((token) => new Date(renewLock(entity, token, now)));
    return ok({ expirations: rhea.types.wrap_array(expirations, TIMESTAMP_ARRAY, undefined) });
  },

  "com.microsoft:update-disposition": ({ entityPath, body, namespace, now }) => {
    const entity = namespace.receiveEntity(entityPath);
    const outcome = disposition(body);
    for (const token of lockTokens(body)) settle(entity, token, outcome, now);
    return ok();
  },

  "com.microsoft:peek-message": ({ entityPath, body, namespace }) => {
    const entity = namespace.receiveEntity(entityPath);
    const from = longValue(body["from-sequence-number"]) ?? 1;
    const count = typeof body["message-count"] === "number" ? body["message-count"] : 1;
    const records = peek(entity, from, count, optionalString(body["session-id"]));
    if (records.length === 0) return noContent();
    const messages = records.map((record) => ({
      message: rhea.message.encode(deliveryMessage(record, record.deliveryCount, record.lock?.until)),
    }));
    return ok({ messages: rhea.types.wrap_list(messages) });
  },

  "com.microsoft:receive-by-sequence-number": ({ entityPath, body, namespace, now }) => {
    const entity = namespace.receiveEntity(entityPath);
    const mode: ReceiveMode = body["receiver-settle-mode"] === 0 ? "receiveAndDelete" : "peekLock";
    const received = receiveDeferred(
      entity,
      sequenceNumbers(body),
      mode,
      now,
      optionalString(body["session-id"]),
    );
    const messages = received.map((item) => {
      const entry: Record<string, unknown> = {
        message: rhea.message.encode(deliveryMessage(item.record, item.deliveryCount, item.lockedUntil)),
      };
      if (item.lockToken) entry["lock-token"] = rhea.types.wrap_uuid(rhea.string_to_uuid(item.lockToken));
      return entry;
    });
    return ok({ messages: rhea.types.wrap_list(messages) });
  },

  "com.microsoft:schedule-message": ({ entityPath, body, namespace, now }) => {
    const target = namespace.sendTarget(entityPath);
    const messages = list(body.messages).map((entry) => {
      const encoded = (entry as Record<string, unknown> | undefined)?.message;
      if (!Buffer.isBuffer(encoded))
        throw new BrokerError(Condition.argumentError, "Each entry needs a message.");
      return decodeMessage(encoded);
    });
    const numbers = namespace.send(target, messages, now).map((n) => rhea.types.wrap_long(n ?? 0));
    return ok({ "sequence-numbers": rhea.types.wrap_list(numbers) });
  },

  "com.microsoft:cancel-scheduled-message": ({ entityPath, body, namespace }) => {
    const target = namespace.sendTarget(entityPath);
    for (const sequenceNumber of sequenceNumbers(body)) namespace.cancelScheduled(target, sequenceNumber);
    return ok();
  },
};
