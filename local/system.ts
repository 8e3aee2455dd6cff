// The whole system on one machine: emulators, simulators and the local Functions host, wired with the local
// settings. `npm start` runs it on the documented ports; the tests run it on free ports.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { FunctionDefinition } from "../functions/definition.js";
import { functions as allFunctions } from "../functions/index.js";
import { ensurePayloadContainer, payloadContainer } from "../src/adapters/blob/payloadStore.js";
import { ensureDatabase } from "../src/adapters/cosmos/client.js";
import { ensureContainers } from "../src/adapters/cosmos/containers.js";
import { trustAudience } from "../src/adapters/keys/trustTokens.js";
import { resetServices, services } from "../src/composition.js";
import { eventIssuerOf, isLoopbackUrl, loadConfig } from "../src/config.js";
import type { Trust } from "../src/domain/trust.js";
import { type BlobEmulator, startBlobEmulator } from "./azurite.js";
import type { AzuriteProcess } from "./azuriteProcess.mjs";
import { type CosmosEmulator, startCosmosEmulator } from "./cosmos.js";
import { type DemoTrust, startDemoTrust } from "./demo-trust/index.js";
import { type HostJson, type LocalHost, startLocalHost } from "./host/index.js";
import { DEFAULT_LOCAL_CERTIFICATES_DIR, ensureLocalCertificates } from "./openid4vp/ca.js";
import { buildSite, type Site } from "./pages/site.js";
import { ENCRYPTING_SEED_TRUSTS, loadSeedTrusts } from "./seed/index.js";
import { type ServiceBusEmulator, startServiceBusEmulator } from "./servicebus/index.js";
import { localSettings, type Ports } from "./settings.js";
import { installLocalTelemetry, type LocalTelemetry } from "./telemetry.js";
import { startVerifiedIdSimulator, type VerifiedIdSimulator } from "./verifiedid/index.js";

export const SERVICEBUS_CONFIG = fileURLToPath(new URL("./servicebus/Config.json", import.meta.url));

export type SystemOptions = {
  ports: Ports;
  /** Functions to serve; all of them unless a test narrows the set. */
  functions?: readonly FunctionDefinition[];
  maxRequestBytes?: number;
  log?: (line: string) => void;
  /** The Verified ID simulator's clock (tests move it to expire requests). */
  simulatorNow?: () => Date;
  /** Settings that replace the local ones (tests point LOCAL_KEYS_DIR at a folder of their own). */
  settings?: Record<string, string>;
  /** Azurite's process when it was spawned already (npm start spawns it first, to load beside the system). */
  startedAzurite?: AzuriteProcess;
  /** Serve the demo pages: the portal at the host's /, the wallet at the simulator's /, the trust's at its /. */
  pages?: boolean;
  /**
   * The Functions host runs in a process of its own (local/host/cli.ts) on this port, with `settings` of the
   * started system: everything else starts here. Tests use it to kill the host and start it again.
   */
  externalHost?: { port: number };
  /**
   * Told the ports the emulators bound (port 0 lets each pick a free one) before anything reaches them through the
   * settings: tests that route the app through fault proxies point the proxies at them here.
   */
  onEmulatorPorts?: (ports: { cosmos: number; serviceBus: number }) => void;
};

export type LocalSystem = {
  urls: {
    host: string;
    verifiedId: string;
    demoTrust: string;
    cosmos: string;
    serviceBus: string;
    blob: string;
  };
  settings: Record<string, string>;
  /** The spans and metrics of this process; undefined when OTEL_SDK_DISABLED is true. */
  telemetry: LocalTelemetry | undefined;
  cosmos: CosmosEmulator;
  /** Azurite's Blob service, where share event payloads rest. */
  blob: BlobEmulator;
  serviceBus: ServiceBusEmulator;
  verifiedId: VerifiedIdSimulator;
  demoTrust: DemoTrust;
  /** Undefined when the host runs in a process of its own. */
  host: LocalHost | undefined;
  close(): Promise<void>;
};

export function readHostJson(): HostJson {
  return JSON.parse(readFileSync(new URL("../host.json", import.meta.url), "utf8")) as HostJson;
}

/**
 * The seed's loopback push endpoints and JWKS URIs name the demo trust's default port; a run on other ports points
 * them at its own demo trust.
 */
function atDemoTrust(trust: Trust, demoTrustUrl: string): Trust {
  const moved = (url: string) => {
    const local = new URL(url);
    return `${demoTrustUrl}${local.pathname}`;
  };
  const delivery =
    trust.delivery?.mode === "push" && isLoopbackUrl(trust.delivery.endpoint)
      ? { delivery: { mode: "push" as const, endpoint: moved(trust.delivery.endpoint) } }
      : {};
  const jwksUri =
    trust.jwksUri !== undefined && isLoopbackUrl(trust.jwksUri) ? { jwksUri: moved(trust.jwksUri) } : {};
  return { ...trust, ...delivery, ...jwksUri };
}

/**
 * Creates the database and containers and loads the seed's trusts, their push endpoints and JWKS URIs pointed at
 * the demo trust, through the services the environment's settings name.
 */
export async function prepareStore(seed: readonly Trust[], demoTrustUrl: string): Promise<void> {
  const { cosmos: client, config, trusts } = services();
  await ensureContainers(await ensureDatabase(await client(), config.COSMOS_DATABASE));
  // In Azure the template makes the payload container; locally it is made here, as the Cosmos DB containers are.
  if (config.PAYLOAD_STORAGE_CONNECTION_STRING !== undefined) {
    await ensurePayloadContainer(
      payloadContainer({ connectionString: config.PAYLOAD_STORAGE_CONNECTION_STRING }),
    );
  }
  await trusts.upsertAll(seed.map((trust) => atDemoTrust(trust, demoTrustUrl)));
}

/** Starts every part, stopping what already started if a later part fails. */
export async function startSystem(options: SystemOptions): Promise<LocalSystem> {
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    stops.length = 0;
  };
  const log = options.log;
  // Before anything runs a function, so that every span is kept (or exported, with OTEL_EXPORTER_OTLP_ENDPOINT).
  const telemetry = installLocalTelemetry();
  try {
    // The pages build (in esbuild's own process) while the emulators start.
    const pages = options.pages
      ? Promise.all([buildSite("portal"), buildSite("wallet"), buildSite("trust")])
      : Promise.resolve([]);
    const site = (page: Site | undefined) => (page ? { site: page } : {});
    // One local certificate authority for both ends: the simulator's issuer and wallets, and the service's
    // verifier certificate and issuer roots (API.md section 9).
    const certificates = await ensureLocalCertificates(
      options.settings?.LOCAL_OPENID4VP_DIR ?? DEFAULT_LOCAL_CERTIFICATES_DIR,
      options.simulatorNow ? { now: options.simulatorNow } : {},
    );
    const openid4vpSettings = {
      OPENID4VP_CERTIFICATE_CHAIN: certificates.verifier.chainPem,
      OPENID4VP_ROOT_CERTIFICATE: certificates.verifier.rootPem,
      OPENID4VP_ISSUER_ROOTS: certificates.issuers.rootPem,
      // The request key on disk goes with signing keys on disk; with Key Vault keys it is the vault's too.
      ...((options.settings?.SIGNING_KEYS ?? "local") === "local"
        ? { OPENID4VP_LOCAL_KEY: certificates.verifier.keyPkcs8Pem }
        : {}),
    };
    const [[portalPage, , trustPage], cosmos, serviceBus, verifiedId, blob] = await Promise.all([
      pages,
      startCosmosEmulator({ port: options.ports.cosmos }),
      startServiceBusEmulator({ port: options.ports.serviceBus, config: SERVICEBUS_CONFIG }),
      pages.then(([, walletPage]) =>
        startVerifiedIdSimulator({
          port: options.ports.verifiedId,
          certificates,
          ...(options.simulatorNow ? { now: options.simulatorNow } : {}),
          ...(log ? { log } : {}),
          ...site(walletPage),
        }),
      ),
      startBlobEmulator({
        port: options.ports.blob ?? 0,
        ...(options.startedAzurite ? { started: options.startedAzurite } : {}),
      }),
    ]);
    stops.push(
      () => blob.close(),
      () => cosmos.close(),
      () => serviceBus.close(),
      () => verifiedId.close(),
    );
    options.onEmulatorPorts?.({ cosmos: cosmos.port, serviceBus: serviceBus.port });

    const ports: Ports = {
      ...options.ports,
      cosmos: cosmos.port,
      serviceBus: serviceBus.port,
      verifiedId: verifiedId.port,
      blob: blob.port,
    };
    // The host's own port must be known before the settings that name it, so it starts first; its handlers
    // read settings only when invoked.
    const host = options.externalHost
      ? undefined
      : await startLocalHost(options.functions ?? allFunctions, {
          port: options.ports.host,
          hostJson: readHostJson(),
          settings: {
            ...localSettings(ports, serviceBus.connectionString, blob.connectionString),
            ...openid4vpSettings,
          },
          ...(options.maxRequestBytes ? { maxRequestBytes: options.maxRequestBytes } : {}),
          ...(log ? { log } : {}),
          ...site(portalPage),
        });
    if (host) stops.push(() => host.close());
    const hostPort = host?.port ?? options.externalHost?.port ?? 0;
    const hostUrl = host?.url ?? `http://127.0.0.1:${hostPort}`;
    const settings: Record<string, string> = {
      ...localSettings({ ...ports, host: hostPort }, serviceBus.connectionString, blob.connectionString),
      ...openid4vpSettings,
      ...options.settings,
    };

    // The function handlers read their settings from the environment, as they do in Azure.
    for (const [name, value] of Object.entries(settings)) process.env[name] = value;
    loadConfig(process.env);
    resetServices();
    stops.push(async () => resetServices());

    const seed = await loadSeedTrusts();
    const demoTrust = await startDemoTrust({
      port: options.ports.demoTrust,
      jwksUrl: `${hostUrl}/api/.well-known/jwks.json`,
      // SETs carry the SSF issuer, the origin of SESSION_ISSUER unless EVENT_ISSUER says otherwise (src/config.ts).
      issuer: eventIssuerOf({
        SESSION_ISSUER: settings.SESSION_ISSUER ?? "",
        // Blank in the sample settings: the default, as loadConfig reads a blank setting.
        ...(settings.EVENT_ISSUER ? { EVENT_ISSUER: settings.EVENT_ISSUER } : {}),
      }),
      audiences: seed.map((trust) => trust.id),
      trustApi: { baseUrl: `${hostUrl}/api`, audience: trustAudience(settings.SESSION_ISSUER ?? "") },
      pollTrusts: seed.filter((trust) => trust.delivery?.mode === "poll").map((trust) => trust.id),
      encryptingTrusts: ENCRYPTING_SEED_TRUSTS,
      ...(log ? { log } : {}),
      ...site(trustPage),
    });
    stops.push(() => demoTrust.close());

    await prepareStore(seed, demoTrust.url);

    return {
      urls: {
        host: hostUrl,
        verifiedId: verifiedId.url,
        demoTrust: demoTrust.url,
        cosmos: cosmos.endpoint,
        serviceBus: `sb://localhost:${serviceBus.port}`,
        blob: `http://127.0.0.1:${blob.port}`,
      },
      settings,
      telemetry,
      cosmos,
      blob,
      serviceBus,
      verifiedId,
      demoTrust,
      host,
      close: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
