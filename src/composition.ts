// The composition root: builds every adapter once, from the validated configuration, on first use. Function
// handlers call services(); nothing here runs at import time. The Azure SDKs (Cosmos DB, Service Bus, Identity,
// Key Vault) are loaded by the first call that needs each one, not when the app starts, so a cold start
// evaluates the function declarations and little else.
import { resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { CosmosClient, Database } from "@azure/cosmos";
import type { HttpRequest } from "@azure/functions";
import type { TokenCredential } from "@azure/identity";
import type { ServiceBusClient } from "@azure/service-bus";
import { blobPayloadStore, payloadContainer } from "./adapters/blob/payloadStore.js";
import { accessKeyStore } from "./adapters/cosmos/accessKeyStore.js";
import { auditAppendFailure, cosmosAuditTrail } from "./adapters/cosmos/auditTrail.js";
import { cachedTrustStore } from "./adapters/cosmos/cachedTrusts.js";
import { type ContainerRef, createCosmosClient } from "./adapters/cosmos/client.js";
import { credentialRequestStore } from "./adapters/cosmos/credentialRequestStore.js";
import { heldEvents } from "./adapters/cosmos/heldEvents.js";
import { requestStore } from "./adapters/cosmos/requestStore.js";
import { shareEventStore } from "./adapters/cosmos/shareEventStore.js";
import { shareStore } from "./adapters/cosmos/shareStore.js";
import { streamDirectory, streamStore } from "./adapters/cosmos/streamStore.js";
import { type TrustStore, trustStore } from "./adapters/cosmos/trustStore.js";
import { usedTokenIdStore } from "./adapters/cosmos/usedTokenIdStore.js";
import { securityEventTokenSigner } from "./adapters/events/securityEventTokens.js";
import { httpSetPusher } from "./adapters/events/setPusher.js";
import { streamEventTokenSigner } from "./adapters/events/streamEventTokens.js";
import { keyVaultSigningKeys } from "./adapters/keys/keyVaultSigningKeys.js";
import { localSigningKeys } from "./adapters/keys/localSigningKeys.js";
import { sessionIssuer } from "./adapters/keys/sessionTokens.js";
import { type TrustTokenVerifier, trustAudience, trustTokenVerifier } from "./adapters/keys/trustTokens.js";
import {
  closePooledConnections,
  type OutboundPolicy,
  runsLocally,
  validateOutboundUrl,
} from "./adapters/net/publicFetch.js";
import { localRequestKey, standardWallets, vaultRequestKey } from "./adapters/openid4vp/index.js";
import { SHARE_EVENTS_TOPIC, serviceBusEventPublisher } from "./adapters/servicebus/eventPublisher.js";
import { deliveryScheduler, parkingDeadLetters } from "./adapters/servicebus/shareDeliveries.js";
import { createVerifiedIdAdmin } from "./adapters/verifiedId/admin.js";
import { createVerifiedIdClient, StaticTokenCredential } from "./adapters/verifiedId/index.js";
import { type AuditRecorder, auditRecorder, type RefusalRecorder, refusalRecorder } from "./app/audit.js";
import { cachedHealth, type HealthCheck, type HealthReport } from "./app/checkHealth.js";
import type { DeliverDeps } from "./app/deliverShareEvent.js";
import { countParked } from "./app/outbox.js";
import type { PollDeps } from "./app/pollShareEvents.js";
import type {
  AccessKeyStore,
  AuditTrail,
  Clock,
  CredentialRequestStore,
  EventPublisher,
  PayloadStore,
  RequestStore,
  SessionIssuer,
  ShareStore,
  SigningKeys,
  StandardWallets,
  VerifiedIdAdmin,
  VerifiedIdClient,
} from "./app/ports.js";
import type { RecordDeps } from "./app/recordShareEvent.js";
import type { RetentionDeps } from "./app/shareEventRetention.js";
import type { StreamDeps } from "./app/streams.js";
import { type Config, eventIssuerOf, isLoopbackUrl, loadConfig } from "./config.js";
import { mintId } from "./domain/secrets.js";
import { clientAddress, type RateLimiter, tokenBucketLimiter } from "./http/rateLimit.js";
import { processLogger } from "./log.js";

export type RateLimits = {
  /** Per client address: logins (which spend Verified ID quota) and the other anonymous endpoints. */
  logins: RateLimiter;
  anonymous: RateLimiter;
  /** Per session subject: shares (which spend Verified ID quota) and declines. */
  shares: RateLimiter;
  declines: RateLimiter;
  /** Per trust: every trust API call. */
  trust: RateLimiter;
  /** Per client address: callbacks refused as unauthenticated. */
  failedCallbacks: RateLimiter;
  /** The client's address as the platform vouches for it (through Front Door when FRONT_DOOR_ID is set). */
  clientAddress(request: HttpRequest): string;
};

export type Services = {
  config: Config;
  /** The clients, made on first use. */
  cosmos(): Promise<CosmosClient>;
  database(): Promise<Database>;
  serviceBus(): Promise<ServiceBusClient>;
  trusts: TrustStore;
  requests: RequestStore;
  shares: ShareStore;
  credentialRequests: CredentialRequestStore;
  /** Share event payloads in Blob storage: the only place claim values rest. */
  payloads: PayloadStore;
  publisher: EventPublisher;
  verifiedId: VerifiedIdClient;
  /** Verified ID's Admin API, which revokes issued access keys. */
  verifiedIdAdmin: VerifiedIdAdmin;
  /** The access keys trusts issue (API.md section 10). */
  accessKeys: AccessKeyStore;
  /** The audit trail, to read (the export, the operators' command); `audit` writes to it. */
  auditTrail: AuditTrail;
  audit: AuditRecorder;
  /** Refused authentications, written off the request path, bounded and sampled per source. */
  refusals: RefusalRecorder;
  /** The OpenID4VP verifier for standard wallets (API.md section 9). */
  wallets: StandardWallets;
  keys: SigningKeys;
  sessions: SessionIssuer;
  /** Verifies the tokens trusts' systems sign to call the trust API, with each trust's own keys. */
  trustTokens: TrustTokenVerifier;
  clock: Clock;
  /** How addresses a trust gives (push endpoints, its jwksUri) may be reached, for sending and for saving them. */
  outbound: OutboundPolicy;
  session: { issuer: string; ttlSeconds: number };
  healthChecks: Record<string, HealthCheck>;
  /** Closes the clients that were made; nothing is made to be closed. */
  close(): Promise<void>;
  /** Per-caller limits (src/http/rateLimit.ts), and the client address they and the logs key on. */
  rateLimits: RateLimits;
  /** The health report, cached for a few seconds and checked by one caller at a time. */
  health: () => Promise<HealthReport>;
  /** The share-events consumers (issue 9): recording into `shareEvents` and pushing SETs to trusts. */
  shareEventRecording: RecordDeps;
  shareEventDelivery: DeliverDeps;
  /** What the retention run reads and deletes. */
  shareEventRetention: RetentionDeps;
  /** What a trust's poll (RFC 8936) reads, signs and settles. */
  shareEventPolling: PollDeps;
  /** The trusts' SSF streams as the stream endpoints manage them. */
  streams: StreamDeps;
  /**
   * The SSF issuer (src/config.ts eventIssuerOf): the metadata's `issuer`, each stream's `iss` and every SET's
   * `iss`. Session tokens and the trust API's audience keep SESSION_ISSUER.
   */
  eventIssuer: string;
};

const DAY_MS = 24 * 60 * 60 * 1000;

function shareEventConsumers(
  config: Config,
  container: (id: string) => ContainerRef,
  serviceBus: () => Promise<ServiceBusClient>,
  trusts: TrustStore,
  keys: SigningKeys,
  credentialRequests: CredentialRequestStore,
  payloads: PayloadStore,
  trustTokens: TrustTokenVerifier,
  audit: AuditRecorder,
): Pick<
  Services,
  | "shareEventRecording"
  | "shareEventDelivery"
  | "shareEventRetention"
  | "shareEventPolling"
  | "streams"
  | "eventIssuer"
> {
  const events = shareEventStore(container("shareEvents"));
  const deadLetters = parkingDeadLetters(serviceBus);
  const clock = () => new Date();
  const retentionMs = config.SHARE_EVENT_RETENTION_DAYS * DAY_MS;
  const outbound: OutboundPolicy = { local: runsLocally(config) };
  // One issuer for the SSF metadata, the streams and every SET (SSF 1.0 sections 4.1.6 and 7.2.4).
  const eventIssuer = eventIssuerOf(config);
  // Encrypted to the trust's encryption key, when it registered one, read with the keys of its tokens.
  const sign = securityEventTokenSigner(keys, eventIssuer, trustTokens.registeredKeys);
  const signStream = streamEventTokenSigner(keys, eventIssuer, trustTokens.registeredKeys);
  const storedStreams = streamStore(container("streams"));
  // Cached like the trusts: another instance sees a trust's change to its stream within the same time.
  const streams = streamDirectory(storedStreams, trusts, { ttlSeconds: config.TRUST_CACHE_SECONDS, clock });
  const held = heldEvents(container("shareEvents"));
  const scheduler = deliveryScheduler(serviceBus);
  return {
    eventIssuer,
    shareEventRecording: { events, credentialRequests, deadLetters, clock, retentionMs, audit },
    shareEventRetention: { events, payloads, credentialRequests, clock, retentionMs },
    shareEventPolling: {
      events,
      payloads,
      sign,
      signStream,
      streams,
      clock,
      sleep: (ms) => sleep(ms),
      audit,
    },
    streams: {
      streams: storedStreams,
      forget: streams.forget,
      events,
      scheduler,
      held,
      clock,
      newEventId: mintId,
      retentionMs,
      checkEndpoint: async (endpointUrl, trustId) =>
        validateOutboundUrl(endpointUrl, outbound, (await trusts.get(trustId))?.allowedHosts),
    },
    shareEventDelivery: {
      events,
      trusts,
      streams,
      held,
      payloads,
      sign,
      signStream,
      push: httpSetPusher(outbound),
      audit,
      scheduler,
      deadLetters,
      clock,
      random: Math.random,
      retry: {
        maxAttempts: config.SHARE_DELIVERY_MAX_ATTEMPTS,
        firstDelayMs: config.SHARE_DELIVERY_FIRST_RETRY_SECONDS * 1000,
        multiplier: config.SHARE_DELIVERY_BACKOFF_MULTIPLIER,
        maxDelayMs: config.SHARE_DELIVERY_MAX_RETRY_SECONDS * 1000,
        jitter: config.SHARE_DELIVERY_JITTER,
      },
      timeoutMs: config.SHARE_DELIVERY_TIMEOUT_SECONDS * 1000,
      retentionMs,
    },
  };
}

/** Runs `make` once, on the first call, and hands every caller the same promise; `made` peeks without making. */
function once<T>(make: () => Promise<T>): (() => Promise<T>) & { made(): Promise<T> | undefined } {
  let made: Promise<T> | undefined;
  const get = () => {
    made ??= make();
    return made;
  };
  return Object.assign(get, { made: () => made });
}

/** A credential whose SDK object is made on the first token request. */
function deferredCredential(make: () => Promise<TokenCredential>): TokenCredential {
  const credential = once(make);
  return { getToken: async (scopes, options) => (await credential()).getToken(scopes, options) };
}

function azureCredential(config: Config): TokenCredential {
  return deferredCredential(async () => {
    const { DefaultAzureCredential } = await import("@azure/identity");
    return config.AZURE_CLIENT_ID
      ? new DefaultAzureCredential({ managedIdentityClientId: config.AZURE_CLIENT_ID })
      : new DefaultAzureCredential();
  });
}

function verifiedIdCredential(config: Config, azure: TokenCredential): TokenCredential {
  switch (config.VERIFIEDID_CREDENTIAL) {
    case "local":
      // The simulator checks that a bearer token is present, as the Request Service does; it has no tenant.
      return new StaticTokenCredential("local-simulator-token");
    case "client-secret":
      return deferredCredential(async () => {
        const { ClientSecretCredential } = await import("@azure/identity");
        return new ClientSecretCredential(
          config.VERIFIEDID_TENANT_ID ?? "",
          config.VERIFIEDID_CLIENT_ID ?? "",
          config.VERIFIEDID_CLIENT_SECRET ?? "",
        );
      });
    case "managed-identity":
      if (!config.AZURE_CLIENT_ID) return azure;
      return deferredCredential(async () => {
        const { ManagedIdentityCredential } = await import("@azure/identity");
        return new ManagedIdentityCredential({ clientId: config.AZURE_CLIENT_ID ?? "" });
      });
  }
}

function buildServices(config: Config): Services {
  const credential = azureCredential(config);
  const cosmos = once(() => createCosmosClient(config.COSMOS_ENDPOINT, () => credential));
  const database = once(async () => (await cosmos()).database(config.COSMOS_DATABASE));
  const container = (id: string) => once(async () => (await database()).container(id));
  // A connection string locally; the namespace and the managed identity in Azure. Neither connects until used.
  const serviceBus = once(async () => {
    const { ServiceBusClient } = await import("@azure/service-bus");
    return config.ServiceBusConnection
      ? new ServiceBusClient(config.ServiceBusConnection)
      : new ServiceBusClient(config.ServiceBusConnection__fullyQualifiedNamespace ?? "", credential);
  });
  // A new signing key waits a whole JWKS cache lifetime before it signs (src/adapters/keys/signingKeys.ts).
  const publishLeadMs = config.JWKS_MAX_AGE_SECONDS * 1000;
  const keys =
    config.SIGNING_KEYS === "local"
      ? localSigningKeys(resolve(config.LOCAL_KEYS_DIR), { publishLeadMs })
      : keyVaultSigningKeys({
          vaultUrl: config.KEY_VAULT_URL ?? "",
          keyName: config.SIGNING_KEY_NAME,
          // A vault on this machine is the local emulator, which asks for a bearer token but checks no identity.
          credential: isLoopbackUrl(config.KEY_VAULT_URL ?? "")
            ? new StaticTokenCredential("local-key-vault-token")
            : credential,
          publishLeadMs,
        });
  // Every use case reads trusts through one cache per instance; the seed's load writes through it.
  const trusts = cachedTrustStore(trustStore(container("trusts")), {
    ttlSeconds: config.TRUST_CACHE_SECONDS,
    clock: () => new Date(),
  });
  const shares = shareStore(container("shares"));
  const credentialRequests = credentialRequestStore(container("credentialRequests"));
  const auditTrail = cosmosAuditTrail(container("audit"), config.AUDIT_RETENTION_DAYS * 24 * 60 * 60);
  const auditLog = processLogger({ component: "audit" });
  const audit = auditRecorder(auditTrail, () => new Date(), auditLog, { failure: auditAppendFailure });
  const refusals = refusalRecorder(audit, () => new Date(), auditLog);
  const payloads = blobPayloadStore(
    payloadContainer(
      config.PAYLOAD_STORAGE_CONNECTION_STRING
        ? { connectionString: config.PAYLOAD_STORAGE_CONNECTION_STRING }
        : { url: config.PAYLOAD_STORAGE_URL ?? "", credential },
    ),
  );
  const healthChecks = dependencyChecks(database, serviceBus);
  const verifiedIdTokens = verifiedIdCredential(config, credential);
  const outbound: OutboundPolicy = { local: runsLocally(config) };
  const trustTokens = trustTokenVerifier({
    trusts,
    usedTokenIds: usedTokenIdStore(container("tokenIds")),
    audience: trustAudience(config.SESSION_ISSUER),
    clock: () => new Date(),
    outbound,
  });
  const wallets = standardWallets({
    chainPem: config.OPENID4VP_CERTIFICATE_CHAIN,
    issuerRootsPem: config.OPENID4VP_ISSUER_ROOTS,
    key: () =>
      config.OPENID4VP_LOCAL_KEY !== undefined
        ? localRequestKey(config.OPENID4VP_LOCAL_KEY)
        : vaultRequestKey(
            keyVaultSigningKeys({
              vaultUrl: config.KEY_VAULT_URL ?? "",
              keyName: config.OPENID4VP_KEY_NAME,
              credential: isLoopbackUrl(config.KEY_VAULT_URL ?? "")
                ? new StaticTokenCredential("local-key-vault-token")
                : credential,
              publishLeadMs: 0,
            }),
          ),
    origin: eventIssuerOf(config),
    outbound,
    clock: () => new Date(),
  });
  return {
    config,
    cosmos,
    database,
    serviceBus,
    trusts,
    wallets,
    requests: requestStore(container("requests")),
    shares,
    credentialRequests,
    payloads,
    publisher: serviceBusEventPublisher(serviceBus),
    verifiedId: createVerifiedIdClient({
      baseUrl: config.VERIFIEDID_BASE_URL,
      credential: verifiedIdTokens,
      authority: config.VERIFIEDID_AUTHORITY,
      callbackUrl: config.VERIFIEDID_CALLBACK_URL,
    }),
    // The Admin API is served from the Request Service's host, to the same app, for a token of its own resource.
    verifiedIdAdmin: createVerifiedIdAdmin({
      baseUrl: config.VERIFIEDID_BASE_URL,
      credential: verifiedIdTokens,
    }),
    accessKeys: accessKeyStore(container("accessKeys")),
    auditTrail,
    audit,
    refusals,
    keys,
    sessions: sessionIssuer(keys, config.SESSION_ISSUER),
    trustTokens,
    clock: () => new Date(),
    outbound,
    session: { issuer: config.SESSION_ISSUER, ttlSeconds: config.SESSION_TTL_SECONDS },
    healthChecks,
    // Share events parked in an outbox make the service degraded, not unavailable (src/app/outbox.ts).
    health: cachedHealth(healthChecks, {
      clock: () => new Date(),
      parked: () => countParked({ shares, credentialRequests }),
    }),
    rateLimits: rateLimitsOf(config),
    ...shareEventConsumers(
      config,
      container,
      serviceBus,
      trusts,
      keys,
      credentialRequests,
      payloads,
      trustTokens,
      audit,
    ),
    async close() {
      // Refusal entries still being written finish before the client they write through is disposed.
      await refusals.settled();
      (await cosmos.made())?.dispose();
      await (await serviceBus.made())?.close();
      // The connections kept open to trusts: a stopped service holds none to a server being stopped too.
      closePooledConnections();
    },
  };
}

function rateLimitsOf(config: Config): RateLimits {
  const perMinute = (limit: number) => tokenBucketLimiter({ perMinute: limit, clock: () => new Date() });
  return {
    logins: perMinute(config.RATE_LIMIT_LOGINS_PER_MINUTE),
    anonymous: perMinute(config.RATE_LIMIT_ANONYMOUS_PER_MINUTE),
    shares: perMinute(config.RATE_LIMIT_SHARES_PER_MINUTE),
    declines: perMinute(config.RATE_LIMIT_DECLINES_PER_MINUTE),
    trust: perMinute(config.RATE_LIMIT_TRUST_PER_MINUTE),
    failedCallbacks: perMinute(config.RATE_LIMIT_FAILED_CALLBACKS_PER_MINUTE),
    clientAddress: (request) => clientAddress(request, config.FRONT_DOOR_ID),
  };
}

function dependencyChecks(
  database: () => Promise<Database>,
  serviceBus: () => Promise<ServiceBusClient>,
): Record<string, HealthCheck> {
  return {
    cosmos: async () => {
      await (await database()).read();
    },
    // A peek is a real round trip to the broker that takes no lock and changes nothing.
    serviceBus: async () => {
      const receiver = (await serviceBus()).createReceiver(SHARE_EVENTS_TOPIC, "record");
      try {
        await receiver.peekMessages(1);
      } finally {
        await receiver.close();
      }
    },
  };
}

let current: Services | undefined;

export function services(): Services {
  current ??= buildServices(loadConfig(process.env));
  return current;
}

/** Drops the built services so that the next call rebuilds them from the environment (tests, local restarts). */
export function resetServices(): void {
  const previous = current;
  current = undefined;
  void previous?.close();
}
