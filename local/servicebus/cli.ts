// Command line entry: `npm run servicebus -- --port N --config FILE [--key K]` runs the emulator until stopped.
import { parseArgs } from "node:util";
import { closeOnSignals, portOrExit } from "../cli.js";
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

const port = portOrExit(values.port ?? process.env.SERVICEBUS_PORT, 5672, "--port");

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
  closeOnSignals(() => emulator.close());
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
