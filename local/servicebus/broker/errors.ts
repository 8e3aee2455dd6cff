// Broker failures carry the AMQP error condition the SDK maps to its own error codes
// (amqp:not-found → MessagingEntityNotFound, com.microsoft:message-lock-lost → MessageLockLost, ...).

export const Condition = {
  notFound: "amqp:not-found",
  unauthorized: "amqp:unauthorized-access",
  messageNotFound: "com.microsoft:message-not-found",
  lockLost: "com.microsoft:message-lock-lost",
  sessionLockLost: "com.microsoft:session-lock-lost",
  sessionCannotBeLocked: "com.microsoft:session-cannot-be-locked",
  argumentError: "com.microsoft:argument-error",
  notAllowed: "amqp:not-allowed",
  tooLarge: "amqp:link:message-size-exceeded",
  timeout: "com.microsoft:timeout",
  internal: "amqp:internal-error",
  notImplemented: "amqp:not-implemented",
} as const;

export type ConditionName = (typeof Condition)[keyof typeof Condition];

/** HTTP-like status codes the management node pairs with each condition. */
export const STATUS_BY_CONDITION: Record<ConditionName, number> = {
  "amqp:not-found": 404,
  "amqp:unauthorized-access": 401,
  "com.microsoft:message-not-found": 404,
  "com.microsoft:message-lock-lost": 410,
  "com.microsoft:session-lock-lost": 410,
  "com.microsoft:session-cannot-be-locked": 410,
  "com.microsoft:argument-error": 400,
  "amqp:not-allowed": 400,
  "amqp:link:message-size-exceeded": 413,
  "com.microsoft:timeout": 408,
  "amqp:internal-error": 500,
  "amqp:not-implemented": 501,
};

export class BrokerError extends Error {
  constructor(
    readonly condition: ConditionName,
    message: string,
  ) {
    super(message);
  }
}

export const lockLost = (): BrokerError =>
  new BrokerError(
    Condition.lockLost,
    "The lock supplied is invalid. Either the lock expired, or the message has already been removed from the queue.",
  );
