// Hostile input: bodies over the limits (declared or chunked), deeply nested JSON, and ids or headers carrying
// CR/LF, traversal or unsafe characters. Never a 5xx, every error problem+json, nothing stored or echoed.
import { randomBytes } from "node:crypto";
import { request as httpRequest } from "node:http";
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { MAX_RESPONSE_BYTES } from "../../functions/openid4vpResponse.js";
import { MAX_CALLBACK_BYTES } from "../../functions/verifiedIdCallback.js";
import { services } from "../../src/composition.js";
import { MAX_BODY_BYTES } from "../../src/http/endpoint.js";
import { apiKeyOf, bearer, readShare, requestIdOf, startedShare, walletOf } from "../support/journeys.js";
import { useTestSystem } from "../support/suiteSystem.js";
import { call } from "../support/system.js";
import { IDENTITY } from "./support.js";

const { urls, system, session } = useTestSystem({ logIn: "RTH" });

const requestCount = async () =>
  (
    await (
      await services().database()
    )
      .container("requests")
      .items.query("SELECT VALUE COUNT(1) FROM c")
      .fetchAll()
  ).resources[0] as number;

/** A body sent in chunks with no content-length, so that only the bytes read can tell its size. */
function chunked(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(offset, offset + 16 * 1024));
      offset += 16 * 1024;
    },
  });
}

async function post(
  url: string,
  body: string | ReadableStream<Uint8Array>,
  headers: Record<string, string> = {},
) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
    ...(typeof body === "string" ? {} : { duplex: "half" }),
  } as RequestInit);
  return {
    status: response.status,
    contentType: response.headers.get("content-type"),
    text: await response.text(),
  };
}

const nested = (depth: number) => `{"trustId":${"[".repeat(depth)}${"]".repeat(depth)}}`;

describe("oversized bodies", () => {
  it("refuses a login body over the portal limit with 413 problem+json, declared or chunked, storing nothing", async () => {
    const before = await requestCount();
    const big = JSON.stringify({ trustId: "RTH", padding: "x".repeat(MAX_BODY_BYTES) });
    for (const body of [big, chunked(big)]) {
      const response = await post(`${urls.api}/logins`, body);
      expect(response.status).toBe(413);
      expect(response.contentType).toBe("application/problem+json");
    }
    expect(await requestCount()).toBe(before);
  });

  it("refuses a callback body over 10 MiB with 413, whatever its api-key", async () => {
    const share = await startedShare(urls, session(), [IDENTITY]);
    const big = JSON.stringify({ state: share.shareId, padding: "x".repeat(MAX_CALLBACK_BYTES) });
    const response = await post(`${urls.api}/verifiedid/callback/${share.shareId}`, big, {
      "api-key": await apiKeyOf(urls, share.url),
    });
    expect(response.status).toBe(413);
    expect((await readShare(urls, session(), share.shareId)).body.status).toBe("pending");
  });
});

describe("a standard wallet's response URI", () => {
  /** A started OpenID4VP login whose request object a wallet has fetched, and its response URI. */
  async function scannedLogin() {
    const login = await call<{ loginId: string; pollToken: string; url: string }>(`${urls.api}/logins`, {
      body: { trustId: "RTH", protocol: "openid4vp" },
    });
    expect(login.status).toBe(201);
    const requestUri = new URL(login.body.url).searchParams.get("request_uri") ?? "";
    const requestObject = await fetch(requestUri);
    expect(requestObject.status).toBe(200);
    const responseUri = String(decodeJwt(await requestObject.text()).response_uri);
    const status = async () =>
      (
        await call<{ status: string }>(`${urls.api}/logins/${login.body.loginId}`, {
          headers: { "x-poll-token": login.body.pollToken },
        })
      ).body.status;
    expect(await status()).toBe("scanned");
    return { responseUri, status };
  }

  it("answers 415 problem+json to a body that is not form-encoded, changing nothing", async () => {
    const { responseUri, status } = await scannedLogin();
    const before = await requestCount();
    for (const headers of [{}, { "content-type": "text/plain" }, { "content-type": "multipart/form-data" }]) {
      const response = await post(responseUri, JSON.stringify({ response: "a.b.c.d.e" }), headers);
      expect(response.status, JSON.stringify(headers)).toBe(415);
      expect(response.contentType).toBe("application/problem+json");
    }
    expect(await requestCount()).toBe(before);
    expect(await status()).toBe("scanned");
  });

  it("answers 413 problem+json to a body over its limit, declared or chunked, changing nothing", async () => {
    const { responseUri, status } = await scannedLogin();
    const before = await requestCount();
    const big = `response=${"x".repeat(MAX_RESPONSE_BYTES)}`;
    for (const body of [big, chunked(big)]) {
      const response = await post(responseUri, body, { "content-type": "application/x-www-form-urlencoded" });
      expect(response.status).toBe(413);
      expect(response.contentType).toBe("application/problem+json");
    }
    expect(await requestCount()).toBe(before);
    expect(await status()).toBe("scanned");
  });

  it("answers 400 response_invalid to a response for an unknown request, or one that cannot be decrypted, changing nothing", async () => {
    const { responseUri, status } = await scannedLogin();
    const before = await requestCount();
    const form = { "content-type": "application/x-www-form-urlencoded" };
    const unknown = responseUri.replace(/[^/]+$/, randomBytes(16).toString("base64url"));
    for (const [url, body] of [
      [unknown, "response=a.b.c.d.e"],
      [responseUri.replace(/[^/]+$/, "not-an-id"), "response=a.b.c.d.e"],
      [responseUri, "response=a.b.c.d.e"],
      [responseUri, "vp_token=%7B%7D&state=x"],
      [responseUri, ""],
    ] as const) {
      const response = await post(url, body, form);
      expect(response.status, `${url} ${body}`).toBe(400);
      expect(response.contentType).toBe("application/problem+json");
      expect(JSON.parse(response.text)).toMatchObject({ code: "response_invalid" });
    }
    expect(await requestCount()).toBe(before);
    expect(await status()).toBe("scanned");
  });

  it("answers 404 problem+json to a request object that does not exist", async () => {
    for (const id of [randomBytes(16).toString("base64url"), "not-an-id"]) {
      const response = await fetch(`${urls.api}/openid4vp/requests/${id}`);
      expect(response.status, id).toBe(404);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
    }
  });
});

describe("deeply nested bodies", () => {
  it("answers 400 problem+json to deeply nested JSON on the portal endpoints, storing nothing", async () => {
    const before = await requestCount();
    for (const depth of [1_000, 20_000]) {
      const login = await post(`${urls.api}/logins`, nested(depth));
      const share = await post(`${urls.api}/shares`, nested(depth), bearer(session()));
      for (const response of [login, share]) {
        expect(response.status).toBe(400);
        expect(response.contentType).toBe("application/problem+json");
      }
    }
    expect(await requestCount()).toBe(before);
  });

  it("fails a share whose callback carries deeply nested claims instead of answering 5xx for ever", async () => {
    const share = await startedShare(urls, session(), [IDENTITY]);
    const apiKey = await apiKeyOf(urls, share.url);
    const deep = `${"[".repeat(20_000)}${"]".repeat(20_000)}`;
    const subject = decodeJwt(session()).sub ?? "";
    const requestId = requestIdOf(share.url);
    // The credential's real issuer, so that the deep claims reach the store and the event, not an early refusal.
    const identity = (await walletOf(urls, "demo")).credentials.find((c) => c.type === IDENTITY);
    const issuer = identity?.issuer ?? "";
    const claims = JSON.stringify(identity?.claims ?? {}).replace(/}$/, `,"deep":${deep}}`);
    const body = `{"requestId":"${requestId}","requestStatus":"presentation_verified","state":"${share.shareId}","subject":"${subject}","verifiedCredentialsData":[{"issuer":"${issuer}","type":["VerifiableCredential","${IDENTITY}"],"claims":${claims},"credentialState":{"revocationStatus":"VALID"}}]}`;
    const without = await post(`${urls.api}/verifiedid/callback/${share.shareId}`, body);
    const withKey = await post(`${urls.api}/verifiedid/callback/${share.shareId}`, body, {
      "api-key": apiKey,
    });
    expect(without.status).toBe(401);
    expect(withKey.status).toBeLessThan(500);
    // Verified ID's own presentation with claims no credential has: the share fails at once, nothing is shared.
    expect(withKey.status).toBe(200);
    expect((await readShare(urls, session(), share.shareId)).body).toMatchObject({
      status: "failed",
      error: { code: "presentation_incomplete" },
    });
  });
});

/** A raw HTTP request, so that a path can carry bytes fetch would refuse or normalise. */
function raw(
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, unknown> }> {
  const { hostname, port } = new URL(system().urls.host);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, path, method: "GET", headers }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("header injection in ids", () => {
  it("answers 404 to ids carrying encoded CR/LF or traversal, with no header made of them", async () => {
    const ids = ["x%0D%0ASet-Cookie:%20stolen=1", "..%2F..%2Fhealth", "%00", "a".repeat(300), "%E2%80%A8x"];
    for (const id of ids) {
      const share = await raw(`/api/shares/${id}`, bearer(session()));
      const login = await raw(`/api/logins/${id}`, { "x-poll-token": "x%0D%0Ay" });
      const requestObject = await raw(`/api/openid4vp/requests/${id}`, {});
      for (const response of [share, login, requestObject]) {
        expect([400, 404]).toContain(response.status);
        expect(response.headers["set-cookie"]).toBeUndefined();
        expect(response.headers["content-type"]).toBe("application/problem+json");
      }
    }
  });

  it("echoes a correlation id only when it is a safe token, and mints one otherwise", async () => {
    const safe = await call(`${urls.api}/health`, { headers: { "x-correlation-id": "req-123.abc:1" } });
    expect(safe.headers.get("x-correlation-id")).toBe("req-123.abc:1");
    for (const unsafe of ["a b", "<script>", "x".repeat(129), "a\tb", "%0D%0Aset-cookie:x"]) {
      const response = await call(`${urls.api}/health`, { headers: { "x-correlation-id": unsafe } });
      expect(response.headers.get("x-correlation-id")).not.toBe(unsafe);
      expect(response.headers.get("x-correlation-id")).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});
