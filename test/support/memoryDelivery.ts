// The delivery use case's world in memory (src/app/deliverShareEvent.ts): the event store, the payloads, a trust
// that answers pushes as the test says, the scheduled retries and the dead letters, with a clock the test moves
// and a fixed random draw. For unit tests of the deliverer alone; the emulators serve the integration tests.
import type { DeliverDeps } from "../../src/app/deliverShareEvent.js";
import type {
  DeliveryDeadLetters,
  DeliveryRetry,
  DeliveryScheduler,
  ReceivedMessage,
  SetPusher,
  SetPushOptions,
  SetSigner,
  StreamEventSigner,
} from "../../src/app/ports.js";
import type { PushResult } from "../../src/domain/shareDelivery.js";
import { CREDENTIALS_SHARED_EVENT, mintEvent, type ShareEvent } from "../../src/domain/shareEvent.js";
import { implicitStream } from "../../src/domain/stream.js";
import type { Trust } from "../../src/domain/trust.js";
import { memoryAudit, memoryPayloads, memoryShareEvents, memoryTrusts } from "./memoryPorts.js";

export const ENDPOINT = "https://hr.rth.example/events";
export const DAY_MS = 86_400_000;

export const pushTrust: Trust = {
  id: "RTH",
  name: "Oxford University Hospitals NHS Foundation Trust",
  active: true,
  accessKeyType: "StaffPassportAccessKey",
  issuerDids: ["did:web:rth.example"],
  delivery: { mode: "push", endpoint: ENDPOINT },
};

/** Scheduled retries as the delivery queue would hold them, each with its time. */
export function memoryScheduler(): DeliveryScheduler & {
  scheduled: { retry: DeliveryRetry; at: Date; correlationId: string | undefined }[];
} {
  const scheduled: { retry: DeliveryRetry; at: Date; correlationId: string | undefined }[] = [];
  return {
    scheduled,
    async schedule(retry, at, correlationId) {
      scheduled.push({ retry, at, correlationId });
    },
  };
}

/** Dead letters as the operator would list them: a message's reason, or a delivery to replay with its reason. */
export function memoryDeliveryDeadLetters(): DeliveryDeadLetters & {
  messages: { message: ReceivedMessage; reason: string }[];
  deliveries: { retry: DeliveryRetry; reason: string; description: string }[];
  failing: boolean;
} {
  const store = {
    messages: [] as { message: ReceivedMessage; reason: string }[],
    deliveries: [] as { retry: DeliveryRetry; reason: string; description: string }[],
    failing: false,
    async deadLetter(message: ReceivedMessage, reason: string) {
      store.messages.push({ message, reason });
    },
    async deadLetterDelivery(
      retry: DeliveryRetry,
      _correlationId: string | undefined,
      reason: string,
      description: string,
    ) {
      if (store.failing) throw new Error("Service Bus is unreachable");
      store.deliveries.push({ retry, reason, description });
    },
  };
  return store;
}

/** A trust's endpoint that answers each push with the next result given (the last one for good), and counts. */
export function memoryPusher(...results: PushResult[]): SetPusher & {
  pushes: { endpoint: string; token: string; authorization?: string }[];
  answers: PushResult[];
} {
  const pushes: { endpoint: string; token: string; authorization?: string }[] = [];
  const answers = [...results];
  const push = async (endpoint: string, token: string, _timeoutMs: number, options?: SetPushOptions) => {
    pushes.push({
      endpoint,
      token,
      ...(options?.authorization === undefined ? {} : { authorization: options.authorization }),
    });
    const answer = answers.length > 1 ? answers.shift() : answers[0];
    if (answer === undefined) throw new Error("the test gave the trust no answer");
    return answer;
  };
  return Object.assign(push, { pushes, answers });
}

/** A signer whose token is the SET's content itself, so that a test reads what would have been signed. */
export const contentSigner: SetSigner = async (content, now) => ({
  token: JSON.stringify({ iat: Math.floor(now.getTime() / 1000), ...content }),
  kid: "key-1",
});

export const answered = (status: number, body = ""): PushResult => ({
  kind: "response",
  status,
  body,
  durationMs: 7,
});

/** Signs SSF's own events as contentSigner signs share events: the token is the content. */
export const streamContentSigner: StreamEventSigner = async (content, now) => ({
  token: JSON.stringify({ iat: Math.floor(now.getTime() / 1000), ...content }),
  kid: "key-1",
});

/** Every port of the deliverer in memory, a clock the test moves, and random draws of 0.5. */
export function deliveryWorld(trusts: Trust[] = [{ ...pushTrust }]) {
  let now = new Date();
  const clock = () => now;
  const directory = memoryTrusts(trusts);
  const deps = {
    events: memoryShareEvents(),
    trusts: directory,
    // Each trust's implicit stream, from its trust document as the test last left it.
    streams: {
      get: async (trustId: string) => {
        const trust = await directory.get(trustId);
        return trust === undefined ? undefined : implicitStream(trust);
      },
    },
    held: { oldestHeld: async () => undefined },
    payloads: memoryPayloads(),
    sign: contentSigner,
    signStream: streamContentSigner,
    push: memoryPusher(answered(202)),
    scheduler: memoryScheduler(),
    deadLetters: memoryDeliveryDeadLetters(),
    audit: memoryAudit(clock),
    clock,
    random: () => 0.5,
    retry: { maxAttempts: 3, firstDelayMs: 1_000, multiplier: 2, maxDelayMs: 1_500, jitter: 0.2 },
    timeoutMs: 10_000,
    retentionMs: 30 * DAY_MS,
  } satisfies DeliverDeps;
  return { deps, advance: (ms: number) => (now = new Date(now.getTime() + ms)) };
}

let minted = 0;

/** A share event for the trust, occurred now, with its payload (one claim value, `secret`) stored. */
export async function storedPayload(world: ReturnType<typeof deliveryWorld>, trustId = "RTH") {
  const occurredAt = world.deps.clock().toISOString();
  const secret = `secret-${++minted}`;
  const { event, payload } = mintEvent(
    { eventId: `event-${minted}`, trustId, occurredAt },
    {
      type: CREDENTIALS_SHARED_EVENT,
      data: {
        shareId: `share-${minted}`,
        trustId,
        subject: "did:jwk:holder",
        staff: { staffId: "S-1" },
        sharedAt: occurredAt,
        credentials: [
          {
            type: "StaffPassportDbsCheck",
            issuer: "did:web:dbs",
            revocationStatus: "VALID",
            claims: { secret },
          },
        ],
      },
    },
  );
  await world.deps.payloads.put(trustId, event.eventId, payload);
  return { event, secret };
}

/** The topic's message of an event: its first attempt. */
export const eventMessage = (event: ShareEvent, correlationId = "corr-1"): ReceivedMessage => ({
  body: event,
  messageId: event.eventId,
  correlationId,
  applicationProperties: { trustId: event.trustId, type: event.type },
  source: "share-events/subscriptions/deliver",
});

/** The delivery queue's message of a retry (a scheduled one, or a replayed dead letter). */
export const retryMessage = (retry: DeliveryRetry, correlationId = "corr-1"): ReceivedMessage => ({
  body: retry,
  messageId: `${retry.eventId}.${retry.attempt}`,
  correlationId,
  applicationProperties: { trustId: retry.trustId },
  source: "share-deliveries",
});
