// One part of the local system in a process of its own, for the benchmarks: `node --import tsx bench/parts.ts
// <part>`, settings from the environment. It prints `ready <json>` once serving, answers each command line on
// stdin with `reply <json>`, and stops on SIGTERM. Parts:
// - cosmos: the Cosmos DB emulator, counting the operations it serves by kind and container (`stats`, `reset`);
// - servicebus: the Service Bus emulator with the local Config.json;
// - blob: Azurite's Blob service, where share event payloads rest;
// - verifiedid: the Verified ID simulator;
// - trust: the demo trust (BENCH_JWKS_URL, BENCH_ISSUER), telling when each verified SET arrived (`receipts`);
// - host: the local Functions host on BENCH_HOST_PORT, wired to the parts above (BENCH_COSMOS_PORT,
//   BENCH_SERVICEBUS_CONNECTION, BENCH_VERIFIEDID_PORT, BENCH_TRUST_URL); BENCH_HOST_FUNCTIONS=http serves the
//   HTTP functions alone. It counts the Service Bus messages it sends (`stats`), collects garbage (`gc`), and
//   profiles its CPU over a window (`profile-start`, then `profile-stop` writes a .cpuprofile into
//   BENCH_WINDOW_PROF_DIR), so that a profile holds what a benchmark measures and not its set-up. It runs without
//   an OpenTelemetry SDK unless BENCH_HOST_TRACING=on (the local SDK of local/telemetry.ts, as `npm start`
//   installs it); `tracing-on` and `tracing-off` install and remove that SDK while it runs, so that one run
//   compares both, and `spans` tells what the spans kept in memory for each share's trace come to;
// - bare: a bare node:http server that parses a JSON body and answers 200, the callback benchmark's baseline;
// - receiver: a bare push receiver that reads a body and answers 202, over https with a self-signed certificate
//   for 127.0.0.1 (which it prints, for the client to check) when BENCH_RECEIVER_TLS=on, else over http: the
//   other end of the push floor (bench/floor.ts).
import { KeyObject, webcrypto } from "node:crypto";
import { writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { Session } from "node:inspector";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { closeOnSignals } from "../local/cli.js";
import { SERVICEBUS_CONFIG } from "../local/system.js";
import { tracingSwitch } from "./tracing.js";

type Commands = Record<string, () => unknown>;

/** CPU profiling of a window of this process, through the inspector (its callbacks run before `post` returns). */
function windowProfiler(): Commands {
  const session = new Session();
  session.connect();
  const post = (method: string) => {
    let result: unknown;
    session.post(method, (error, reply) => {
      if (error) throw error;
      result = reply;
    });
    return result;
  };
  return {
    "profile-start": () => {
      post("Profiler.enable");
      post("Profiler.start");
      return {};
    },
    "profile-stop": () => {
      const { profile } = post("Profiler.stop") as { profile: unknown };
      const file = join(env("BENCH_WINDOW_PROF_DIR"), `host-window-${Date.now()}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      return { file };
    },
  };
}

const env = (name: string) => {
  const value = process.env[name];
  if (value === undefined || value === "") throw new Error(`${name} is not set`);
  return value;
};

function serve(info: Record<string, unknown>, commands: Commands, close: () => Promise<void>): void {
  createInterface({ input: process.stdin }).on("line", (line) => {
    const command = commands[line.trim()];
    console.log(
      `reply ${JSON.stringify(command ? (command() ?? {}) : { error: `unknown command ${line}` })}`,
    );
  });
  closeOnSignals(close, ["SIGTERM"]);
  console.log(`ready ${JSON.stringify(info)}`);
}

/** A Cosmos DB operation by what it does: reads, queries and their plans, creates, replaces, deletes, metadata. */
function operationOf(method: string, path: string, headers: Record<string, unknown>): string {
  const isDocument = /\/docs(\/|$)/.test(path);
  if (!isDocument) return "metadata";
  if (method === "POST") {
    if (String(headers["x-ms-documentdb-isquery"]).toLowerCase() === "true") return "query";
    // The SDK asks for a cross-partition query's plan first, with a POST to the container's documents.
    if (String(headers["x-ms-cosmos-is-query-plan-request"]).toLowerCase() === "true") return "queryPlan";
    if (String(headers["x-ms-cosmos-is-batch-request"]).toLowerCase() === "true") return "batch";
    return String(headers["x-ms-documentdb-is-upsert"]).toLowerCase() === "true" ? "upsert" : "create";
  }
  if (method === "GET") return path.endsWith("/docs") ? "readFeed" : "read";
  if (method === "PUT") return "replace";
  if (method === "PATCH") return "patch";
  if (method === "DELETE") return "delete";
  return "other";
}

async function cosmos(): Promise<void> {
  const { startCosmosEmulator } = await import("../local/cosmos.js");
  const emulator = await startCosmosEmulator({ port: 0 });
  let operations: Record<string, { count: number; requestBytes: number; responseBytes: number }> = {};
  emulator.server.prependListener("request", (request, response) => {
    const container = /\/colls\/([^/]+)/.exec(request.url ?? "")?.[1];
    const kind = operationOf(
      request.method ?? "",
      new URL(request.url ?? "/", "https://x").pathname,
      request.headers,
    );
    const key = kind === "metadata" || container === undefined ? kind : `${kind} ${container}`;
    operations[key] ??= { count: 0, requestBytes: 0, responseBytes: 0 };
    const entry = operations[key];
    entry.count++;
    entry.requestBytes += Number(request.headers["content-length"] ?? 0);
    const end = response.end.bind(response);
    response.end = ((chunk?: unknown, ...rest: never[]) => {
      if (typeof chunk === "string" || Buffer.isBuffer(chunk))
        entry.responseBytes += Buffer.byteLength(chunk);
      return end(chunk as never, ...rest);
    }) as typeof response.end;
  });
  serve(
    { port: emulator.port },
    {
      stats: () => operations,
      reset: () => {
        operations = {};
      },
    },
    emulator.close,
  );
}

async function serviceBus(): Promise<void> {
  const { startServiceBusEmulator } = await import("../local/servicebus/index.js");
  const emulator = await startServiceBusEmulator({ port: 0, config: SERVICEBUS_CONFIG });
  serve({ port: emulator.port, connectionString: emulator.connectionString }, {}, emulator.close);
}

async function blob(): Promise<void> {
  const { startBlobEmulator } = await import("../local/azurite.js");
  const emulator = await startBlobEmulator({ port: 0 });
  // Azurite runs in a process of its own: its pid is the one whose CPU is the Blob service's.
  serve(
    { port: emulator.port, connectionString: emulator.connectionString, pid: emulator.pid },
    {},
    emulator.close,
  );
}

async function verifiedId(): Promise<void> {
  const { startVerifiedIdSimulator } = await import("../local/verifiedid/index.js");
  const simulator = await startVerifiedIdSimulator({ port: 0 });
  serve({ port: simulator.port, url: simulator.url }, {}, simulator.close);
}

async function trust(): Promise<void> {
  const [{ startDemoTrust }, { loadSeedTrusts }] = await Promise.all([
    import("../local/demo-trust/index.js"),
    import("../local/seed/index.js"),
  ]);
  const trust = await startDemoTrust({
    port: 0,
    jwksUrl: env("BENCH_JWKS_URL"),
    issuer: env("BENCH_ISSUER"),
    audiences: (await loadSeedTrusts()).map((seeded) => seeded.id),
  });
  // When each verified SET arrived, by share id (`txn`), stamped by a check every millisecond or two.
  const receipts: Record<string, number> = {};
  let seen = 0;
  const stamp = setInterval(() => {
    const received = trust.received();
    const at = performance.timeOrigin + performance.now();
    for (; seen < received.length; seen++) {
      const event = received[seen];
      const txn = event?.claims?.txn;
      if (event?.verified && typeof txn === "string") receipts[txn] ??= at;
    }
  }, 1);
  serve({ port: trust.port, url: trust.url }, { receipts: () => receipts }, async () => {
    clearInterval(stamp);
    await trust.close();
  });
}

/** Counts every Blob storage operation the host's payload store makes, by kind. */
async function countBlobOperations(): Promise<() => Record<string, number>> {
  const { BlockBlobClient } = await import("@azure/storage-blob");
  const counts: Record<string, number> = {};
  const prototype = BlockBlobClient.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const name of ["upload", "download", "deleteIfExists"]) {
    const original = prototype[name];
    if (original === undefined) continue;
    prototype[name] = function (this: unknown, ...args: unknown[]) {
      counts[name] = (counts[name] ?? 0) + 1;
      return original.apply(this, args);
    };
  }
  return () => ({ ...counts });
}

/** Counts every message the host's Service Bus clients send or schedule. */
async function countServiceBusMessages(): Promise<() => number> {
  const { ServiceBusClient } = await import("@azure/service-bus");
  let messages = 0;
  const createSender = ServiceBusClient.prototype.createSender;
  ServiceBusClient.prototype.createSender = function (this: InstanceType<typeof ServiceBusClient>, ...args) {
    const sender = createSender.apply(this, args);
    const sendMessages = sender.sendMessages.bind(sender);
    const scheduleMessages = sender.scheduleMessages.bind(sender);
    const countOf = (messages: unknown) =>
      Array.isArray(messages) ? messages.length : ((messages as { count?: number }).count ?? 1);
    sender.sendMessages = (batch, options) => {
      messages += countOf(batch);
      return sendMessages(batch, options);
    };
    sender.scheduleMessages = (batch, at, options) => {
      messages += countOf(batch);
      return scheduleMessages(batch, at, options);
    };
    return sender;
  };
  return () => messages;
}

async function host(): Promise<void> {
  const [{ functions }, { startLocalHost }, system, settingsModule, config, composition, seed] =
    await Promise.all([
      import("../functions/index.js"),
      import("../local/host/index.js"),
      import("../local/system.js"),
      import("../local/settings.js"),
      import("../src/config.js"),
      import("../src/composition.js"),
      import("../local/seed/index.js"),
    ]);
  // Before any function runs, so that with BENCH_HOST_TRACING=on every span is kept, as `npm start` keeps them.
  const tracing = await tracingSwitch(process.env.BENCH_HOST_TRACING === "on");
  const sent = await countServiceBusMessages();
  const blobOperations = await countBlobOperations();
  const ports = {
    host: Number(env("BENCH_HOST_PORT")),
    cosmos: Number(env("BENCH_COSMOS_PORT")),
    serviceBus: 0,
    verifiedId: Number(env("BENCH_VERIFIEDID_PORT")),
    demoTrust: 0,
  };
  const settings = {
    ...settingsModule.localSettings(
      ports,
      env("BENCH_SERVICEBUS_CONNECTION"),
      env("BENCH_PAYLOAD_STORAGE_CONNECTION"),
    ),
    LOCAL_KEYS_DIR: env("BENCH_KEYS_DIR"),
    LOG_LEVEL: "warn",
  };
  for (const [name, value] of Object.entries(settings)) process.env[name] = value;
  config.loadConfig(process.env);
  composition.resetServices();
  await system.prepareStore(await seed.loadSeedTrusts(), env("BENCH_TRUST_URL"));
  const served =
    process.env.BENCH_HOST_FUNCTIONS === "http" ? functions.filter((fn) => fn.kind === "http") : functions;
  const localHost = await startLocalHost(served, {
    port: ports.host,
    hostJson: system.readHostJson(),
    settings,
    log: (line) => {
      if (!line.startsWith("[information]")) console.log(line);
    },
  });
  serve(
    { port: localHost.port, url: localHost.url },
    {
      stats: () => ({
        serviceBusMessages: sent(),
        blobOperations: blobOperations(),
        rss: process.memoryUsage().rss,
      }),
      gc: () => {
        (globalThis as { gc?: () => void }).gc?.();
        const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
        return { rss, heapUsed, external, arrayBuffers };
      },
      ...(process.env.BENCH_WINDOW_PROF_DIR ? windowProfiler() : {}),
      ...tracing,
    },
    async () => {
      await localHost.close();
      await composition.services().close();
    },
  );
}

async function bare(): Promise<void> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      JSON.parse(Buffer.concat(chunks).toString("utf8"));
      response.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  serve({ port, url: `http://127.0.0.1:${port}` }, {}, async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
}

/** A self-signed certificate for 127.0.0.1, valid from a day ago to a day ahead, with its private key, as PEM. */
async function loopbackCertificate(): Promise<{ cert: string; key: string }> {
  const [x509, { generateKeyPair }] = await Promise.all([import("@peculiar/x509"), import("jose")]);
  x509.cryptoProvider.set(webcrypto);
  const keys = await generateKeyPair("ES256", { extractable: true });
  const now = Date.now();
  const day = 24 * 60 * 60 * 1000;
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name: "CN=127.0.0.1",
    notBefore: new Date(now - day),
    notAfter: new Date(now + day),
    keys,
    signingAlgorithm: { name: "ECDSA", hash: "SHA-256" },
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: "ip", value: "127.0.0.1" }])],
  });
  const key = KeyObject.from(keys.privateKey).export({ type: "pkcs8", format: "pem" });
  return { cert: certificate.toString("pem"), key: String(key) };
}

async function receiver(): Promise<void> {
  const answer = (request: IncomingMessage, response: ServerResponse) => {
    request.resume();
    request.on("end", () => response.writeHead(202).end());
  };
  const tls = process.env.BENCH_RECEIVER_TLS === "on" ? await loopbackCertificate() : undefined;
  const server = tls ? createHttpsServer(tls, answer) : createServer(answer);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  serve(
    { port, url: `${tls ? "https" : "http"}://127.0.0.1:${port}/`, ...(tls ? { ca: tls.cert } : {}) },
    {},
    async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  );
}

const parts: Record<string, () => Promise<void>> = {
  cosmos,
  servicebus: serviceBus,
  blob,
  verifiedid: verifiedId,
  trust,
  host,
  bare,
  receiver,
};
const part = parts[process.argv[2] ?? ""];
if (!part) {
  console.error(`Usage: bench/parts.ts ${Object.keys(parts).join("|")}`);
  process.exit(2);
}
await part();
