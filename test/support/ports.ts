// Loopback ports for the few processes that must be told their port before they bind it, and a check that a port
// was freed. Everything else binds port 0 and reports the port it got.
import { createServer } from "node:net";

/**
 * A port that was free a moment ago. It is released before the process it is meant for binds it, so another
 * process may take it meanwhile: only for a process whose own settings name its port before it starts (the host
 * that a test kills and restarts on the same URL, the benchmark host whose URL the demo trust is told first).
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** Resolves when nothing listens on the port any more. */
export async function portIsFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise<boolean>((resolve) => {
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}
