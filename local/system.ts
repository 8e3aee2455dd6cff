// The whole system on one machine: emulators, simulators and the local Functions host, wired with the local
// settings. `npm start` runs it on the documented ports; the tests run it on free ports.
import { readFileSync } from "node:fs";
import type { FunctionDefinition } from "../functions/definition.js";
import { functions as allFunctions } from "../functions/index.js";
import { ensureDatabase } from "../src/adapters/cosmos/client.js";
import { ensureContainers } from "../src/adapters/cosmos/containers.js";
import { resetServices, services } from "../src/composition.js";
import { loadConfig } from "../src/config.js";
import { type CosmosEmulator, startCosmosEmulator } from "./cosmos.js";
import { type HostJson, type LocalHost, startLocalHost } from "./host/index.js";
import { localSettings, type Ports, sampleSettings } from "./settings.js";

export type SystemOptions = {
  ports: Ports;
  /** Functions to serve; all of them unless a test narrows the set. */
  functions?: readonly FunctionDefinition[];
  maxRequestBytes?: number;
  log?: (line: string) => void;
};

export type LocalSystem = {
  urls: { host: string; cosmos: string };
  settings: Record<string, string>;
  cosmos: CosmosEmulator;
  host: LocalHost;
  close(): Promise<void>;
};

function readHostJson(): HostJson {
  return JSON.parse(readFileSync(new URL("../host.json", import.meta.url), "utf8")) as HostJson;
}

/** Starts every part, stopping what already started if a later part fails. */
export async function startSystem(options: SystemOptions): Promise<LocalSystem> {
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    stops.length = 0;
  };
  try {
    const cosmos = await startCosmosEmulator({ port: options.ports.cosmos });
    stops.push(() => cosmos.close());

    const serviceBusConnection = sampleSettings().ServiceBusConnection ?? "";
    const hostJson = readHostJson();
    // The host's own port must be known before the settings that name it, so it starts first.
    let settings = localSettings({ ...options.ports, cosmos: cosmos.port }, serviceBusConnection);
    const host = await startLocalHost(options.functions ?? allFunctions, {
      port: options.ports.host,
      hostJson,
      settings,
      ...(options.maxRequestBytes ? { maxRequestBytes: options.maxRequestBytes } : {}),
      ...(options.log ? { log: options.log } : {}),
    });
    stops.push(() => host.close());
    settings = localSettings(
      { ...options.ports, cosmos: cosmos.port, host: host.port },
      serviceBusConnection,
    );

    // The function handlers read their settings from the environment, as they do in Azure.
    for (const [name, value] of Object.entries(settings)) process.env[name] = value;
    loadConfig(process.env);
    resetServices();
    stops.push(async () => resetServices());

    const { cosmos: client, config } = services();
    await ensureContainers(await ensureDatabase(client, config.COSMOS_DATABASE));

    return {
      urls: { host: host.url, cosmos: cosmos.endpoint },
      settings,
      cosmos,
      host,
      close: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
