// The runtime classes of @azure/functions, reached through its default export because the package is CommonJS
// and Node's ESM loader cannot see its named exports.
import functionsLibrary from "@azure/functions";

export const { HttpRequest, InvocationContext } = functionsLibrary;
