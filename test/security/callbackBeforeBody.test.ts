// The Verified ID callback authenticates before it reads the body (API.md section 2): the request id in the path
// names the one record whose key hash the api-key is compared with, and a caller without the key costs no reading
// and no parsing. Run against the local system; the function is also called in-process with a body that counts
// what is pulled from it, which is how "not read" is seen (the host itself buffers a body, as Azure's does).
import { randomBytes } from "node:crypto";
import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import { describe, expect, it } from "vitest";
import { MAX_CALLBACK_BYTES, verifiedIdCallback } from "../../functions/verifiedIdCallback.js";
import { InvocationContext, HttpRequest as RuntimeHttpRequest } from "../../local/host/functionsLibrary.js";
import { services } from "../../src/composition.js";
import { mintId } from "../../src/domain/secrets.js";
import { apiKeyOf, callbackUrl, readShare, requestIdOf, startedShare } from "../support/journeys.js";
import { useTestSystem } from "../support/suiteSystem.js";
import { call } from "../support/system.js";
import { IDENTITY, subjectOf, verifiedShareBody } from "./support.js";

const { urls, session } = useTestSystem({ logIn: "RTH" });

const statusOf = async (shareId: string) => (await readShare(urls, session(), shareId)).body.status;
const forgedKey = () => randomBytes(32).toString("base64url");
const oldUrl = () => `${urls.api}/verifiedid/callback`;

/** A body of `size` bytes made as it is pulled, and how many bytes have been pulled from it so far. */
function countedBody(size: number): { stream: ReadableStream<Uint8Array>; pulled(): number } {
  const chunk = new TextEncoder().encode("[".repeat(64 * 1024));
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (pulled >= size) return controller.close();
        controller.enqueue(chunk);
        pulled += chunk.length;
      },
    },
    // Nothing is pulled ahead of a reader.
    { highWaterMark: 0 },
  );
  return { stream, pulled: () => pulled };
}

/** Calls the callback function in-process, as the Functions host would, with a streamed body (10 MiB unless said). */
async function callWithStreamedBody(
  state: string,
  headers: Record<string, string>,
  size = MAX_CALLBACK_BYTES,
): Promise<{ response: HttpResponseInit; pulled: number }> {
  const body = countedBody(size);
  const url = callbackUrl(urls, { state });
  const nativeRequest = new Request(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: body.stream,
    duplex: "half",
  } as RequestInit);
  // The runtime's HttpRequest wraps a fetch Request as it does with HTTP streams on; the field is not in its types.
  const request = new RuntimeHttpRequest({ nativeRequest, params: { state } } as never) as HttpRequest;
  const context = new InvocationContext({ functionName: verifiedIdCallback.name });
  const response = (await verifiedIdCallback.options.handler(request, context)) as HttpResponseInit;
  return { response, pulled: body.pulled() };
}

describe("a callback without its request's api-key", () => {
  it("is answered 401 invalid_callback without a byte of a 10 MiB body read: no key, a malformed, a wrong key, an unknown state", async () => {
    const share = await startedShare(urls, session(), [IDENTITY]);
    const other = await startedShare(urls, session(), [IDENTITY]);
    const cases: [string, Record<string, string>][] = [
      [share.shareId, {}],
      [share.shareId, { "api-key": "not-a-key" }],
      [share.shareId, { "api-key": forgedKey() }],
      [share.shareId, { "api-key": await apiKeyOf(urls, other.url) }],
      [mintId(), { "api-key": await apiKeyOf(urls, share.url) }],
      ["not-an-id", { "api-key": await apiKeyOf(urls, share.url) }],
    ];
    for (const [state, headers] of cases) {
      const { response, pulled } = await callWithStreamedBody(state, headers);
      expect(response.status).toBe(401);
      expect(JSON.parse(String(response.body))).toMatchObject({
        type: expect.stringMatching(/invalid_callback$/),
      });
      expect(pulled).toBe(0);
    }
    expect(await statusOf(share.shareId)).toBe("pending");
    expect(await statusOf(other.shareId)).toBe("pending");
  });

  it("reads the body once the key matches (the control: the counter does count)", async () => {
    const share = await startedShare(urls, session(), [IDENTITY]);
    const apiKey = await apiKeyOf(urls, share.url);
    const over = MAX_CALLBACK_BYTES + 64 * 1024;
    const { response, pulled } = await callWithStreamedBody(share.shareId, { "api-key": apiKey }, over);
    // The body is pulled to its end and found too large: the key let the caller that far, and no further.
    expect(response.status).toBe(413);
    expect(pulled).toBe(over);
    expect(await statusOf(share.shareId)).toBe("pending");
  });

  it("answers a 10 MiB nested-array bomb with a wrong key 401 at once, over HTTP, at the new URL and the old", async () => {
    const share = await startedShare(urls, session(), [IDENTITY]);
    // JSON.parse alone holds the event loop for several seconds on this body; refusing it unparsed costs only its
    // transfer over loopback, well under the bound even on a busy machine.
    const half = (MAX_CALLBACK_BYTES - 64) / 2;
    const bomb = `${"[".repeat(half)}${"]".repeat(half)}`;
    for (const url of [callbackUrl(urls, { state: share.shareId }), oldUrl()]) {
      const started = performance.now();
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", "api-key": forgedKey() },
        body: bomb,
      });
      const elapsedMs = performance.now() - started;
      expect(response.status).toBe(401);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      expect(elapsedMs).toBeLessThan(3_000);
    }
    expect(await statusOf(share.shareId)).toBe("pending");
  });
});

describe("a callback with its request's api-key", () => {
  it("is 401 when the body's state is not the request the path names, and neither request moves", async () => {
    const share = await startedShare(urls, session(), [IDENTITY]);
    const other = await startedShare(urls, session(), [IDENTITY]);
    const body = await verifiedShareBody(urls, share, subjectOf(session()), "demo", [IDENTITY]);
    const atOther = { ...body, state: other.shareId };
    // At the URL of the request whose key it carries, with the other request's id in its body.
    const response = await call(callbackUrl(urls, body), {
      body: atOther,
      headers: { "api-key": await apiKeyOf(urls, share.url) },
    });
    expect(response.status).toBe(401);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(await statusOf(share.shareId)).toBe("pending");
    expect(await statusOf(other.shareId)).toBe("pending");
    // The control: the same body at its own URL is applied.
    const applied = await call(callbackUrl(urls, body), {
      body,
      headers: { "api-key": await apiKeyOf(urls, share.url) },
    });
    expect(applied.status).toBe(200);
    expect(await statusOf(share.shareId)).toBe("shared");
  });
});

describe("the old callback URL", () => {
  /** Makes the share's request record as it was written before requests had their own callback URL. */
  async function madeBeforeTheChange(shareId: string): Promise<void> {
    const container = (await services().database()).container("requests");
    const { resource } = await container.item(shareId, shareId).read<Record<string, unknown>>();
    if (resource === undefined) throw new Error(`no request record ${shareId}`);
    const { callbackInPath: _marker, ...before } = resource;
    await container.item(shareId, shareId).replace(before);
  }

  it("still applies a callback for a request made before the change", async () => {
    const share = await startedShare(urls, session(), [IDENTITY]);
    await madeBeforeTheChange(share.shareId);
    const body = await verifiedShareBody(urls, share, subjectOf(session()), "demo", [IDENTITY]);
    const response = await call(oldUrl(), { body, headers: { "api-key": await apiKeyOf(urls, share.url) } });
    expect(response.status).toBe(200);
    expect(await statusOf(share.shareId)).toBe("shared");
  });

  it("refuses a request made since, even with its own api-key", async () => {
    const share = await startedShare(urls, session(), [IDENTITY]);
    const body = {
      requestId: requestIdOf(share.url),
      requestStatus: "request_retrieved",
      state: share.shareId,
    };
    const response = await call(oldUrl(), { body, headers: { "api-key": await apiKeyOf(urls, share.url) } });
    expect(response.status).toBe(401);
    expect(await statusOf(share.shareId)).toBe("pending");
  });

  it("refuses a wrong key, and a body naming more request ids than a callback holds, without parsing it", async () => {
    const share = await startedShare(urls, session(), [IDENTITY]);
    await madeBeforeTheChange(share.shareId);
    const apiKey = await apiKeyOf(urls, share.url);
    const body = {
      requestId: requestIdOf(share.url),
      requestStatus: "request_retrieved",
      state: share.shareId,
    };
    expect((await call(oldUrl(), { body, headers: { "api-key": forgedKey() } })).status).toBe(401);
    const decoys = Array.from({ length: 4 }, () => ({ state: mintId() }));
    const crowded = { ...body, verifiedCredentialsData: decoys };
    expect((await call(oldUrl(), { body: crowded, headers: { "api-key": apiKey } })).status).toBe(401);
    expect(await statusOf(share.shareId)).toBe("pending");
  });
});
