// Command line entry: runs the local Functions host alone, on PORT, with the app settings taken from the
// environment (as the Functions host reads local.settings.json), against emulators already running elsewhere.
// Tests run it in a process of its own so that they can kill it mid-pipeline and start it again.
import { functions } from "../../functions/index.js";
import { loadConfig } from "../../src/config.js";
import { closeOnSignals, portOrExit } from "../cli.js";
import { readHostJson } from "../system.js";
import { installLocalTelemetry } from "../telemetry.js";
import { startLocalHost } from "./index.js";

const port = portOrExit(process.env.PORT, 7071, "PORT");

try {
  installLocalTelemetry();
  loadConfig(process.env);
  const host = await startLocalHost(functions, {
    port,
    hostJson: readHostJson(),
    settings: process.env,
    log: (line) => console.log(line),
  });
  console.log(`Functions host ready at ${host.url}`);
  closeOnSignals(() => host.close());
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
