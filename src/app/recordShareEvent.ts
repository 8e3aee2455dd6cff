// recordShareEvent: the `record` consumer of the share-events topic writes each event once into `shareEvents`.
// A redelivery finds the document already recorded and changes nothing; a malformed message is dead-lettered.
// A share that answers a credential request fulfils it here too, so that the request is fulfilled even when the
// callback's own attempt failed: a failure throws, and the message comes again.
import { newStoredShareEvent } from "../domain/shareDelivery.js";
import { CREDENTIALS_SHARED_EVENT } from "../domain/shareEvent.js";
import type { Logger } from "../log.js";
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
};

export type RecordOutcome = "recorded" | "already-recorded" | "dead-lettered";

/** Writes that lose a race re-read and try again; more than a few losses in a row means something is wrong. */
const MAX_WRITE_RACES = 5;

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

  for (let race = 0; race < MAX_WRITE_RACES; race++) {
    const now = deps.clock();
    const stored = await deps.events.get(event.trustId, event.eventId);
    if (stored === undefined) {
      const created = await deps.events.create(
        newStoredShareEvent(event, {
          now,
          retentionMs: deps.retentionMs,
          correlationId: message.correlationId,
          recorded: true,
        }),
      );
      if (created !== undefined) {
        eventLog.info("share event recorded");
        return "recorded";
      }
      continue; // the deliver consumer created it first: mark that one recorded
    }
    if (stored.value.recordedAt !== undefined) {
      eventLog.info("share event already recorded; nothing changed");
      return "already-recorded";
    }
    // Only the mark: the deliver consumer owns the rest of the document and may have dropped the claims already.
    const marked = await deps.events.replace({ ...stored.value, recordedAt: now.toISOString() }, stored.etag);
    if (marked !== undefined) {
      eventLog.info("share event recorded (delivery had created it)");
      return "recorded";
    }
  }
  throw new Error(`Lost ${MAX_WRITE_RACES} write races in a row recording a share event.`);
}
