// Runs the Verified ID simulator on its own (e.g. `npx tsx local/verifiedid/main.ts`) until SIGINT or SIGTERM.
import { startVerifiedIdSimulator, VERIFIEDID_SIM_DEFAULT_PORT } from "./index.js";

const port = Number(process.env.VERIFIEDID_SIM_PORT ?? VERIFIEDID_SIM_DEFAULT_PORT);
const simulator = await startVerifiedIdSimulator({
  port,
  log: (line) => console.log(`[verifiedid] ${line}`),
});
console.log(
  `Verified ID simulator ready at ${simulator.url} (demo wallet: ${simulator.url}/wallet/wallets/demo)`,
);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    simulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
