// A fault-injecting TCP proxy for tests: it forwards to a dependency until cut, and while cut it drops every open
// connection and refuses new ones, so the dependency is unreachable without losing any of its data.

import type { AddressInfo } from "node:net";
import { connect, createServer, type Server, type Socket } from "node:net";

export type FaultProxy = {
  /** The port it listens on, bound as port 0: no other process can hold it. */
  port: number;
  /**
   * Where it forwards from now on: a dependency that starts after the proxy (on a port of its own choosing) is
   * named here once it listens. Until then the proxy drops every connection, as if cut.
   */
  forwardTo(port: number, host?: string): void;
  /** Drops open connections and refuses new ones until restored. */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
};

export async function startFaultProxy(target?: { host?: string; port: number }): Promise<FaultProxy> {
  const sockets = new Set<Socket>();
  let isCut = false;
  let upstreamAt = target;
  const server: Server = createServer((client) => {
    if (isCut || upstreamAt === undefined) {
      client.destroy();
      return;
    }
    const upstream = connect(upstreamAt.port, upstreamAt.host ?? "127.0.0.1");
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const dropAll = () => {
    for (const socket of sockets) socket.destroy();
  };
  return {
    port: (server.address() as AddressInfo).port,
    forwardTo(port, host) {
      upstreamAt = host === undefined ? { port } : { port, host };
    },
    cut() {
      isCut = true;
      dropAll();
    },
    restore() {
      isCut = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        dropAll();
        server.close(() => resolve());
      }),
  };
}
