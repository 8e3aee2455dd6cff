// Runs the Service Bus triggers as the Functions host does: a peek-lock receiver per function, the message body
// and trigger metadata handed to the handler, complete on success (when autoCompleteMessages is on; otherwise
// the message is left for its lock to lapse, as a Node.js handler cannot settle it), abandon on a thrown error,
// the lock renewed for up to maxAutoLockRenewalDuration, and at most maxConcurrentCalls handlers at once per
// function (all three from host.json extensions.serviceBus). close() drains as the host does when it stops:
// no new message is taken, running handlers finish and their messages are settled, then the receivers close.
import { randomUUID } from "node:crypto";
import {
  ServiceBusClient,
  type ServiceBusReceivedMessage,
  type ServiceBusReceiver,
} from "@azure/service-bus";
import type {
  ServiceBusQueueFunctionDefinition,
  ServiceBusTopicFunctionDefinition,
} from "../../functions/definition.js";
import { InvocationContext } from "./functionsLibrary.js";

export type ServiceBusFunction = ServiceBusTopicFunctionDefinition | ServiceBusQueueFunctionDefinition;

export type ServiceBusPumpOptions = {
  /** App settings: each function's `connection` names the setting that holds its connection string. */
  settings: Readonly<Record<string, string | undefined>>;
  maxConcurrentCalls: number;
  /** The host's defaults: true and five minutes. */
  autoCompleteMessages?: boolean;
  maxAutoLockRenewalDurationInMs?: number;
  log?: (line: string) => void;
};

export type ServiceBusPump = { close(): Promise<void> };

/** The trigger metadata the Functions host passes for a Service Bus message (the fields our handlers read). */
function triggerMetadata(message: ServiceBusReceivedMessage): Record<string, unknown> {
  return {
    messageId: message.messageId,
    correlationId: message.correlationId,
    contentType: message.contentType,
    subject: message.subject,
    label: message.subject,
    to: message.to,
    replyTo: message.replyTo,
    sessionId: message.sessionId,
    // On the wire Service Bus counts earlier deliveries; the host's .NET SDK adds one, so a first delivery is 1.
    deliveryCount: (message.deliveryCount ?? 0) + 1,
    sequenceNumber: message.sequenceNumber?.toNumber(),
    enqueuedTimeUtc: message.enqueuedTimeUtc?.toISOString(),
    expiresAtUtc: message.expiresAtUtc?.toISOString(),
    lockedUntilUtc: message.lockedUntilUtc?.toISOString(),
    deadLetterSource: message.deadLetterSource,
    applicationProperties: message.applicationProperties ?? {},
    userProperties: message.applicationProperties ?? {},
  };
}

function receiverFor(
  client: ServiceBusClient,
  fn: ServiceBusFunction,
  lockRenewalMs: number,
): ServiceBusReceiver {
  const options = { receiveMode: "peekLock" as const, maxAutoLockRenewalDurationInMs: lockRenewalMs };
  return fn.kind === "serviceBusTopic"
    ? client.createReceiver(fn.options.topicName, fn.options.subscriptionName, options)
    : client.createReceiver(fn.options.queueName, options);
}

export function startServiceBusPump(
  functions: readonly ServiceBusFunction[],
  options: ServiceBusPumpOptions,
): ServiceBusPump {
  const log = options.log ?? (() => {});
  const clients = new Map<string, ServiceBusClient>();
  const receivers: ServiceBusReceiver[] = [];
  const subscriptions: { close(): Promise<void> }[] = [];
  const running = new Set<Promise<void>>();
  let closing = false;

  for (const fn of functions) {
    const connectionString = options.settings[fn.options.connection];
    if (!connectionString)
      throw new Error(`Setting ${fn.options.connection} (connection of ${fn.name}) is not set`);
    let client = clients.get(connectionString);
    if (!client) {
      client = new ServiceBusClient(connectionString);
      clients.set(connectionString, client);
    }
    const receiver = receiverFor(client, fn, options.maxAutoLockRenewalDurationInMs ?? 5 * 60_000);
    receivers.push(receiver);
    const handle = async (message: ServiceBusReceivedMessage) => {
      if (closing) {
        // Taken while the host was stopping: handed back at once for another instance or the next start.
        await receiver.abandonMessage(message);
        return;
      }
      const context = new InvocationContext({
        invocationId: randomUUID(),
        functionName: fn.name,
        triggerMetadata: triggerMetadata(message),
        logHandler: (level, ...args) => log(`[${level}] ${args.map(String).join(" ")}`),
      });
      try {
        await fn.options.handler(message.body, context);
      } catch (error) {
        log(
          `[warn] ${fn.name} failed (${error instanceof Error ? error.name : "error"}); the message is abandoned`,
        );
        await receiver.abandonMessage(message);
        return;
      }
      if (options.autoCompleteMessages ?? true) await receiver.completeMessage(message);
    };
    const subscription = receiver.subscribe(
      {
        processMessage: async (message) => {
          const run = handle(message);
          running.add(run);
          try {
            await run;
          } finally {
            running.delete(run);
          }
        },
        processError: async ({ error, errorSource }) => {
          log(`[warn] ${fn.name} receiver (${errorSource}): ${error.name}`);
        },
      },
      { autoCompleteMessages: false, maxConcurrentCalls: options.maxConcurrentCalls },
    );
    subscriptions.push(subscription);
  }

  return {
    async close() {
      closing = true;
      // Stopping the receivers and closing the connections need the broker; when it has gone away the SDK would
      // wait for its own timeouts, so each step waits a few seconds at most. Running handlers are always awaited.
      await settledWithin(
        SUBSCRIPTION_CLOSE_MS,
        subscriptions.map((subscription) => subscription.close()),
      );
      while (running.size > 0) await Promise.allSettled([...running]);
      await settledWithin(
        SUBSCRIPTION_CLOSE_MS,
        receivers.map((receiver) => receiver.close()),
      );
      await settledWithin(
        SUBSCRIPTION_CLOSE_MS,
        [...clients.values()].map((client) => client.close()),
      );
    },
  };
}

/** How long each step of close() that needs the broker may take before close() goes on regardless. */
const SUBSCRIPTION_CLOSE_MS = 3_000;

async function settledWithin(ms: number, promises: readonly Promise<unknown>[]): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const elapsed = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  await Promise.race([Promise.allSettled(promises), elapsed]);
  clearTimeout(timer);
}
