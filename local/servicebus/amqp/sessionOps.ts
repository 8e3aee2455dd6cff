// $management operations on sessions: renew the session lock, and get or set the session state.
import { BrokerError, Condition } from "../broker/errors.js";
import { type Operation, ok } from "./operation.js";

function sessionId(body: Record<string, unknown>): string {
  const value = body["session-id"];
  if (typeof value !== "string") throw new BrokerError(Condition.argumentError, "session-id is required.");
  return value;
}

export const sessionOperations: Record<string, Operation> = {
  "com.microsoft:renew-session-lock": ({ entityPath, body, namespace, now }) => {
    const entity = namespace.receiveEntity(entityPath);
    const until = entity.sessions.renew(sessionId(body), now + entity.settings.lockDurationMs, now);
    if (until === undefined) {
      throw new BrokerError(
        Condition.sessionLockLost,
        "The session lock has expired or the session is not locked.",
      );
    }
    return ok({ expiration: new Date(until) });
  },

  "com.microsoft:get-session-state": ({ entityPath, body, namespace }) => {
    const entity = namespace.receiveEntity(entityPath);
    return ok({ "session-state": entity.sessions.getState(sessionId(body)) ?? null });
  },

  "com.microsoft:set-session-state": ({ entityPath, body, namespace }) => {
    const entity = namespace.receiveEntity(entityPath);
    const state = body["session-state"];
    entity.sessions.setState(sessionId(body), Buffer.isBuffer(state) ? state : undefined);
    return ok();
  },
};
