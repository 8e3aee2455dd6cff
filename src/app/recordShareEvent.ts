// recordShareEvent: the `record` consumer of the share-events topic writes each event once into `shareEvents`.
// A redelivery finds the document already recorded and changes nothing; a malformed message is dead-lettered.
// A share that answers a credential request fulfils it here too, so that the request is fulfilled even when the
// callback's own attempt failed: a failure throws, and the message comes again.
import { newStoredShareEvent } from "../domain/shareDelivery.js";
import { CREDENTIALS_SHARED_EVENT } from "../domain/shareEvent.js";
import type { Logger } from "../log.js";
import { traceContextOf } from "../telemetry/tracing.js";
import type { AuditRecorder } from "./audit.js";
import { fulfilCredentialRequest } from "./credentialRequests.js";
import type { CredentialRequestStore, DeadLetters, ReceivedMessage, ShareEventStore } from "./ports.js";
import { parseShareEvent } from "./shareEventMessages.js";

export type RecordDeps = {
  events: ShareEventStore;
  credentialRequests: CredentialRequestStore;
  deadLetters: DeadLetters;
  clock: () => Date;
  /** How long claim values may be kept while the event is undelivered. */
  retentionMs: number;
  audit: AuditRecorder;
};

export type RecordOutcome = "recorded" | "already-recorded" | "dead-lettered";

export async function recordShareEvent(
  deps: RecordDeps,
  message: ReceivedMessage,
  log: Logger,
): Promise<RecordOutcome> {
  const parsed = parseShareEvent(message.body);
  if (!parsed.ok) {
    await deps.deadLetters.deadLetter(message, "MalformedShareEvent", parsed.problem);
    log.warn("malformed share event dead-lettered", {
      messageId: message.messageId,
      problem: parsed.problem,
    });
    return "dead-lettered";
  }
  const event = parsed.value;
  const subject =
    event.type === CREDENTIALS_SHARED_EVENT
      ? { shareId: event.data.shareId }
      : { requestId: event.data.requestId };
  const eventLog = log.with({ eventId: event.eventId, trustId: event.trustId, ...subject });
  if (event.type === CREDENTIALS_SHARED_EVENT && event.data.requestId !== undefined) {
    const answering = {
      trustId: event.trustId,
      requestId: event.data.requestId,
      shareId: event.data.shareId,
      credentialTypes: event.data.credentials.map((credential) => credential.type),
    };
    await fulfilCredentialRequest(deps, answering, eventLog);
  }

  const now = deps.clock();
  const created = await deps.events.create(
    newStoredShareEvent(event, {
      now,
      retentionMs: deps.retentionMs,
      correlationId: message.correlationId,
      recorded: true,
      trace: traceContextOf(),
    }),
  );
  if (created !== undefined) {
    eventLog.info("share event recorded");
    return "recorded";
  }
  // The deliver consumer created it first, or this is a redelivery: only the mark, since the deliver consumer
  // owns the rest of the document and may have dropped the claims already.
  if (await deps.events.markRecorded(event.trustId, event.eventId, now.toISOString())) {
    eventLog.info("share event recorded (delivery had created it)");
    return "recorded";
  }
  eventLog.info("share event already recorded; nothing changed");
  return "already-recorded";
}
