// `node --import tsx local/keyvault/cli.ts [port]`: the local Key Vault emulator on its own, for a benchmark or for
// trying SIGNING_KEYS=key-vault on this machine (KEY_VAULT_URL is the URL it prints; `npm run keys -- rotate` makes
// the first key). Prints `ready <url>` once serving; keys last as long as the process.
import { closeOnSignals, portOrExit } from "../cli.js";
import { startKeyVaultEmulator } from "./index.js";

const emulator = await startKeyVaultEmulator({ port: portOrExit(process.argv[2], 0, "port") });
console.log(`ready ${emulator.url}`);
closeOnSignals(emulator.close);
