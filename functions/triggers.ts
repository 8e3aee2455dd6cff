// Every function's trigger, as plain data: what the Azure entry point (register.ts) declares at start without
// loading any function's code. Each registered handler loads the function list (index.ts) on its first call, so
// a cold start evaluates this list and @azure/functions, not the service and its libraries. A test holds this
// list to the definitions in index.ts, so that the two cannot drift.
import type { HttpMethod } from "@azure/functions";

/** A function's trigger without its handler: what registration needs. */
export type TriggerDeclaration =
  | {
      kind: "http";
      name: string;
      options: { route: string; methods: readonly HttpMethod[]; authLevel: "anonymous" };
    }
  | {
      kind: "serviceBusTopic";
      name: string;
      options: { connection: string; topicName: string; subscriptionName: string };
    }
  | { kind: "serviceBusQueue"; name: string; options: { connection: string; queueName: string } }
  | { kind: "timer"; name: string; options: { schedule: string } };

const http = (
  name: string,
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
  route: string,
  also: readonly "HEAD"[] = [],
) =>
  ({ kind: "http", name, options: { route, methods: [method, ...also], authLevel: "anonymous" } }) as const;

const SERVICE_BUS = "ServiceBusConnection";

export const triggers = [
  // Front Door's health probe sends HEAD.
  http("health", "GET", "api/health", ["HEAD"]),
  http("openApi", "GET", "api/openapi.json"),
  http("jwks", "GET", "api/.well-known/jwks.json"),
  http("searchTrusts", "GET", "api/trusts"),
  http("listCredentialTypes", "GET", "api/credential-types"),
  http("startLogin", "POST", "api/logins"),
  http("readLogin", "GET", "api/logins/{loginId}"),
  http("verifiedIdCallback", "POST", "api/verifiedid/callback/{state}"),
  http("verifiedIdCallbackAtOldUrl", "POST", "api/verifiedid/callback"),
  http("openid4vpRequest", "GET", "api/openid4vp/requests/{id}"),
  http("openid4vpResponse", "POST", "api/openid4vp/responses/{id}"),
  http("openid4vpRoot", "GET", "api/openid4vp/root.pem"),
  http("startShare", "POST", "api/shares"),
  http("readShare", "GET", "api/shares/{shareId}"),
  http("readShareReceipt", "GET", "api/shares/{shareId}/receipt"),
  http("cancelShare", "DELETE", "api/shares/{shareId}"),
  http("listShares", "GET", "api/shares"),
  http("exportPersonalData", "GET", "api/me/export"),
  http("listCredentialRequests", "GET", "api/credential-requests"),
  http("declineCredentialRequest", "POST", "api/credential-requests/{requestId}/decline"),
  http("decideCredential", "PUT", "api/trust/shares/{shareId}/credentials/{type}/decision"),
  http("createCredentialRequest", "POST", "api/trust/credential-requests"),
  http("readCredentialRequest", "GET", "api/trust/credential-requests/{requestId}"),
  http("withdrawCredentialRequest", "DELETE", "api/trust/credential-requests/{requestId}"),
  http("createAccessKey", "POST", "api/trust/access-keys"),
  http("listAccessKeys", "GET", "api/trust/access-keys"),
  http("revokeAccessKey", "DELETE", "api/trust/access-keys/{accessKeyId}"),
  http("pollShareEvents", "POST", "api/trust/events"),
  // SSF 1.0 section 7.2: the metadata sits at the issuer's origin, outside /api.
  http("ssfConfiguration", "GET", ".well-known/ssf-configuration"),
  http("readStream", "GET", "api/ssf/stream"),
  http("createStream", "POST", "api/ssf/stream"),
  http("replaceStream", "PUT", "api/ssf/stream"),
  http("updateStream", "PATCH", "api/ssf/stream"),
  http("deleteStream", "DELETE", "api/ssf/stream"),
  http("readStreamStatus", "GET", "api/ssf/status"),
  http("updateStreamStatus", "POST", "api/ssf/status"),
  http("verifyStream", "POST", "api/ssf/verify"),
  { kind: "timer", name: "sweepOutbox", options: { schedule: "%OUTBOX_SWEEP_SCHEDULE%" } },
  {
    kind: "serviceBusTopic",
    name: "recordShareEvent",
    options: { connection: SERVICE_BUS, topicName: "share-events", subscriptionName: "record" },
  },
  {
    kind: "serviceBusTopic",
    name: "deliverShareEvent",
    options: { connection: SERVICE_BUS, topicName: "share-events", subscriptionName: "deliver" },
  },
  {
    kind: "serviceBusQueue",
    name: "retryShareDelivery",
    options: { connection: SERVICE_BUS, queueName: "share-deliveries" },
  },
  { kind: "timer", name: "expireShareEventClaims", options: { schedule: "0 17 * * * *" } },
] as const satisfies readonly TriggerDeclaration[];
