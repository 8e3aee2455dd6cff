// Outbound HTTP to addresses a trust controls (its push endpoint, its JWKS): a trust could otherwise point the
// service at its own network or the cloud's metadata endpoint. Only https to public addresses, checked after
// resolving the name at send time and connected to exactly the address checked; no redirects; a time limit and a
// byte limit on the answer; connections kept open only per origin and checked address. On a machine that runs the
// whole service itself, http and loopback are allowed too.
import { lookup as dnsLookup } from "node:dns/promises";
import type { IncomingMessage } from "node:http";
import { Agent as HttpAgent, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { BlockList, isIP, type LookupFunction } from "node:net";
import { isLoopbackUrl } from "../../config.js";

/** Every address a host name resolves to, as node:dns lookup with `all: true` gives them. */
export type Resolver = (hostname: string) => Promise<readonly { address: string; family: number }[]>;

export type OutboundPolicy = {
  /**
   * The service runs on this machine (runsLocally): plain http and loopback addresses are allowed, for the local
   * demo trust and the tests. Never in a deployment.
   */
  readonly local: boolean;
  /** node:dns lookup unless a test resolves names its own way. */
  readonly resolve?: Resolver;
};

/**
 * The service is local when its own public URLs (the session issuer, the Verified ID callback) point at this
 * machine: nothing outside could reach it there, so nothing outside is who it talks to. The same settings
 * config.ts reads to allow keys on local disk.
 */
export function runsLocally(settings: { SESSION_ISSUER: string; VERIFIEDID_CALLBACK_URL: string }): boolean {
  return isLoopbackUrl(settings.SESSION_ISSUER) && isLoopbackUrl(settings.VERIFIEDID_CALLBACK_URL);
}

/** Why a URL is refused before anything is sent; stable codes a delivery record and a 400 can carry. */
export type OutboundRefusal =
  | "endpoint_invalid"
  | "endpoint_not_https"
  | "endpoint_not_allowed"
  | "endpoint_not_public";

export type OutboundProblem = { readonly reason: OutboundRefusal; readonly detail: string };

export type OutboundRequest = {
  readonly method: "GET" | "POST";
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** For the whole exchange: connecting, sending and reading the answer. */
  readonly timeoutMs: number;
  /** The answer's body is read up to this many bytes; the connection is dropped beyond it. */
  readonly maxBytes: number;
  /** The operator's pins for the trust: when given, the URL's host must be one of them. */
  readonly allowedHosts?: readonly string[] | undefined;
};

export type OutboundResult =
  | {
      readonly kind: "response";
      readonly status: number;
      readonly contentType: string | undefined;
      readonly body: string;
      /** The answer went on past maxBytes: `body` is its first maxBytes bytes. */
      readonly truncated: boolean;
    }
  | ({ readonly kind: "refused" } & OutboundProblem)
  | { readonly kind: "timeout" | "connection" };

/**
 * Addresses nobody outside this network can be sent to: this host, private networks (RFC 1918, CGNAT, IPv6
 * unique-local), link-local (the cloud metadata endpoint at 169.254.169.254 among them), multicast, unspecified,
 * broadcast, benchmarking and documentation ranges, and IPv6 prefixes that embed an IPv4 address a relay would
 * reach for us (NAT64, 6to4, Teredo). IPv4-mapped IPv6 addresses are judged by the IPv4 rules (BlockList does so).
 */
const NOT_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.88.99.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  NOT_PUBLIC.addSubnet(network, prefix, "ipv4");
}
for (const [network, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["64:ff9b::", 96],
  ["64:ff9b:1::", 48],
  ["100::", 64],
  ["2001::", 32],
  ["2001:db8::", 32],
  ["2002::", 16],
  ["3fff::", 20],
  ["fc00::", 7],
  ["fe80::", 10],
  ["fec0::", 10],
  ["ff00::", 8],
] as const) {
  NOT_PUBLIC.addSubnet(network, prefix, "ipv6");
}

/** IPv6 global unicast: anything outside it (IPv4-mapped addresses aside) is not an internet address. */
const GLOBAL_IPV6 = new BlockList();
GLOBAL_IPV6.addSubnet("2000::", 3, "ipv6");
const MAPPED_IPV4 = new BlockList();
MAPPED_IPV4.addSubnet("::ffff:0:0", 96, "ipv6");

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet("127.0.0.0", 8, "ipv4");
LOOPBACK.addAddress("::1", "ipv6");

function isLoopbackAddress(address: string): boolean {
  return LOOPBACK.check(address, isIP(address) === 6 ? "ipv6" : "ipv4");
}

/** True for an address on the public internet. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return !NOT_PUBLIC.check(address, "ipv4");
  if (family !== 6) return false;
  if (NOT_PUBLIC.check(address, "ipv6")) return false;
  return GLOBAL_IPV6.check(address, "ipv6") || MAPPED_IPV4.check(address, "ipv6");
}

/** The URL's host as an address when it is one (URL keeps IPv6 literals in brackets). */
function literalAddress(url: URL): string | undefined {
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  return isIP(host) === 0 ? undefined : host;
}

function addressProblem(address: string, policy: OutboundPolicy): OutboundProblem | undefined {
  if (isPublicAddress(address)) return undefined;
  if (policy.local && isLoopbackAddress(address)) return undefined;
  return { reason: "endpoint_not_public", detail: "The endpoint's host is not a public internet address." };
}

/**
 * What is wrong with a URL the service is to send to, judged without resolving its name: not an http(s) URL,
 * credentials in it, not https (http only on loopback when the service runs locally), a host outside the trust's
 * pins, or a literal address that is not public. A stream saving a push endpoint answers 400 with it.
 */
export function outboundUrlProblem(
  endpoint: string,
  policy: OutboundPolicy,
  allowedHosts?: readonly string[],
): OutboundProblem | undefined {
  const url = URL.parse(endpoint);
  if (url === null || (url.protocol !== "https:" && url.protocol !== "http:") || url.hostname === "")
    return { reason: "endpoint_invalid", detail: "The endpoint is not an http(s) URL." };
  if (url.username !== "" || url.password !== "")
    return { reason: "endpoint_invalid", detail: "The endpoint must not carry credentials." };
  if (url.hash !== "")
    return { reason: "endpoint_invalid", detail: "The endpoint must not have a fragment." };
  if (url.protocol === "http:" && !(policy.local && isLoopbackUrl(endpoint)))
    return { reason: "endpoint_not_https", detail: "The endpoint must be https." };
  if (allowedHosts !== undefined && !allowedHosts.includes(url.hostname))
    return {
      reason: "endpoint_not_allowed",
      detail: "The endpoint's host is not one the trust is pinned to.",
    };
  const literal = literalAddress(url);
  return literal === undefined ? undefined : addressProblem(literal, policy);
}

/**
 * outboundUrlProblem, and then the name resolved: every address it resolves to must be public. For a trust
 * saving its push endpoint; the send checks it all again, since a name can resolve elsewhere by then.
 */
export async function validateOutboundUrl(
  endpoint: string,
  policy: OutboundPolicy,
  allowedHosts?: readonly string[],
): Promise<OutboundProblem | undefined> {
  const problem = outboundUrlProblem(endpoint, policy, allowedHosts);
  if (problem !== undefined) return problem;
  const resolved = await resolveChecked(new URL(endpoint), policy);
  if (resolved.kind === "unresolved")
    return { reason: "endpoint_invalid", detail: "The endpoint's host name does not resolve." };
  return resolved.kind === "refused" ? resolved : undefined;
}

const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

type Resolved =
  | { readonly kind: "address"; readonly address: string; readonly family: 4 | 6 }
  | ({ readonly kind: "refused" } & OutboundProblem)
  | { readonly kind: "unresolved" };

/** The address to connect to: the literal, or the first the name resolves to once every one of them passed. */
async function resolveChecked(url: URL, policy: OutboundPolicy): Promise<Resolved> {
  const literal = literalAddress(url);
  let addresses: readonly { address: string; family: number }[];
  if (literal !== undefined) addresses = [{ address: literal, family: isIP(literal) }];
  else {
    try {
      addresses = await (policy.resolve ?? systemResolver)(url.hostname);
    } catch {
      return { kind: "unresolved" };
    }
  }
  const first = addresses[0];
  if (first === undefined) return { kind: "unresolved" };
  // One private answer among public ones is refused too: which one a connection would use is not ours to pick.
  for (const { address } of addresses) {
    const problem = addressProblem(address, policy);
    if (problem !== undefined) return { kind: "refused", ...problem };
  }
  // http is allowed locally only to this machine, whatever the name (localhost may be given to a resolver).
  if (url.protocol === "http:" && !addresses.every(({ address }) => isLoopbackAddress(address)))
    return { kind: "refused", reason: "endpoint_not_https", detail: "The endpoint must be https." };
  return { kind: "address", address: first.address, family: isIP(first.address) === 6 ? 6 : 4 };
}

/** A lookup that answers only the address already checked, so a second resolution cannot swap it. */
function pinnedLookup(address: string, family: 4 | 6): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  };
}

/**
 * Origins (scheme, host and port) with the address checked for each whose connections are kept open for the next
 * request, most recently used first out last: a push to a trust then costs no new TCP connection and TLS handshake.
 * Beyond this many the least recently used is closed, so a trust that changes its addresses grows nothing.
 */
export const POOLED_ORIGINS = 256;
/** Connections kept open to one origin at one address, and idle ones kept, at most. */
const SOCKETS_PER_ORIGIN = 8;
const FREE_SOCKETS_PER_ORIGIN = 2;
/** An idle connection is closed after this long: under the 5 s a Node.js server keeps one, the common default. */
const IDLE_SOCKET_MS = 4_000;

const agents = new Map<string, HttpAgent>();

/**
 * The keep-alive agent for an origin at the address checked for it just now. A socket is only ever reused for the
 * same origin (the same name, so the same certificate check) and the same checked address: an address that a new
 * resolution no longer gives, or that is checked for another name, gets an agent of its own. Idle sockets do not
 * keep the process alive, and the server's keep-alive timeout is honoured by the agent.
 */
function pinnedAgent(url: URL, address: string, family: 4 | 6): HttpAgent {
  const key = `${url.protocol}//${url.host} ${address}`;
  const known = agents.get(key);
  if (known !== undefined) {
    agents.delete(key);
    agents.set(key, known);
    return known;
  }
  const options = {
    keepAlive: true,
    maxSockets: SOCKETS_PER_ORIGIN,
    maxFreeSockets: FREE_SOCKETS_PER_ORIGIN,
    timeout: IDLE_SOCKET_MS,
    lookup: pinnedLookup(address, family),
  };
  const agent = url.protocol === "https:" ? new HttpsAgent(options) : new HttpAgent(options);
  agents.set(key, agent);
  for (const [oldestKey, oldest] of agents) {
    if (agents.size <= POOLED_ORIGINS) break;
    agents.delete(oldestKey);
    oldest.destroy();
  }
  return agent;
}

/** Closes every kept connection. */
export function closePooledConnections(): void {
  for (const agent of agents.values()) agent.destroy();
  agents.clear();
}

/**
 * Sends one request to a URL a trust gave, within the policy. A refusal is reported, never thrown; so are a
 * timeout and a connection that fails (TLS included: certificates are checked against the host name).
 */
export async function publicFetch(
  endpoint: string,
  request: OutboundRequest,
  policy: OutboundPolicy,
): Promise<OutboundResult> {
  const problem = outboundUrlProblem(endpoint, policy, request.allowedHosts);
  if (problem !== undefined) return { kind: "refused", ...problem };
  const url = new URL(endpoint);
  const deadline = AbortSignal.timeout(request.timeoutMs);
  const resolved = await Promise.race([
    resolveChecked(url, policy),
    new Promise<undefined>((resolve) => deadline.addEventListener("abort", () => resolve(undefined))),
  ]);
  if (resolved === undefined) return { kind: "timeout" };
  if (resolved.kind === "unresolved") return { kind: "connection" };
  if (resolved.kind === "refused") return resolved;

  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  const body = request.body === undefined ? undefined : Buffer.from(request.body, "utf8");
  return new Promise<OutboundResult>((resolve) => {
    let settled = false;
    const settle = (result: OutboundResult) => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    const outgoing = send(url, {
      method: request.method,
      headers: {
        ...request.headers,
        ...(body === undefined ? {} : { "content-length": String(body.length) }),
      },
      // The name stays the request's host (Host header, SNI, certificate check); only the connection is pinned.
      lookup: pinnedLookup(resolved.address, resolved.family),
      // Pooled by origin and checked address only: a socket opened for another name or address is never reused.
      agent: pinnedAgent(url, resolved.address, resolved.family),
      signal: deadline,
    });
    deadline.addEventListener("abort", () => settle({ kind: "timeout" }), { once: true });
    outgoing.on("error", () => settle({ kind: deadline.aborted ? "timeout" : "connection" }));
    outgoing.on("response", (response) => readLimited(response, request.maxBytes, settle, deadline));
    outgoing.end(body);
  });
}

/** Reads at most maxBytes of the answer; past that the connection is dropped and the answer marked cut off. */
function readLimited(
  response: IncomingMessage,
  maxBytes: number,
  settle: (result: OutboundResult) => void,
  deadline: AbortSignal,
): void {
  const chunks: Buffer[] = [];
  let size = 0;
  const finish = (truncated: boolean) =>
    settle({
      kind: "response",
      status: response.statusCode ?? 0,
      contentType: response.headers["content-type"],
      body: Buffer.concat(chunks).toString("utf8"),
      truncated,
    });
  response.on("data", (chunk: Buffer) => {
    const room = maxBytes - size;
    if (chunk.length > room) {
      chunks.push(chunk.subarray(0, room));
      size = maxBytes;
      finish(true);
      response.destroy();
      return;
    }
    chunks.push(chunk);
    size += chunk.length;
  });
  response.on("end", () => finish(false));
  response.on("error", () => settle({ kind: deadline.aborted ? "timeout" : "connection" }));
}
