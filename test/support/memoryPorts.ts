// In-memory implementations of the use cases' ports (src/app/ports.ts), for unit tests of the use cases alone.
// Integration and end-to-end tests use the real adapters against the emulators instead.

import type { AuditRecorder } from "../../src/app/audit.js";
import type {
  AuditTrail,
  CredentialRequestStore,
  DeadLetters,
  EventPublisher,
  LogFields,
  Logger,
  OutboxDue,
  OutboxRetries,
  PayloadStore,
  PresentationRequestInput,
  RequestStore,
  ShareEventStore,
  ShareStore,
  TrustDirectory,
  VerifiedIdClient,
  Versioned,
} from "../../src/app/ports.js";
import type { AuditEntry, NewAuditEntry } from "../../src/domain/audit.js";
import type { CredentialRequest } from "../../src/domain/credentialRequest.js";
import type { Outbox } from "../../src/domain/outbox.js";
import type { Share } from "../../src/domain/share.js";
import type { StoredShareEvent } from "../../src/domain/shareDelivery.js";
import type { EventBody, ShareEvent } from "../../src/domain/shareEvent.js";
import { protocolsOf, type Trust } from "../../src/domain/trust.js";
import type { VerifiedIdRequest } from "../../src/domain/verifiedIdRequest.js";

/** Documents by key with an ETag that changes on every write, as Cosmos DB keeps them. */
class Documents<T> {
  readonly items = new Map<string, Versioned<T>>();
  private version = 0;

  put(key: string, value: T): string {
    const etag = `"${++this.version}"`;
    this.items.set(key, { value: structuredClone(value), etag });
    return etag;
  }

  get(key: string): Versioned<T> | undefined {
    const found = this.items.get(key);
    return found && { value: structuredClone(found.value), etag: found.etag };
  }

  replace(key: string, value: T, etag: string): string | undefined {
    return this.items.get(key)?.etag === etag ? this.put(key, value) : undefined;
  }

  /** Changes the stored value in one step, as a conditional patch does: false when `change` declines or it is absent. */
  patch(key: string, change: (value: T) => T | undefined): boolean {
    const found = this.get(key);
    const next = found && change(found.value);
    if (next === undefined) return false;
    this.put(key, next);
    return true;
  }
}

/** The document without its outbox, if it has one. */
function withoutOutbox<T extends { outbox?: unknown }>(document: T): T | undefined {
  if (document.outbox === undefined) return undefined;
  const { outbox: _published, ...rest } = document;
  return rest as T;
}

type InOutbox = { readonly id: string; readonly outbox?: Outbox };

/** Documents whose outbox is due as the Cosmos DB query takes them (OutboxDue), oldest first. */
function unpublished<T extends InOutbox>(
  documents: Documents<T>,
  due: OutboxDue,
  limit: number,
): Versioned<T>[] {
  const storedBefore = due.storedBefore.toISOString();
  const now = due.now.toISOString();
  return [...documents.items.values()]
    .filter(({ value: { outbox } }) => {
      if (outbox === undefined || outbox.storedAt >= storedBefore || outbox.parked !== undefined)
        return false;
      return outbox.nextTryAt === undefined || outbox.nextTryAt <= now;
    })
    .sort((a, b) => ((a.value.outbox?.storedAt ?? "") < (b.value.outbox?.storedAt ?? "") ? -1 : 1))
    .slice(0, limit)
    .map(({ value, etag }) => ({ value: structuredClone(value), etag }));
}

/** The outbox retries over documents keyed `partitionKey/id`, with the conditions the Cosmos DB patches have. */
function outboxRetries<T extends InOutbox>(
  documents: Documents<T>,
  partitionKeyOf: (document: T) => string,
): OutboxRetries {
  const parked = () =>
    [...documents.items.values()].flatMap(({ value }) =>
      value.outbox?.parked === undefined
        ? []
        : [
            {
              id: value.id,
              partitionKey: partitionKeyOf(value),
              eventId: value.outbox.event.eventId,
              trustId: value.outbox.event.trustId,
              tries: value.outbox.tries ?? 0,
              reason: value.outbox.parked.reason,
              parkedAt: value.outbox.parked.at,
            },
          ],
    );
  return {
    async retryOutbox(partitionKey, id, retry) {
      return documents.patch(`${partitionKey}/${id}`, (document) => {
        const { outbox } = document;
        if (outbox === undefined || outbox.parked !== undefined || (outbox.tries ?? 0) !== retry.tries - 1)
          return undefined;
        return { ...document, outbox: { ...outbox, ...retry } };
      });
    },
    async parkedOutboxes() {
      return parked().sort((a, b) => (a.parkedAt < b.parkedAt ? -1 : 1));
    },
    async countParkedOutboxes() {
      return parked().length;
    },
    async releaseOutbox(partitionKey, id, now) {
      return documents.patch(`${partitionKey}/${id}`, (document) => {
        if (document.outbox?.parked === undefined) return undefined;
        const { parked: _released, ...outbox } = document.outbox;
        return { ...document, outbox: { ...outbox, tries: 0, nextTryAt: now.toISOString() } };
      });
    },
  };
}

export function memoryTrusts(trusts: Trust[]): TrustDirectory & { trusts: Trust[] } {
  return {
    trusts,
    async get(id) {
      return trusts.find((trust) => trust.id === id);
    },
    async search(text) {
      return trusts
        .filter((trust) => trust.active && trust.name.includes(text))
        .map((trust) => ({ id: trust.id, name: trust.name, protocols: protocolsOf(trust) }));
    },
  };
}

export function memoryRequests(): RequestStore & { documents: Documents<VerifiedIdRequest> } {
  const documents = new Documents<VerifiedIdRequest>();
  return {
    documents,
    async create(request) {
      if (documents.get(request.id)) throw new Error("conflict");
      documents.put(request.id, request);
    },
    async get(id) {
      return documents.get(id);
    },
    async replace(request, etag) {
      return documents.replace(request.id, request, etag) !== undefined;
    },
  };
}

export function memoryShares(): ShareStore & { documents: Documents<Share> } {
  const documents = new Documents<Share>();
  const all = () => [...documents.items.values()].map((stored) => stored.value);
  return {
    documents,
    async create(share) {
      documents.put(`${share.subject}/${share.id}`, share);
    },
    async get(subject, id) {
      return documents.get(`${subject}/${id}`);
    },
    async replace(share, etag) {
      return documents.replace(`${share.subject}/${share.id}`, share, etag);
    },
    async advance(subject, id, change, from) {
      return documents.patch(`${subject}/${id}`, (share) =>
        (from as readonly string[]).includes(share.progress.status) ? { ...share, ...change } : undefined,
      );
    },
    async dropOutbox(subject, id) {
      documents.patch(`${subject}/${id}`, withoutOutbox);
    },
    async history(subject, page) {
      return all()
        .filter(
          (share) => share.subject === subject && (page.after === undefined || share.historyKey < page.after),
        )
        .sort((a, b) => (a.historyKey < b.historyKey ? 1 : -1))
        .slice(0, page.limit);
    },
    async unpublished(due, limit) {
      return unpublished(documents, due, limit);
    },
    async findForTrust(trustId, id) {
      const found = [...documents.items.entries()].find(
        ([, { value }]) => value.id === id && value.trustId === trustId,
      );
      return found && documents.get(found[0]);
    },
    ...outboxRetries(documents, (share) => share.subject),
  };
}

export function memoryCredentialRequests(): CredentialRequestStore & {
  documents: Documents<CredentialRequest>;
} {
  const documents = new Documents<CredentialRequest>();
  const calls = new Map<string, string>();
  return {
    documents,
    async createOnce(request, call) {
      const made = calls.get(`${request.trustId}/${call}`);
      if (made !== undefined)
        return structuredClone(documents.get(`${request.trustId}/${made}`)?.value ?? request);
      calls.set(`${request.trustId}/${call}`, request.id);
      documents.put(`${request.trustId}/${request.id}`, request);
      return request;
    },
    async get(trustId, id) {
      return documents.get(`${trustId}/${id}`);
    },
    async replace(request, etag) {
      return documents.replace(`${request.trustId}/${request.id}`, request, etag);
    },
    async dropOutbox(trustId, id) {
      documents.patch(`${trustId}/${id}`, withoutOutbox);
    },
    async openFor(trustId, staffId, limit) {
      return [...documents.items.values()]
        .map(({ value }) => structuredClone(value))
        .filter((r) => r.trustId === trustId && r.staffId === staffId && r.state.status === "open")
        .sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1))
        .slice(0, limit);
    },
    async forStaff(trustId, staffId, limit) {
      return [...documents.items.values()]
        .map(({ value }) => structuredClone(value))
        .filter((r) => r.trustId === trustId && r.staffId === staffId)
        .sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1))
        .slice(0, limit);
    },
    async unpublished(due, limit) {
      return unpublished(documents, due, limit);
    },
    async closedWithTextBefore() {
      return [];
    },
    ...outboxRetries(documents, (request) => request.trustId),
  };
}

/** Payloads by trust and event id, as the blob store keeps them; `failing` makes every call throw. */
export function memoryPayloads(): PayloadStore & { blobs: Map<string, EventBody>; failing: boolean } {
  const blobs = new Map<string, EventBody>();
  const store = {
    blobs,
    failing: false,
    check() {
      if (store.failing) throw new Error("Blob storage is unreachable");
    },
    async put(trustId: string, eventId: string, payload: EventBody) {
      store.check();
      blobs.set(`${trustId}/${eventId}`, structuredClone(payload));
    },
    async get(trustId: string, eventId: string) {
      store.check();
      const found = blobs.get(`${trustId}/${eventId}`);
      return found && structuredClone(found);
    },
    async delete(trustId: string, eventId: string) {
      store.check();
      blobs.delete(`${trustId}/${eventId}`);
    },
  };
  return store;
}

export function memoryShareEvents(): ShareEventStore & { documents: Documents<StoredShareEvent> } {
  const documents = new Documents<StoredShareEvent>();
  const key = (trustId: string, id: string) => `${trustId}/${id}`;
  return {
    documents,
    async get(trustId, eventId) {
      return documents.get(key(trustId, eventId));
    },
    async create(event) {
      if (documents.get(key(event.trustId, event.id))) return undefined;
      return { value: event, etag: documents.put(key(event.trustId, event.id), event) };
    },
    async replace(event, etag) {
      const next = documents.replace(key(event.trustId, event.id), event, etag);
      return next === undefined ? undefined : { value: event, etag: next };
    },
    async markRecorded(trustId, eventId, at) {
      return documents.patch(key(trustId, eventId), (event) =>
        event.recorded === undefined ? { ...event, recorded: { at } } : undefined,
      );
    },
    async takeFirstAttempt(trustId, eventId, leaseUntil) {
      const taken = documents.patch(key(trustId, eventId), (event) =>
        event.delivery.status === "pending" && event.delivery.attempt === 0
          ? { ...event, delivery: { ...event.delivery, attempt: 1, leaseUntil } }
          : undefined,
      );
      return taken ? documents.get(key(trustId, eventId)) : undefined;
    },
    async settleAttempt(event) {
      return documents.patch(key(event.trustId, event.id), (current) => {
        if (current.delivery.attempt !== event.delivery.attempt) return undefined;
        const { claimsRemoved } = event;
        return { ...current, delivery: event.delivery, ...(claimsRemoved ? { claimsRemoved } : {}) };
      });
    },
    async claimsDue() {
      return [];
    },
    async markPayloadRemoved(trustId, eventId, removal) {
      return documents.patch(key(trustId, eventId), (event) => ({ ...event, claimsRemoved: removal }));
    },
    async oldestUnacknowledged() {
      const waiting = ["pending", "retrying", "available", "held"];
      return [...documents.items.values()]
        .filter(({ value }) => waiting.includes(value.delivery.status))
        .map(({ value }) => value.occurredAt)
        .sort()[0];
    },
    async available(trustId, limit) {
      return [...documents.items.values()]
        .filter(
          ({ value }) =>
            value.trustId === trustId && value.delivery.status === "available" && !value.claimsRemoved,
        )
        .sort((a, b) => (a.value.occurredAt < b.value.occurredAt ? -1 : 1))
        .slice(0, limit);
    },
    async settlePoll(trustId, eventId, outcome) {
      return documents.patch(key(trustId, eventId), (event) => {
        if (event.delivery.status !== "available") return undefined;
        const delivery =
          outcome.status === "delivered"
            ? { ...event.delivery, status: outcome.status, deliveredAt: outcome.at }
            : { ...event.delivery, status: outcome.status, reason: outcome.reason };
        return { ...event, delivery };
      });
    },
  };
}

/** Dead letters kept in a list, with their reasons. */
export function memoryDeadLetters(): DeadLetters & { reasons: string[] } {
  const reasons: string[] = [];
  return {
    reasons,
    async deadLetter(_message, reason) {
      reasons.push(reason);
    },
  };
}

/** A publisher that records what it published, and fails while `failing` is set. */
export function memoryPublisher(): EventPublisher & {
  published: { event: ShareEvent; correlationId: string }[];
  failing: boolean;
} {
  const publisher = {
    published: [] as { event: ShareEvent; correlationId: string }[],
    failing: false,
    async publish(event: ShareEvent, correlationId: string) {
      if (publisher.failing) throw new Error("Service Bus is unreachable");
      publisher.published.push({ event, correlationId });
    },
  };
  return publisher;
}

/** A Request Service that answers every request and remembers what it was asked. */
export function memoryVerifiedId(now: () => Date): VerifiedIdClient & { asked: PresentationRequestInput[] } {
  const asked: PresentationRequestInput[] = [];
  return {
    asked,
    async createPresentationRequest(input) {
      asked.push(input);
      return {
        requestId: `vid-${asked.length}`,
        url: `openid-vc://?request_uri=https://verifiedid.example/${asked.length}`,
        qrCode: "data:image/png;base64,AA==",
        expiresAt: new Date(now().getTime() + 300_000),
        apiKey: `api-key-${asked.length}`,
      };
    },
    async createIssuanceRequest() {
      throw new Error("no issuance requests in these tests");
    },
  };
}

/** A logger that keeps each line, with its fields, for the test to read. */
export function memoryLogger(): Logger & { lines: { level: string; message: string; fields: LogFields }[] } {
  const lines: { level: string; message: string; fields: LogFields }[] = [];
  const logger: Logger & { lines: typeof lines } = {
    lines,
    info: (message, fields = {}) => lines.push({ level: "info", message, fields }),
    warn: (message, fields = {}) => lines.push({ level: "warn", message, fields }),
    error: (message, fields = {}) => lines.push({ level: "error", message, fields }),
    with: () => logger,
  };
  return logger;
}

/** An audit recorder that keeps what it is given, stamped with the test's clock, for use cases tested alone. */
export function memoryAudit(clock: () => Date = () => new Date()): AuditRecorder & { entries: AuditEntry[] } {
  const entries: AuditEntry[] = [];
  const record = async (entry: NewAuditEntry) => {
    entries.push({ ...entry, at: entry.at ?? clock().toISOString() });
  };
  return Object.assign(record, { entries });
}

/** The real audit trail, each append held until the test opens the gate: a slow store, without faking the store. */
export function heldTrail(real: AuditTrail) {
  let open: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  let started = 0;
  const held: AuditTrail = {
    ...real,
    async append(entry) {
      started += 1;
      await gate;
      await real.append(entry);
    },
  };
  return { trail: held, open: () => open(), started: () => started };
}
