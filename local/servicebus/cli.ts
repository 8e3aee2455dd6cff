// Command line entry: `npm run servicebus -- --port N --config FILE [--key K]` runs the emulator until stopped.
import { parseArgs } from "node:util";
import { startServiceBusEmulator } from "./index.js";

const { values } = parseArgs({
  options: {
    port: { type: "string" },
    config: { type: "string" },
    key: { type: "string" },
    "key-name": { type: "string" },
    host: { type: "string" },
  },
});

const port = Number(values.port ?? process.env.SERVICEBUS_PORT ?? 5672);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`Invalid --port '${values.port ?? process.env.SERVICEBUS_PORT}'.`);
  process.exit(2);
}

try {
  const emulator = await startServiceBusEmulator({
    port,
    config: values.config ?? "local/servicebus/Config.json",
    ...(values.host ? { host: values.host } : {}),
    ...(values.key ? { key: values.key } : {}),
    ...(values["key-name"] ? { keyName: values["key-name"] } : {}),
  });
  console.log(`Service Bus emulator listening on port ${emulator.port}`);
  console.log(`Connection string: ${emulator.connectionString}`);
  const stop = (): void => {
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
