// Entry point for the Azure Functions host: registers every function of functions/index.ts. The build bundles
// this file into dist/main.cjs, which package.json "main" names.
import { app } from "@azure/functions";
import { loadConfig } from "../src/config.js";
import { functions } from "./index.js";

app.setup({ enableHttpStream: false });

// Validate every setting when the worker starts, so a bad setting fails the app at once, naming the setting.
app.hook.appStart(() => {
  loadConfig(process.env);
});

for (const fn of functions) {
  switch (fn.kind) {
    case "http":
      app.http(fn.name, fn.options);
      break;
    case "serviceBusTopic":
      app.serviceBusTopic(fn.name, fn.options);
      break;
    case "serviceBusQueue":
      app.serviceBusQueue(fn.name, fn.options);
      break;
    case "timer":
      app.timer(fn.name, fn.options);
      break;
  }
}
