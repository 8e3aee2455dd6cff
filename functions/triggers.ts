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
  method: "GET" | "POST" | "PUT" | "DELETE",
  route: string,
  also: readonly "HEAD"[] = [],
) =>
  ({ kind: "http", name, options: { route, methods: [method, ...also], authLevel: "anonymous" } }) as const;

const SERVICE_BUS = "ServiceBusConnection";

export const triggers = [
  // Front Door's health probe sends HEAD.
  http("health", "GET", "health", ["HEAD"]),
  http("openApi", "GET", "openapi.json"),
  http("jwks", "GET", ".well-known/jwks.json"),
  http("searchTrusts", "GET", "trusts"),
  http("listCredentialTypes", "GET", "credential-types"),
  http("startLogin", "POST", "logins"),
  http("readLogin", "GET", "logins/{loginId}"),
  http("verifiedIdCallback", "POST", "verifiedid/callback/{state}"),
  http("verifiedIdCallbackAtOldUrl", "POST", "verifiedid/callback"),
  http("startShare", "POST", "shares"),
  http("readShare", "GET", "shares/{shareId}"),
  http("cancelShare", "DELETE", "shares/{shareId}"),
  http("listShares", "GET", "shares"),
  http("listCredentialRequests", "GET", "credential-requests"),
  http("declineCredentialRequest", "POST", "credential-requests/{requestId}/decline"),
  http("decideCredential", "PUT", "trust/shares/{shareId}/credentials/{type}/decision"),
  http("createCredentialRequest", "POST", "trust/credential-requests"),
  http("readCredentialRequest", "GET", "trust/credential-requests/{requestId}"),
  http("withdrawCredentialRequest", "DELETE", "trust/credential-requests/{requestId}"),
  http("pollShareEvents", "POST", "trust/events"),
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
