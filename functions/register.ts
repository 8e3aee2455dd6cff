// Entry point for the Azure Functions host: registers every function of triggers.ts. The build bundles this file
// into dist/main.cjs, which package.json "main" names. Registration needs only each trigger; a function's code
// (index.ts and everything behind it) is loaded by the first invocation of any function, so a cold start does
// not evaluate it.
import { app, type HttpRequest, type InvocationContext, type Timer } from "@azure/functions";
import type { FunctionDefinition } from "./definition.js";
import { triggers } from "./triggers.js";

app.setup({ enableHttpStream: false });

// Validate every setting when the worker starts, so a bad setting fails the app at once, naming the setting; then
// start exporting telemetry to Application Insights, before any function runs.
app.hook.appStart(async () => {
  const { loadConfig } = await import("../src/config.js");
  const config = loadConfig(process.env);
  const { startAzureMonitor } = await import("../src/telemetry/azureMonitor.js");
  await startAzureMonitor(config);
});

let loaded: Promise<ReadonlyMap<string, FunctionDefinition>> | undefined;

/** The definition of a function, from the function list, loaded once. */
function definition(name: string): Promise<FunctionDefinition | undefined> {
  loaded ??= import("./index.js").then(({ functions }) => new Map(functions.map((fn) => [fn.name, fn])));
  return loaded.then((byName) => byName.get(name));
}

async function invoke(name: string, trigger: unknown, context: InvocationContext): Promise<unknown> {
  const fn = await definition(name);
  if (fn === undefined) throw new Error(`Function ${name} is declared but not defined.`);
  // Each definition's handler takes its own trigger's input; the declaration that registered it has the same kind.
  return (fn.options.handler as (input: unknown, context: InvocationContext) => unknown)(trigger, context);
}

for (const declared of triggers) {
  switch (declared.kind) {
    case "http":
      app.http(declared.name, {
        ...declared.options,
        methods: [...declared.options.methods],
        handler: (request: HttpRequest, context) => invoke(declared.name, request, context) as never,
      });
      break;
    case "serviceBusTopic":
      app.serviceBusTopic(declared.name, {
        ...declared.options,
        handler: (message, context) => invoke(declared.name, message, context) as Promise<void>,
      });
      break;
    case "serviceBusQueue":
      app.serviceBusQueue(declared.name, {
        ...declared.options,
        handler: (message, context) => invoke(declared.name, message, context) as Promise<void>,
      });
      break;
    case "timer":
      app.timer(declared.name, {
        ...declared.options,
        handler: (timer: Timer, context) => invoke(declared.name, timer, context) as Promise<void>,
      });
      break;
  }
}
