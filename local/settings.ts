// The local app settings: local.settings.sample.json, with the addresses rewritten for the ports in use, so that
// `npm start`, the tests and `func start` all read one list.
import { readFileSync } from "node:fs";

export type Ports = {
  host: number;
  verifiedId: number;
  demoTrust: number;
  cosmos: number;
  serviceBus: number;
  /** Azurite's Blob service, for share event payloads; absent means any free port. */
  blob?: number;
};

export const DEFAULT_PORTS: Ports = {
  host: 7071,
  verifiedId: 7072,
  demoTrust: 7073,
  cosmos: 8081,
  serviceBus: 5672,
  blob: 10000,
};

const PORT_VARIABLES: Readonly<Record<keyof Ports, string>> = {
  host: "PORT",
  verifiedId: "VERIFIEDID_SIM_PORT",
  demoTrust: "DEMO_TRUST_PORT",
  cosmos: "COSMOS_PORT",
  serviceBus: "SERVICEBUS_PORT",
  blob: "AZURITE_BLOB_PORT",
};

/**
 * Ports from PORT, VERIFIEDID_SIM_PORT, DEMO_TRUST_PORT, COSMOS_PORT, SERVICEBUS_PORT and AZURITE_BLOB_PORT, else
 * the defaults.
 */
export function portsFromEnv(env: Record<string, string | undefined>): Ports {
  const ports = { ...DEFAULT_PORTS };
  for (const key of Object.keys(PORT_VARIABLES) as (keyof Ports)[]) {
    const name = PORT_VARIABLES[key];
    const text = env[name];
    if (text === undefined || text === "") continue;
    const port = Number(text);
    if (!Number.isInteger(port) || port < 0 || port > 65_535)
      throw new Error(`${name} must be a port number`);
    ports[key] = port;
  }
  return ports;
}

export function sampleSettings(): Record<string, string> {
  const file = JSON.parse(
    readFileSync(new URL("../local.settings.sample.json", import.meta.url), "utf8"),
  ) as {
    Values: Record<string, string>;
  };
  return file.Values;
}

/** The settings for a local run whose components listen on these ports (0 is never passed here). */
export function localSettings(
  ports: Ports,
  serviceBusConnection: string,
  payloadStorageConnection: string,
): Record<string, string> {
  const host = `http://127.0.0.1:${ports.host}`;
  return {
    ...sampleSettings(),
    COSMOS_ENDPOINT: `https://127.0.0.1:${ports.cosmos}/`,
    ServiceBusConnection: serviceBusConnection,
    PAYLOAD_STORAGE_CONNECTION_STRING: payloadStorageConnection,
    VERIFIEDID_BASE_URL: `http://127.0.0.1:${ports.verifiedId}`,
    VERIFIEDID_CALLBACK_URL: `${host}/api/verifiedid/callback`,
    SESSION_ISSUER: `${host}/api`,
  };
}

/**
 * The settings of local.settings.sample.json that the environment sets, which win over the file's, as the
 * Functions host lets an environment variable win over local.settings.json: `RATE_LIMIT_LOGINS_PER_MINUTE=20 npm
 * start` runs with 20. Only the sample's names are taken, so nothing else of the environment becomes a setting.
 */
export function settingsFromEnv(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.keys(sampleSettings()).flatMap((name) => {
      const value = env[name];
      return value === undefined || value === "" ? [] : [[name, value]];
    }),
  );
}
