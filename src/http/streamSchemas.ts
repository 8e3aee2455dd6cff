// The SSF stream endpoints' shapes (SSF 1.0 sections 7 and 8, API.md section 8): the transmitter metadata, a
// stream's configuration and status as the trust sends and reads them (SSF's snake_case members), and the mapping
// between them and the stored stream.
import * as z from "zod";
import type { StreamInput, StreamStatusView } from "../app/streams.js";
import {
  EVENTS_SUPPORTED,
  eventsDelivered,
  POLL_METHOD,
  PUSH_METHOD,
  type Stream,
  type StreamDelivery,
} from "../domain/stream.js";
import { isHttpsOrLoopback } from "../domain/trust.js";

/** SSF 1.0 section 7.1: the final specification's version string. */
export const SSF_SPEC_VERSION = "1_0";
/**
 * SSF 1.0 section 7.1.1: how a receiver authenticates. The trust token (API.md section 7) is a JWT the trust signs
 * itself, sent as an RFC 6750 bearer token.
 */
export const TRUST_TOKEN_SCHEME = "urn:ietf:rfc:6750";

/** Where the stream endpoints live, below the SSF issuer (an origin: see src/config.ts eventIssuerOf). */
export const STREAM_PATHS = {
  configuration: "/api/ssf/stream",
  status: "/api/ssf/status",
  verification: "/api/ssf/verify",
  poll: "/api/trust/events",
  jwks: "/api/.well-known/jwks.json",
} as const;

export const ssfMetadataSchema = z.object({
  spec_version: z.literal(SSF_SPEC_VERSION),
  issuer: z.string(),
  jwks_uri: z.string(),
  delivery_methods_supported: z.array(z.string()),
  configuration_endpoint: z.string(),
  status_endpoint: z.string(),
  verification_endpoint: z.string(),
  authorization_schemes: z.array(z.object({ spec_urn: z.string() })),
});

export function ssfMetadata(issuer: string): z.infer<typeof ssfMetadataSchema> {
  return {
    spec_version: SSF_SPEC_VERSION,
    issuer,
    jwks_uri: `${issuer}${STREAM_PATHS.jwks}`,
    delivery_methods_supported: [PUSH_METHOD, POLL_METHOD],
    configuration_endpoint: `${issuer}${STREAM_PATHS.configuration}`,
    status_endpoint: `${issuer}${STREAM_PATHS.status}`,
    verification_endpoint: `${issuer}${STREAM_PATHS.verification}`,
    authorization_schemes: [{ spec_urn: TRUST_TOKEN_SCHEME }],
  };
}

export const streamId = z.string().min(1).max(64);

/** Visible ASCII and spaces only: the value goes into an HTTP header as it is. */
const headerValue = z
  .string()
  .min(1)
  .max(4096)
  .regex(/^[\x20-\x7e]+$/, "must be printable ASCII");

const deliverySchema = z.discriminatedUnion("method", [
  z.strictObject({
    method: z.literal(PUSH_METHOD),
    endpoint_url: z.url().refine(isHttpsOrLoopback, "must be https (http only on a loopback address)"),
    authorization_header: headerValue.exactOptional(),
  }),
  // The transmitter fills in a poll's endpoint_url (SSF 1.0 section 6.1.2); one sent back is ignored.
  z.strictObject({ method: z.literal(POLL_METHOD), endpoint_url: z.string().max(2048).exactOptional() }),
]);

const receiverSupplied = {
  delivery: deliverySchema.exactOptional(),
  events_requested: z.array(z.string().min(1).max(200)).max(20).exactOptional(),
  description: z.string().max(500).exactOptional(),
};

/**
 * The members the transmitter sets, which a receiver may send back on a replace (SSF 1.0 section 8.1.1.4); they
 * are read, never written.
 */
const transmitterSupplied = {
  iss: z.string().max(2048).exactOptional(),
  aud: z.union([z.string().max(200), z.array(z.string().max(200)).max(5)]).exactOptional(),
  events_supported: z.array(z.string().max(200)).max(50).exactOptional(),
  events_delivered: z.array(z.string().max(200)).max(50).exactOptional(),
};

/** POST: a new stream, which the transmitter names. Strict, so that a misspelt member is refused, not ignored. */
export const newStreamSchema = z.strictObject({ ...receiverSupplied, ...transmitterSupplied });

/** PUT and PATCH name the stream they change. */
export const streamChangeSchema = z.strictObject({
  stream_id: streamId,
  ...receiverSupplied,
  ...transmitterSupplied,
});

export const streamQuery = z.object({ stream_id: streamId.exactOptional() });
export const requiredStreamQuery = z.object({ stream_id: streamId });

export const statusChangeSchema = z.strictObject({
  stream_id: streamId,
  status: z.enum(["enabled", "paused", "disabled"]),
  reason: z.string().max(500).exactOptional(),
});

export const verificationSchema = z.strictObject({
  stream_id: streamId,
  state: z.string().max(1000).exactOptional(),
});

/** The stored form of what the trust sent. */
export function streamInputOf(body: z.infer<typeof newStreamSchema>): StreamInput {
  const delivery: StreamDelivery | undefined =
    body.delivery === undefined
      ? undefined
      : body.delivery.method === PUSH_METHOD
        ? {
            method: PUSH_METHOD,
            endpointUrl: body.delivery.endpoint_url,
            ...(body.delivery.authorization_header === undefined
              ? {}
              : { authorizationHeader: body.delivery.authorization_header }),
          }
        : { method: POLL_METHOD };
  return {
    ...(delivery === undefined ? {} : { delivery }),
    ...(body.events_requested === undefined ? {} : { eventsRequested: body.events_requested }),
    ...(body.description === undefined ? {} : { description: body.description }),
  };
}

export const streamConfigurationSchema = z.object({
  stream_id: z.string(),
  iss: z.string(),
  aud: z.string(),
  events_supported: z.array(z.string()),
  events_requested: z.array(z.string()),
  events_delivered: z.array(z.string()),
  delivery: z.object({ method: z.string(), endpoint_url: z.string() }),
  description: z.string().optional(),
});

/**
 * The stream as SSF 1.0 section 8.1.1 shows it. The authorization_header is the trust's secret for its own
 * endpoint: kept and sent with every push, never answered back.
 */
export function streamConfiguration(
  stream: Stream,
  issuer: string,
): z.infer<typeof streamConfigurationSchema> {
  return {
    stream_id: stream.id,
    iss: issuer,
    aud: stream.trustId,
    events_supported: [...EVENTS_SUPPORTED],
    events_requested: [...stream.eventsRequested],
    events_delivered: eventsDelivered(stream),
    delivery:
      stream.delivery.method === PUSH_METHOD
        ? { method: PUSH_METHOD, endpoint_url: stream.delivery.endpointUrl }
        : { method: POLL_METHOD, endpoint_url: `${issuer}${STREAM_PATHS.poll}` },
    ...(stream.description === undefined ? {} : { description: stream.description }),
  };
}

export const streamStatusSchema = z.object({
  stream_id: z.string(),
  status: z.enum(["enabled", "paused", "disabled"]),
  reason: z.string().optional(),
});

export function streamStatusOf(view: StreamStatusView): z.infer<typeof streamStatusSchema> {
  return {
    stream_id: view.streamId,
    status: view.status,
    ...(view.reason === undefined ? {} : { reason: view.reason }),
  };
}
