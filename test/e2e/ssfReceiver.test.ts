// An OpenID Shared Signals Framework 1.0 receiver written from the specifications alone (SSF 1.0, RFC 8935, RFC
// 8936, RFC 8417), with jose and fetch, against the whole local system. It knows the issuer and holds a trust's
// key; everything else it discovers. The system is started, a staff member shares, and the one thing a receiver
// cannot see (events held for its paused stream) is read, through test/support only.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createRemoteJWKSet, type JWTPayload, jwtVerify, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalSystem } from "../../local/system.js";
import { logIn, present, readShare, startedShare, type Urls } from "../support/journeys.js";
import { heldForPausedStream } from "../support/streams.js";
import { startTestSystem } from "../support/system.js";
import { registerTrustKey, type TrustKey, trustKey } from "../support/trustTokens.js";
import { until } from "../support/until.js";

const TRUST = "RRK";
const PUSH = "urn:ietf:rfc:8935";
const POLL = "urn:ietf:rfc:8936";
const VERIFICATION = "https://schemas.openid.net/secevent/ssf/event-type/verification";
const SHARED = "urn:nhs:staff-passport:event:credentials-shared";
const IDENTITY = "StaffPassportIdentity";

type Metadata = {
  spec_version: string;
  issuer: string;
  jwks_uri: string;
  delivery_methods_supported: string[];
  configuration_endpoint: string;
  status_endpoint: string;
  verification_endpoint: string;
  authorization_schemes: { spec_urn: string }[];
};
type StreamConfig = {
  stream_id: string;
  iss: string;
  aud: string | string[];
  events_supported: string[];
  events_requested: string[];
  events_delivered: string[];
  delivery: { method: string; endpoint_url: string };
};
type Pushed = { token: string; contentType: string | undefined; authorization: string | undefined };

/** What the receiver asks the transmitter to send with every push (SSF 1.0 section 6.1.1). */
const RECEIVER_SECRET = `Bearer receiver-${randomUUID()}`;

let system: LocalSystem;
let urls: Urls;
let key: TrustKey;
let session: string;
let receiver: Server;
let receiverUrl: string;
const pushed: Pushed[] = [];

/** The receiver's own endpoint (RFC 8935 section 2): takes a SET, answers 202 with no body. */
function startReceiver(): Promise<Server> {
  const server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      pushed.push({
        token: Buffer.concat(chunks).toString("utf8"),
        contentType: request.headers["content-type"],
        authorization: request.headers.authorization,
      });
      response.writeHead(202).end();
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

beforeAll(async () => {
  system = await startTestSystem();
  urls = { api: `${system.urls.host}/api`, sim: system.urls.verifiedId };
  key = await trustKey();
  await registerTrustKey(TRUST, key);
  session = await logIn(urls, "demo", TRUST);
  receiver = await startReceiver();
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/ssf/events`;
}, 90_000);
afterAll(async () => {
  if (receiver !== undefined) {
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
  }
  await system?.close();
});

/** The issuer the receiver is configured with: the service's public origin. */
const issuer = () => system.urls.host;

/** SSF 1.0 section 7.2: the well-known string goes between the issuer's host and its path. */
function metadataUrl(of: string): string {
  const url = new URL(of);
  const path = url.pathname === "/" ? "" : url.pathname;
  return `${url.origin}/.well-known/ssf-configuration${path}`;
}

let metadata: Metadata;
let stream: StreamConfig;

/** A one-use bearer token the trust signs itself (API.md section 7). */
async function token(): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: "ES256", kid: key.kid, typ: "JWT" })
    .setIssuer(TRUST)
    .setSubject(TRUST)
    .setAudience(`${system.settings.SESSION_ISSUER}/trust`)
    .setIssuedAt(now)
    .setExpirationTime(now + 120)
    .setJti(randomUUID())
    .sign(key.privateKey);
}

async function ssf<T>(method: string, url: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(url, {
    method,
    headers: {
      authorization: `Bearer ${await token()}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text === "" ? undefined : JSON.parse(text)) as T };
}

/** Verifies a SET as SSF 1.0 section 4.1 says: the issuer's keys, its `iss`, this trust as `aud`, typ secevent+jwt. */
async function verified(
  set: string,
): Promise<JWTPayload & { events: Record<string, Record<string, unknown>> }> {
  const { payload } = await jwtVerify(set, createRemoteJWKSet(new URL(metadata.jwks_uri)), {
    issuer: metadata.issuer,
    audience: TRUST,
    typ: "secevent+jwt",
    algorithms: ["ES256"],
  });
  expect(payload).not.toHaveProperty("sub");
  expect(payload).not.toHaveProperty("exp");
  return payload as JWTPayload & { events: Record<string, Record<string, unknown>> };
}

/** The pushed SETs from `from` on, verified, in the order they arrived. */
async function pushedFrom(from: number) {
  return Promise.all(pushed.slice(from).map((p) => verified(p.token)));
}

/** A staff member at the trust shares a credential; resolves once the share is `shared`. */
async function share(): Promise<string> {
  const started = await startedShare(urls, session, [IDENTITY]);
  expect((await present(urls, "demo", started.url)).status).toBe(200);
  await until(async () => (await readShare(urls, session, started.shareId)).body.status === "shared");
  return started.shareId;
}

/** RFC 8936: polls once without waiting, acknowledging `ack`; the verified SETs by jti. */
async function poll(ack: string[] = []) {
  const answer = await ssf<{ sets: Record<string, string> }>("POST", stream.delivery.endpoint_url, {
    returnImmediately: true,
    ack,
  });
  expect(answer.status).toBe(200);
  const sets = await Promise.all(Object.values(answer.body.sets).map((set) => verified(set)));
  return sets;
}

describe("an SSF 1.0 receiver built from the specifications", () => {
  it("discovers the transmitter's metadata where SSF 1.0 derives it from the issuer", async () => {
    const response = await fetch(metadataUrl(issuer()));
    expect(response.status).toBe(200);
    metadata = (await response.json()) as Metadata;
    expect(metadata).toMatchObject({
      spec_version: "1_0",
      issuer: issuer(),
      delivery_methods_supported: expect.arrayContaining([PUSH, POLL]),
      authorization_schemes: [{ spec_urn: expect.any(String) }],
    });
    for (const endpoint of [
      metadata.jwks_uri,
      metadata.configuration_endpoint,
      metadata.status_endpoint,
      metadata.verification_endpoint,
    ])
      expect(new URL(endpoint).origin).toBe(issuer());
    expect((await fetch(metadata.jwks_uri)).status).toBe(200);
  });

  it("creates its push stream, once: a second create is 409, and a read without stream_id is a list", async () => {
    const created = await ssf<StreamConfig>("POST", metadata.configuration_endpoint, {
      delivery: { method: PUSH, endpoint_url: receiverUrl, authorization_header: RECEIVER_SECRET },
      events_requested: [SHARED],
      description: "spec-only receiver",
    });
    expect(created.status).toBe(201);
    stream = created.body;
    expect(stream).toMatchObject({
      iss: metadata.issuer,
      aud: TRUST,
      events_requested: [SHARED],
      events_delivered: [SHARED],
      delivery: { method: PUSH, endpoint_url: receiverUrl },
    });
    expect(stream.events_supported).toEqual(expect.arrayContaining([SHARED, VERIFICATION]));
    // Kept by the transmitter to send, never answered back.
    expect(stream.delivery).not.toHaveProperty("authorization_header");

    const again = await ssf("POST", metadata.configuration_endpoint, { delivery: { method: POLL } });
    expect(again.status).toBe(409);
    const list = await ssf<StreamConfig[]>("GET", metadata.configuration_endpoint);
    expect(list.body).toEqual([stream]);
    const one = await ssf<StreamConfig>(
      "GET",
      `${metadata.configuration_endpoint}?stream_id=${encodeURIComponent(stream.stream_id)}`,
    );
    expect(one.body).toEqual(stream);
  });

  it("asks for verification and receives the verification event with its state by push", async () => {
    const from = pushed.length;
    const state = randomUUID();
    const asked = await ssf("POST", metadata.verification_endpoint, { stream_id: stream.stream_id, state });
    expect(asked.status).toBe(204);
    const event = await until(async () =>
      (await pushedFrom(from)).find((set) => set.events[VERIFICATION]?.state === state),
    );
    expect(event.sub_id).toEqual({ format: "opaque", id: stream.stream_id });
    expect(pushed.at(-1)?.contentType).toBe("application/secevent+jwt");
    expect(pushed.at(-1)?.authorization).toBe(RECEIVER_SECRET);
  });

  it("receives a share event by push", async () => {
    const from = pushed.length;
    const shareId = await share();
    const event = await until(async () =>
      (await pushedFrom(from)).find((set) => set.events[SHARED]?.shareId === shareId),
    );
    expect(event.txn).toBe(shareId);
  });

  it("pauses and gets nothing, then enables and gets the held events in the order they happened", async () => {
    const paused = await ssf<{ status: string }>("POST", metadata.status_endpoint, {
      stream_id: stream.stream_id,
      status: "paused",
    });
    expect(paused.body).toMatchObject({ stream_id: stream.stream_id, status: "paused" });
    const read = await ssf<{ status: string }>(
      "GET",
      `${metadata.status_endpoint}?stream_id=${encodeURIComponent(stream.stream_id)}`,
    );
    expect(read.body.status).toBe("paused");

    const from = pushed.length;
    const first = await share();
    const second = await share();
    await until(async () => (await heldForPausedStream(TRUST)) === 2, { what: "both events held" });
    expect(pushed.length).toBe(from);

    const enabled = await ssf("POST", metadata.status_endpoint, {
      stream_id: stream.stream_id,
      status: "enabled",
    });
    expect(enabled.status).toBe(200);
    const delivered = await until(async () => {
      const sets = (await pushedFrom(from)).filter((set) => set.events[SHARED] !== undefined);
      return sets.length >= 2 ? sets : undefined;
    });
    expect(delivered.map((set) => set.txn)).toEqual([first, second]);
  });

  it("updates its stream to poll, and receives the verification event and a share event by poll", async () => {
    const updated = await ssf<StreamConfig>("PATCH", metadata.configuration_endpoint, {
      stream_id: stream.stream_id,
      delivery: { method: POLL },
    });
    expect(updated.status).toBe(200);
    stream = updated.body;
    expect(stream.delivery.method).toBe(POLL);
    expect(new URL(stream.delivery.endpoint_url).origin).toBe(issuer());
    expect(stream.events_requested).toEqual([SHARED]);

    const state = randomUUID();
    expect(
      (await ssf("POST", metadata.verification_endpoint, { stream_id: stream.stream_id, state })).status,
    ).toBe(204);
    const verification = await until(async () =>
      (await poll()).find((set) => set.events[VERIFICATION]?.state === state),
    );
    expect(verification.sub_id).toEqual({ format: "opaque", id: stream.stream_id });

    const shareId = await share();
    const event = await until(async () =>
      (await poll([String(verification.jti)])).find((set) => set.events[SHARED]?.shareId === shareId),
    );
    await poll([String(event.jti)]);
    expect(event.txn).toBe(shareId);
  });
});
