// The outbound guard (src/adapters/net/publicFetch.ts) over real sockets: push endpoints and JWKS URIs a trust gives
// are reached only over https, only at public addresses checked after resolving the name at send time, at exactly
// the address checked, never through a redirect, and their answers are read through a byte limit; an operator's
// pins are checked first. Names are resolved by a resolver the test gives, so that no test reaches the internet.
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer as createHttpServer, type Server as HttpServer, type ServerResponse } from "node:http";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { httpSetPusher } from "../../src/adapters/events/setPusher.js";
import { publicJwksFetcher } from "../../src/adapters/keys/trustTokens.js";
import {
  closePooledConnections,
  isPublicAddress,
  type OutboundPolicy,
  outboundUrlProblem,
  type Resolver,
  runsLocally,
  validateOutboundUrl,
} from "../../src/adapters/net/publicFetch.js";
import { deliverShareEvent } from "../../src/app/deliverShareEvent.js";
import { judgePush } from "../../src/domain/shareDelivery.js";
import { trustSchema } from "../../src/domain/trust.js";
import { deliveryWorld, eventMessage, pushTrust, storedPayload } from "../support/memoryDelivery.js";
import { memoryLogger } from "../support/memoryPorts.js";
import { trustKey } from "../support/trustTokens.js";
import { until } from "../support/until.js";

/** Every server a test starts, closed after it whatever happened. */
const servers: (HttpServer | HttpsServer)[] = [];
afterEach(async () => {
  closePooledConnections();
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

type Seen = {
  requests: { url: string; headers: Record<string, string | string[] | undefined> }[];
  connections: number;
};

async function listen(server: HttpServer | HttpsServer, seen: Seen): Promise<number> {
  servers.push(server);
  server.on("connection", () => seen.connections++);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return (server.address() as AddressInfo).port;
}

/** An http server on loopback that answers with `answer` and records what reached it. */
async function httpServer(answer: (response: ServerResponse) => void = (r) => r.writeHead(202).end()) {
  const seen: Seen = { requests: [], connections: 0 };
  const server = createHttpServer((request, response) => {
    seen.requests.push({ url: request.url ?? "", headers: request.headers });
    request.resume();
    answer(response);
  });
  const port = await listen(server, seen);
  return { seen, port, url: `http://127.0.0.1:${port}` };
}

/**
 * An https server on loopback with the Cosmos DB emulator package's self-signed certificate, which no client
 * trusts: it records the host name each TLS handshake asked for (SNI) and every connection.
 */
async function httpsServer() {
  const certificates = dirname(
    createRequire(import.meta.url).resolve("@vercel/cosmosdb-server/package.json"),
  );
  const seen: Seen & { servernames: string[] } = { requests: [], connections: 0, servernames: [] };
  const server = createHttpsServer(
    {
      cert: readFileSync(join(certificates, "cert.pem")),
      key: readFileSync(join(certificates, "key.pem")),
      SNICallback: (servername, callback) => {
        seen.servernames.push(servername);
        callback(null, undefined);
      },
    },
    (request, response) => {
      seen.requests.push({ url: request.url ?? "", headers: request.headers });
      response.writeHead(202).end();
    },
  );
  const port = await listen(server, seen);
  return { seen, port };
}

/** A resolver with fixed answers that counts its look-ups; an unknown name does not resolve. */
function resolver(answers: Record<string, string[]>): Resolver & { lookups: string[] } {
  const lookups: string[] = [];
  const resolve = async (hostname: string) => {
    lookups.push(hostname);
    const addresses = answers[hostname];
    if (addresses === undefined) throw new Error(`ENOTFOUND ${hostname}`);
    return addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
  };
  return Object.assign(resolve, { lookups });
}

/** A resolver that must not be asked: a test of a check made before resolution gives it. */
const noLookups = resolver({});
const deployment = (resolve: Resolver = noLookups): OutboundPolicy => ({ local: false, resolve });
const onThisMachine = (resolve?: Resolver): OutboundPolicy => ({
  local: true,
  ...(resolve === undefined ? {} : { resolve }),
});

const TOKEN = "eyJhbGciOiJFUzI1NiJ9.e30.c2ln";

describe("a push endpoint on a deployment", () => {
  it("refuses http, even to a host it would resolve, before resolving it", async () => {
    const names = resolver({ "hr.rth.example": ["8.8.8.8"] });
    const result = await httpSetPusher(deployment(names))("http://hr.rth.example/events", TOKEN, 2_000);
    expect(result).toMatchObject({ kind: "refused", reason: "endpoint_not_https" });
    expect(names.lookups).toEqual([]);
  });

  it("refuses loopback, by address or by name, and nothing reaches the server listening there", async () => {
    const { seen, port } = await httpsServer();
    const push = httpSetPusher(deployment(resolver({ localhost: ["127.0.0.1"] })));
    for (const endpoint of [`https://127.0.0.1:${port}/events`, `https://localhost:${port}/events`]) {
      expect(await push(endpoint, TOKEN, 2_000), endpoint).toMatchObject({
        kind: "refused",
        reason: "endpoint_not_public",
      });
    }
    // And through the system's own resolver, as a deployment resolves names.
    const system = await httpSetPusher({ local: false })(`https://localhost:${port}/events`, TOKEN, 2_000);
    expect(system).toMatchObject({ kind: "refused", reason: "endpoint_not_public" });
    expect(seen.connections).toBe(0);
  });

  it.each([
    "https://10.0.0.1/events",
    "https://172.16.5.4/events",
    "https://192.168.1.10/events",
    "https://169.254.169.254/latest/meta-data",
    "https://100.64.0.1/events",
    "https://0.0.0.0/events",
    "https://224.0.0.1/events",
    "https://192.0.2.1/events",
    "https://[::1]/events",
    "https://[::]/events",
    "https://[fd00::1]/events",
    "https://[fe80::1]/events",
    "https://[::ffff:127.0.0.1]/events",
    "https://[::ffff:10.0.0.1]/events",
    "https://[64:ff9b::a00:1]/events",
    "https://0x7f.1/events",
  ])("refuses the non-public address in %s", async (endpoint) => {
    const result = await httpSetPusher(deployment())(endpoint, TOKEN, 1_000);
    expect(result).toMatchObject({ kind: "refused", reason: "endpoint_not_public" });
  });

  it("judges public addresses public, so the refusals above are for the address and not for every one", () => {
    for (const address of ["8.8.8.8", "20.50.2.1", "2606:4700:4700::1111", "2a01:111:f100::1"])
      expect(isPublicAddress(address), address).toBe(true);
    for (const address of ["10.0.0.1", "169.254.169.254", "::ffff:192.168.0.1", "fc00::1", "not an address"])
      expect(isPublicAddress(address), address).toBe(false);
  });

  it("refuses a name that resolves to a private address, or to one among public ones, when it sends", async () => {
    const names = resolver({
      "hr.rth.example": ["10.0.0.7"],
      "mixed.rth.example": ["20.50.2.1", "169.254.169.254"],
    });
    const push = httpSetPusher(deployment(names));
    for (const endpoint of ["https://hr.rth.example/events", "https://mixed.rth.example/events"]) {
      expect(await push(endpoint, TOKEN, 1_000), endpoint).toMatchObject({
        kind: "refused",
        reason: "endpoint_not_public",
      });
    }
    expect(names.lookups).toEqual(["hr.rth.example", "mixed.rth.example"]);
  });

  it("checks the name again at every send, so one that passed when saved and then moved is refused", async () => {
    const answers: Record<string, string[]> = { "hr.rth.example": ["20.50.2.1"] };
    const names = resolver(answers);
    expect(await validateOutboundUrl("https://hr.rth.example/events", deployment(names))).toBeUndefined();
    answers["hr.rth.example"] = ["192.168.0.20"];
    const result = await httpSetPusher(deployment(names))("https://hr.rth.example/events", TOKEN, 1_000);
    expect(result).toMatchObject({ kind: "refused", reason: "endpoint_not_public" });
    expect(names.lookups).toEqual(["hr.rth.example", "hr.rth.example"]);
  });

  it("connects to the address it checked, under the trust's host name for TLS, and checks the certificate", async () => {
    const { seen, port } = await httpsServer();
    // Locally, so that the loopback server may stand in for the trust: the name resolves only through the test's
    // resolver, so a connection that resolved it again would not reach the server at all.
    const names = resolver({ "hr.rth.example": ["127.0.0.1"] });
    const result = await httpSetPusher(onThisMachine(names))(
      `https://hr.rth.example:${port}/events`,
      TOKEN,
      5_000,
    );
    expect(names.lookups).toEqual(["hr.rth.example"]);
    expect(seen.servernames).toEqual(["hr.rth.example"]);
    // The self-signed certificate is refused: the handshake fails, and nothing is posted.
    expect(result).toMatchObject({ kind: "connection" });
    expect(seen.requests).toEqual([]);
  });
});

describe("connections kept open to a push endpoint", () => {
  it("reuses one for the next push to the same name at the same address, and never for another name", async () => {
    const { seen, port } = await httpServer();
    // Two names for the one loopback server (plain http is allowed locally only to loopback names): a socket
    // opened for one is not the other's to use.
    const names = resolver({ localhost: ["127.0.0.1"] });
    const push = httpSetPusher(onThisMachine(names));
    for (let i = 0; i < 3; i++)
      expect(await push(`http://localhost:${port}/events`, TOKEN, 5_000)).toMatchObject({ status: 202 });
    expect([seen.requests.length, seen.connections]).toEqual([3, 1]);
    // Still checked at every send: the kept connection saves the handshake, not the resolution.
    expect(names.lookups).toEqual(["localhost", "localhost", "localhost"]);
    expect(await push(`http://127.0.0.1:${port}/events`, TOKEN, 5_000)).toMatchObject({ status: 202 });
    expect([seen.requests.length, seen.connections]).toEqual([4, 2]);
    expect(seen.requests.map((request) => request.headers.host)).toEqual([
      `localhost:${port}`,
      `localhost:${port}`,
      `localhost:${port}`,
      `127.0.0.1:${port}`,
    ]);
  });

  it("opens a new one when the name now resolves to another address, never reusing one to the old", async () => {
    const first = await httpServer();
    // A second server at another loopback address on the same port: the same URL, another place.
    const second: Seen = { requests: [], connections: 0 };
    const other = createHttpServer((request, response) => {
      second.requests.push({ url: request.url ?? "", headers: request.headers });
      response.writeHead(202).end();
    });
    servers.push(other);
    other.on("connection", () => second.connections++);
    other.listen(first.port, "127.0.0.2");
    await once(other, "listening");
    const answers: Record<string, string[]> = { localhost: ["127.0.0.1"] };
    const push = httpSetPusher(onThisMachine(resolver(answers)));
    expect(await push(`http://localhost:${first.port}/events`, TOKEN, 5_000)).toMatchObject({ status: 202 });
    answers.localhost = ["127.0.0.2"];
    expect(await push(`http://localhost:${first.port}/events`, TOKEN, 5_000)).toMatchObject({ status: 202 });
    expect([first.seen.requests.length, second.requests.length, second.connections]).toEqual([1, 1, 1]);
  });
});

describe("what a push endpoint answers", () => {
  it("is not followed when it redirects: the 3xx is the answer, a permanent failure", async () => {
    const elsewhere = await httpServer();
    const endpoint = await httpServer((response) =>
      response.writeHead(307, { location: `${elsewhere.url}/events` }).end(),
    );
    const result = await httpSetPusher(onThisMachine())(`${endpoint.url}/events`, TOKEN, 5_000);
    expect(result).toMatchObject({ kind: "response", status: 307 });
    expect(judgePush(result)).toEqual({ kind: "permanent", reason: "http_307" });
    expect(endpoint.seen.requests).toHaveLength(1);
    expect(elsewhere.seen.connections).toBe(0);
  });

  it("is cut off past the byte limit, and the connection dropped, however long the endpoint goes on", async () => {
    let closed = false;
    const endpoint = await httpServer((response) => {
      response.writeHead(400, { "content-type": "application/json" });
      response.on("close", () => (closed = true));
      // An answer without end: only a reader that stops can return.
      const more = () => {
        if (!response.destroyed) response.write("x".repeat(16_384), () => setImmediate(more));
      };
      more();
    });
    const result = await httpSetPusher(onThisMachine())(`${endpoint.url}/events`, TOKEN, 10_000);
    expect(result).toMatchObject({ kind: "response", status: 400, truncated: true });
    expect(result.kind === "response" ? Buffer.byteLength(result.body) : 0).toBe(4096);
    await until(() => closed, { what: "the endpoint's connection to be dropped", timeoutMs: 5_000 });
  });

  it("is given up on when it stops half-way through its answer: the time limit covers the whole exchange", async () => {
    const endpoint = await httpServer((response) => {
      response.writeHead(202, { "content-length": "100" });
      response.write("only part of it");
    });
    const result = await httpSetPusher(onThisMachine())(`${endpoint.url}/events`, TOKEN, 300);
    expect(result).toMatchObject({ kind: "timeout" });
    expect(endpoint.seen.requests).toHaveLength(1);
  });

  it("carries the stream's authorization as the Authorization header, and none when there is none", async () => {
    const endpoint = await httpServer();
    const push = httpSetPusher(onThisMachine());
    await push(`${endpoint.url}/events`, TOKEN, 5_000, { authorization: "Bearer stream-secret" });
    await push(`${endpoint.url}/events`, TOKEN, 5_000);
    expect(endpoint.seen.requests.map((request) => request.headers.authorization)).toEqual([
      "Bearer stream-secret",
      undefined,
    ]);
    expect(endpoint.seen.requests[0]?.headers["content-type"]).toBe("application/secevent+jwt");
  });
});

describe("a trust pinned by an operator to its hosts", () => {
  it("is refused a host not on its list before it is resolved, and reaches one that is", async () => {
    const endpoint = await httpServer();
    const names = resolver({ "other.example": ["127.0.0.1"] });
    const push = httpSetPusher(onThisMachine(names));
    const pins = { allowedHosts: ["127.0.0.1"] };
    const refused = await push(`http://localhost:${endpoint.port}/events`, TOKEN, 5_000, pins);
    expect(refused).toMatchObject({ kind: "refused", reason: "endpoint_not_allowed" });
    const elsewhere = await push(`https://other.example:${endpoint.port}/events`, TOKEN, 5_000, pins);
    expect(elsewhere).toMatchObject({ kind: "refused", reason: "endpoint_not_allowed" });
    expect(names.lookups).toEqual([]);
    expect(endpoint.seen.requests).toHaveLength(0);
    expect(await push(`${endpoint.url}/events`, TOKEN, 5_000, pins)).toMatchObject({ status: 202 });
  });

  it("is refused a JWKS from a host not on its list", async () => {
    const endpoint = await httpServer((response) => response.writeHead(200).end('{"keys":[]}'));
    const fetchJwks = publicJwksFetcher(onThisMachine());
    await expect(fetchJwks(`${endpoint.url}/jwks.json`, 5_000, ["hr.rth.example"])).rejects.toThrow(
      /endpoint_not_allowed/,
    );
    expect(endpoint.seen.connections).toBe(0);
  });

  it("takes only lower-case host names as pins", () => {
    const trust = { ...pushTrust, delivery: { mode: "push", endpoint: "https://hr.rth.example/events" } };
    expect(trustSchema.safeParse({ ...trust, allowedHosts: ["hr.rth.example"] }).success).toBe(true);
    for (const pins of [[], ["HR.rth.example"], ["https://hr.rth.example"], ["hr.rth.example:443"]])
      expect(trustSchema.safeParse({ ...trust, allowedHosts: pins }).success, JSON.stringify(pins)).toBe(
        false,
      );
  });
});

describe("a trust's JWKS", () => {
  const jwks = async () => ({ keys: [(await trustKey("k-1")).jwk] });

  it("is refused over http or at a private address on a deployment", async () => {
    const fetchJwks = publicJwksFetcher(deployment(resolver({ "keys.rth.example": ["10.1.1.1"] })));
    await expect(fetchJwks("http://keys.rth.example/jwks.json", 1_000)).rejects.toThrow(/endpoint_not_https/);
    await expect(fetchJwks("https://keys.rth.example/jwks.json", 1_000)).rejects.toThrow(
      /endpoint_not_public/,
    );
  });

  it("is read within the byte limit, and refused past it without reading on", async () => {
    const served = await jwks();
    const small = await httpServer((response) => response.writeHead(200).end(JSON.stringify(served)));
    const fetchJwks = publicJwksFetcher(onThisMachine());
    expect(await fetchJwks(`${small.url}/jwks.json`, 5_000)).toEqual(served);
    let closed = false;
    const large = await httpServer((response) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.on("close", () => (closed = true));
      const more = () => {
        if (!response.destroyed) response.write(" ".repeat(16_384), () => setImmediate(more));
      };
      more();
    });
    await expect(fetchJwks(`${large.url}/jwks.json`, 10_000)).rejects.toThrow(/too large/);
    await until(() => closed, { what: "the JWKS endpoint's connection to be dropped", timeoutMs: 5_000 });
  });

  it("is not read through a redirect", async () => {
    const served = await jwks();
    const target = await httpServer((response) => response.writeHead(200).end(JSON.stringify(served)));
    const moved = await httpServer((response) =>
      response.writeHead(302, { location: `${target.url}/jwks.json` }).end(),
    );
    await expect(publicJwksFetcher(onThisMachine())(`${moved.url}/jwks.json`, 5_000)).rejects.toThrow(/302/);
    expect(target.seen.connections).toBe(0);
  });
});

describe("a push endpoint as a trust saves it", () => {
  it("is answered with what is wrong with it", async () => {
    const names = resolver({ "hr.rth.example": ["20.50.2.1"], "inside.rth.example": ["10.0.0.3"] });
    const check = (endpoint: string, pins?: string[]) =>
      validateOutboundUrl(endpoint, deployment(names), pins);
    expect(await check("https://hr.rth.example/events")).toBeUndefined();
    expect(await check("not a url")).toMatchObject({ reason: "endpoint_invalid" });
    expect(await check("ftp://hr.rth.example/events")).toMatchObject({ reason: "endpoint_invalid" });
    expect(await check("https://user:secret@hr.rth.example/events")).toMatchObject({
      reason: "endpoint_invalid",
    });
    expect(await check("http://hr.rth.example/events")).toMatchObject({ reason: "endpoint_not_https" });
    expect(await check("https://10.2.3.4/events")).toMatchObject({ reason: "endpoint_not_public" });
    expect(await check("https://inside.rth.example/events")).toMatchObject({ reason: "endpoint_not_public" });
    expect(await check("https://nowhere.rth.example/events")).toMatchObject({ reason: "endpoint_invalid" });
    expect(await check("https://hr.rth.example/events", ["other.example"])).toMatchObject({
      reason: "endpoint_not_allowed",
    });
    expect(outboundUrlProblem("https://[fd00::1]/events", deployment())).toMatchObject({
      reason: "endpoint_not_public",
    });
  });

  it("may be loopback over http only when the service itself runs locally", () => {
    expect(outboundUrlProblem("http://127.0.0.1:7073/events", onThisMachine())).toBeUndefined();
    expect(outboundUrlProblem("http://127.0.0.1:7073/events", deployment())).toMatchObject({
      reason: "endpoint_not_https",
    });
    expect(outboundUrlProblem("https://127.0.0.1:7073/events", deployment())).toMatchObject({
      reason: "endpoint_not_public",
    });
  });

  it("is local only when the service's own issuer and callback are on loopback", () => {
    const local = {
      SESSION_ISSUER: "http://127.0.0.1:7071/api",
      VERIFIEDID_CALLBACK_URL: "http://127.0.0.1:7071/api/verifiedid/callback",
    };
    expect(runsLocally(local)).toBe(true);
    expect(runsLocally({ ...local, SESSION_ISSUER: "https://passport.example.nhs.uk/api" })).toBe(false);
    expect(
      runsLocally({
        ...local,
        VERIFIEDID_CALLBACK_URL: "https://passport.example.nhs.uk/api/verifiedid/callback",
      }),
    ).toBe(false);
  });
});

describe("the deliverer, when the guard refuses the trust's endpoint", () => {
  it("records a permanent failure with the guard's reason, and schedules no retry", async () => {
    const world = deliveryWorld();
    const names = resolver({ "hr.rth.example": ["169.254.169.254"] });
    const deps = { ...world.deps, push: httpSetPusher(deployment(names)) };
    const { event } = await storedPayload(world);
    expect(await deliverShareEvent(deps, eventMessage(event), memoryLogger())).toBe("failed");
    const stored = (await world.deps.events.get("RTH", event.eventId))?.value;
    expect(stored?.delivery).toMatchObject({
      status: "failed",
      attempts: [{ attempt: 1, outcome: "failed", reason: "endpoint_not_public" }],
    });
    expect(stored?.delivery.nextAttemptAt).toBeUndefined();
    expect(world.deps.scheduler.scheduled).toEqual([]);
    expect(world.deps.deadLetters.deliveries).toEqual([]);
    expect(names.lookups).toEqual(["hr.rth.example"]);
  });
});
