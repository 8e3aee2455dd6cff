// The `<entity>/$management` node: request-response operations keyed by `operation`, answered with the
// camelCase statusCode / statusDescription / errorCondition properties that the SDK reads.
import type { Connection, Message } from "rhea";
import { BrokerError, Condition, STATUS_BY_CONDITION } from "../broker/errors.js";
import type { Namespace } from "../broker/namespace.js";
import { messageOperations } from "./messageOps.js";
import type { Operation } from "./operation.js";
import { sendReply } from "./replies.js";
import { ruleOperations } from "./ruleOps.js";
import { sessionOperations } from "./sessionOps.js";

const OPERATIONS: Record<string, Operation> = {
  ...messageOperations,
  ...sessionOperations,
  ...ruleOperations,
};

export function handleManagementRequest(
  connection: Connection,
  address: string,
  request: Message,
  namespace: Namespace,
): void {
  const properties = (request.application_properties ?? {}) as Record<string, unknown>;
  const operationName = String(properties.operation ?? "");
  const entityPath = address.replace(/\/\$management$/i, "");
  const body =
    request.body && typeof request.body === "object" && !Buffer.isBuffer(request.body)
      ? (request.body as Record<string, unknown>)
      : {};
  let reply: Message;
  try {
    const operation = OPERATIONS[operationName];
    if (!operation) {
      throw new BrokerError(Condition.notImplemented, `The operation '${operationName}' is not supported.`);
    }
    const result = operation({ entityPath, body, namespace, now: Date.now() });
    reply =
      result.status === 204
        ? ({
            body: undefined,
            application_properties: { statusCode: 204, statusDescription: "No Content" },
          } as Message)
        : ({
            body: result.body,
            application_properties: { statusCode: 200, statusDescription: "OK" },
          } as Message);
  } catch (error) {
    const condition = error instanceof BrokerError ? error.condition : Condition.internal;
    reply = {
      body: undefined,
      application_properties: {
        statusCode: STATUS_BY_CONDITION[condition],
        statusDescription: (error as Error).message,
        errorCondition: condition,
      },
    } as Message;
  }
  sendReply(connection, request, reply);
}
