// Starts the whole local system on free ports for a test file, with signing keys in a folder of its own.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LocalSystem, type SystemOptions, startSystem } from "../../local/system.js";
import { type FaultProxy, startFaultProxy } from "./faultProxy.js";

export async function startTestSystem(options: Partial<SystemOptions> = {}): Promise<LocalSystem> {
  return startSystem({
    ports: { host: 0, verifiedId: 0, demoTrust: 0, cosmos: 0, serviceBus: 0 },
    ...options,
    settings: { LOCAL_KEYS_DIR: mkdtempSync(join(tmpdir(), "staff-passport-keys-")), ...options.settings },
  });
}

/** The Service Bus emulator's connection string, for a client that reaches it on the port given. */
export const serviceBusConnectionVia = (port: number) =>
  `Endpoint=sb://localhost:${port};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true;`;

export type ProxiedSystem = {
  readonly system: LocalSystem;
  readonly cosmosProxy: FaultProxy;
  readonly serviceBusProxy: FaultProxy;
  close(): Promise<void>;
};

/**
 * The whole system with the app reaching Cosmos DB and Service Bus through fault-injecting proxies, so that a test
 * can cut either while the emulators keep their data.
 */
export async function startProxiedTestSystem(options: Partial<SystemOptions> = {}): Promise<ProxiedSystem> {
  // The proxies listen first, so the settings can name them; the emulators then bind ports of their own choosing,
  // and the proxies are pointed at those before anything goes through them.
  const cosmosProxy = await startFaultProxy();
  const serviceBusProxy = await startFaultProxy();
  const closeProxies = async () => {
    await cosmosProxy.close();
    await serviceBusProxy.close();
  };
  try {
    const system = await startTestSystem({
      ...options,
      onEmulatorPorts: (ports) => {
        cosmosProxy.forwardTo(ports.cosmos);
        serviceBusProxy.forwardTo(ports.serviceBus);
        options.onEmulatorPorts?.(ports);
      },
      settings: {
        COSMOS_ENDPOINT: `https://127.0.0.1:${cosmosProxy.port}/`,
        ServiceBusConnection: serviceBusConnectionVia(serviceBusProxy.port),
        ...options.settings,
      },
    });
    return {
      system,
      cosmosProxy,
      serviceBusProxy,
      async close() {
        await system.close();
        await closeProxies();
      },
    };
  } catch (error) {
    await closeProxies();
    throw error;
  }
}

export type JsonResponse<T> = { status: number; body: T; headers: Headers };

/** A JSON request to a URL, answering status, parsed body and headers. */
export async function call<T = Record<string, unknown>>(
  url: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<JsonResponse<T>> {
  const response = await fetch(url, {
    method: init.method ?? (init.body === undefined ? "GET" : "POST"),
    headers: { ...(init.body === undefined ? {} : { "content-type": "application/json" }), ...init.headers },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: (text ? JSON.parse(text) : undefined) as T,
    headers: response.headers,
  };
}

/**
 * The correlation id the service answered with. A test finds log lines by it, so a missing or empty one fails
 * here: searching for "" would match every line.
 */
export function correlationIdOf(response: { headers: Headers }): string {
  const id = response.headers.get("x-correlation-id");
  if (id === null || id.trim() === "") throw new Error("the response carries no x-correlation-id");
  return id;
}
