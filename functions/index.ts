// Every function of the app, in one list read by the Azure registration (register.ts) and by the local host.
// Adding a function means adding its file and one line here.
import type { FunctionDefinition, HttpFunctionDefinition } from "./definition.js";
import { health } from "./health.js";
import { openApi } from "./openApi.js";

export const functions: readonly FunctionDefinition[] = [health, openApi(() => httpFunctions())];

export function httpFunctions(): HttpFunctionDefinition[] {
  return functions.filter((fn): fn is HttpFunctionDefinition => fn.kind === "http");
}
