// A trust's Shared Signals stream (SSF 1.0 section 8, API.md section 8): how and whether its events reach it. One
// stream per trust; a trust that never created one has an implicit stream built from its trust document.
import { CREDENTIAL_REQUEST_DECLINED_EVENT, CREDENTIALS_SHARED_EVENT } from "./shareEvent.js";
import type { Trust } from "./trust.js";

/** SSF 1.0 section 6.1.1: push delivery is RFC 8935. */
export const PUSH_METHOD = "urn:ietf:rfc:8935";
/** SSF 1.0 section 6.1.2: poll delivery is RFC 8936. */
export const POLL_METHOD = "urn:ietf:rfc:8936";
/** SSF 1.0 section 8.1.4.1. */
export const VERIFICATION_EVENT = "https://schemas.openid.net/secevent/ssf/event-type/verification";
/** SSF 1.0 section 8.1.5. */
export const STREAM_UPDATED_EVENT = "https://schemas.openid.net/secevent/ssf/event-type/stream-updated";

/** The share event types a trust can request (API.md sections 3 and 7). */
export const SHARE_EVENT_TYPES = [CREDENTIALS_SHARED_EVENT, CREDENTIAL_REQUEST_DECLINED_EVENT] as const;
/** What the transmitter can send (`events_supported`): the share event types and SSF's verification event. */
export const EVENTS_SUPPORTED: readonly string[] = [...SHARE_EVENT_TYPES, VERIFICATION_EVENT];

export type StreamStatus = "enabled" | "paused" | "disabled";

export type StreamDelivery =
  | {
      readonly method: typeof PUSH_METHOD;
      readonly endpointUrl: string;
      /** Sent as the Authorization header of every push (SSF 1.0 section 6.1.1); never answered back. */
      readonly authorizationHeader?: string;
    }
  | { readonly method: typeof POLL_METHOD };

/**
 * The stream as stored in `streams` (partition /trustId). Its id, the SSF `stream_id`, is the trust's id: one
 * stream per trust, so that a second create is refused by the store itself (409), not by a read before the write.
 * A deleted stream stays as a tombstone so that delivery stops (SSF 1.0 section 8.1.1.5) rather than falling back
 * to the trust document's settings.
 */
export type Stream = {
  readonly id: string;
  readonly trustId: string;
  readonly status: StreamStatus;
  readonly reason?: string;
  readonly description?: string;
  readonly eventsRequested: readonly string[];
  readonly delivery: StreamDelivery;
  readonly updatedAt: string;
  readonly deleted?: true;
  /** True for the stream read from the trust document, which no call of the trust has made yet. */
  readonly implicit?: true;
};

/** The stream of a trust that never created one: its document's delivery, enabled while the trust is active. */
export function implicitStream(trust: Trust): Stream | undefined {
  if (trust.delivery === undefined) return undefined;
  return {
    id: trust.id,
    trustId: trust.id,
    status: "enabled",
    eventsRequested: [...SHARE_EVENT_TYPES],
    delivery:
      trust.delivery.mode === "push"
        ? { method: PUSH_METHOD, endpointUrl: trust.delivery.endpoint }
        : { method: POLL_METHOD },
    updatedAt: new Date(0).toISOString(),
    implicit: true,
  };
}

/** `events_delivered`: what is requested and supported. */
export function eventsDelivered(stream: Pick<Stream, "eventsRequested">): string[] {
  return EVENTS_SUPPORTED.filter((type) => stream.eventsRequested.includes(type));
}

/**
 * Whether an event of this type goes to the stream at all. SSF's own events (verification, stream-updated) always
 * do, requested or not (SSF 1.0 sections 8.1.4 and 8.1.2); a share event only when requested.
 */
export function streamWants(stream: Pick<Stream, "eventsRequested">, type: string): boolean {
  return (
    type === VERIFICATION_EVENT || type === STREAM_UPDATED_EVENT || stream.eventsRequested.includes(type)
  );
}

/** SSF's own events, which carry no claims: their whole content is on the event record, so no payload is stored. */
export type StreamEventBody =
  | {
      readonly type: typeof VERIFICATION_EVENT;
      readonly data: { readonly streamId: string; readonly state?: string };
    }
  | {
      readonly type: typeof STREAM_UPDATED_EVENT;
      readonly data: { readonly streamId: string; readonly status: StreamStatus; readonly reason?: string };
    };

export function isStreamEventType(type: string): type is StreamEventBody["type"] {
  return type === VERIFICATION_EVENT || type === STREAM_UPDATED_EVENT;
}
