// Starts the Service Bus emulator in-process: loads the Config.json, builds the namespace and listens for AMQP.
import { type AmqpServer, type ServerDiagnostics, startAmqpServer } from "./amqp/server.js";
import { Namespace } from "./broker/namespace.js";
import { loadEmulatorConfig, parseEmulatorConfig } from "./config/load.js";
import type { EmulatorConfig, ValidEmulatorConfig } from "./config/schema.js";

export { ConfigError, loadEmulatorConfig, parseEmulatorConfig } from "./config/load.js";
export { type EmulatorConfig, emulatorConfigSchema, type ValidEmulatorConfig } from "./config/schema.js";

/** Microsoft's emulator uses this key name and key, so one connection string works against either emulator. */
export const DEFAULT_KEY_NAME = "RootManageSharedAccessKey";
export const DEFAULT_KEY = "SAS_KEY_VALUE";

export interface ServiceBusEmulatorOptions {
  /** 0 (the default) picks a free port; read it back from `port`. */
  port?: number;
  host?: string;
  /** A path to a Config.json, or the parsed object. */
  config: string | EmulatorConfig;
  keyName?: string;
  key?: string;
}

/** Counts of what the emulator holds, for checks that nothing outlives the clients and links it belongs to. */
export type EmulatorDiagnostics = ServerDiagnostics;

export interface ServiceBusEmulator {
  readonly port: number;
  readonly connectionString: string;
  diagnostics(): EmulatorDiagnostics;
  close(): Promise<void>;
}

export async function startServiceBusEmulator(
  options: ServiceBusEmulatorOptions,
): Promise<ServiceBusEmulator> {
  const config: ValidEmulatorConfig =
    typeof options.config === "string"
      ? await loadEmulatorConfig(options.config)
      : parseEmulatorConfig(options.config);
  const keyName = options.keyName ?? DEFAULT_KEY_NAME;
  const key = options.key ?? DEFAULT_KEY;
  const namespace = new Namespace(config);
  let server: AmqpServer;
  try {
    server = await startAmqpServer({
      port: options.port ?? 0,
      host: options.host ?? "127.0.0.1",
      namespace,
      key: { keyName, key },
    });
  } catch (error) {
    namespace.close();
    throw error;
  }
  return {
    port: server.port,
    connectionString: `Endpoint=sb://localhost:${server.port};SharedAccessKeyName=${keyName};SharedAccessKey=${key};UseDevelopmentEmulator=true;`,
    diagnostics: () => server.diagnostics(),
    close: () => server.close(),
  };
}
