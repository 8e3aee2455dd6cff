// What a Service Bus triggered function reads from its invocation: the message as the consumers' use cases take
// it, and a logger that puts the message's correlation id on every line, so that one share can be followed from
// the portal callback to the trust.
import type { InvocationContext } from "@azure/functions";
import type { ReceivedMessage } from "../../app/ports.js";
import { describeError, invocationLogger, type Logger } from "../../log.js";
import { contextFrom, inSpan, SpanKind } from "../../telemetry/tracing.js";

const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

const textOf = (value: unknown) => (typeof value === "string" && value !== "" ? value : undefined);

export function receivedMessage(body: unknown, context: InvocationContext, source: string): ReceivedMessage {
  const metadata = context.triggerMetadata ?? {};
  const properties = (metadata.applicationProperties ?? metadata.userProperties ?? {}) as Record<
    string,
    unknown
  >;
  const correlationId = textOf(metadata.correlationId) ?? textOf(properties.correlationId);
  return {
    body,
    messageId: textOf(metadata.messageId),
    // Only a safe token goes on log lines and onward messages; anything else is dropped, not echoed.
    correlationId:
      correlationId !== undefined && CORRELATION_ID.test(correlationId) ? correlationId : undefined,
    applicationProperties: properties,
    source,
  };
}

/**
 * How long a failed consumer holds its message before the host abandons it: Service Bus redelivers an abandoned
 * message at once, so without a pause a dependency down for a few seconds would see every redelivery fail and the
 * broker dead-letter the message after MaxDeliveryCount (10) within a second. Doubling from 250 ms, at most 30 s,
 * the ten deliveries span about a minute and a half; the host renews the lock meanwhile.
 */
export const redeliveryPauseMs = (deliveryCount: number) =>
  Math.min(30_000, 250 * 2 ** Math.max(0, Math.min(deliveryCount, 20) - 1));

/**
 * Runs a consumer with a logger that carries the correlation and message ids; a failure is logged and thrown
 * after a pause that grows with the delivery count.
 */
export async function consume<T>(
  context: InvocationContext,
  message: ReceivedMessage,
  run: (log: Logger) => Promise<T>,
): Promise<T> {
  const metadata = context.triggerMetadata ?? {};
  const deliveryCount = typeof metadata.deliveryCount === "number" ? metadata.deliveryCount : undefined;
  const log = invocationLogger(context, {
    correlationId: message.correlationId ?? "none",
    messageId: message.messageId,
    deliveryCount,
  });
  // The message's own trace context first: the Functions host does not always continue it (docs/operators.md, "Following one share").
  const parent =
    contextFrom(message.applicationProperties) ??
    contextFrom(
      context.traceContext?.traceParent ? { traceparent: context.traceContext.traceParent } : undefined,
    );
  try {
    return await inSpan(
      `process ${message.source}`,
      {
        kind: SpanKind.CONSUMER,
        parent,
        attributes: {
          "faas.name": context.functionName,
          "messaging.system": "servicebus",
          "messaging.operation.type": "process",
          "messaging.destination.name": message.source,
          ...(message.messageId === undefined ? {} : { "messaging.message.id": message.messageId }),
          ...(deliveryCount === undefined
            ? {}
            : { "messaging.servicebus.message.delivery_count": deliveryCount }),
        },
      },
      () => run(log),
    );
  } catch (error) {
    // The host abandons the message, and Service Bus redelivers it up to the entity's MaxDeliveryCount.
    const pauseMs = redeliveryPauseMs(deliveryCount ?? 1);
    log.error("share event consumer failed; the message will be redelivered", {
      ...describeError(error),
      pauseMs,
    });
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
    throw error;
  }
}
