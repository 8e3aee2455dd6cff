// Verified ID callbacks an attacker could send: without the per-request api-key, with a forged one or another
// request's, replayed after the request finished, or presenting another wallet's copies of the credentials.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  apiKeyOf,
  callbackUrl,
  postCallback,
  present,
  readShare,
  requestIdOf,
  startedShare,
  walletOf,
} from "../support/journeys.js";
import { useTestSystem } from "../support/suiteSystem.js";
import { call } from "../support/system.js";
import { DBS, IDENTITY, subjectOf, verifiedShareBody } from "./support.js";

const { urls, session } = useTestSystem({ logIn: "RTH" });

const statusOf = async (shareId: string) => (await readShare(urls, session(), shareId)).body;

describe("callbacks without the request's own api-key", () => {
  it("answers 401 problem+json to a missing, forged or other request's api-key, and the share stays pending", async () => {
    const share = await startedShare(urls, session(), [IDENTITY]);
    const other = await startedShare(urls, session(), [IDENTITY]);
    const body = await verifiedShareBody(urls, share, subjectOf(session()), "demo", [IDENTITY]);
    const missing = await call(callbackUrl(urls, body), { body });
    const forged = await postCallback(urls, randomBytes(32).toString("base64url"), body);
    const borrowed = await postCallback(urls, await apiKeyOf(urls, other.url), body);
    for (const response of [missing, forged, borrowed]) {
      expect(response.status).toBe(401);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
    }
    expect(await statusOf(share.shareId)).toMatchObject({ status: "pending" });
    expect(await statusOf(other.shareId)).toMatchObject({ status: "pending" });
  });

  it("answers the same 401 for a login callback with a forged api-key, and the login stays pending", async () => {
    const started = await call<{ loginId: string; pollToken: string; url: string }>(`${urls.api}/logins`, {
      body: { trustId: "RTH" },
    });
    const body = {
      requestId: requestIdOf(started.body.url),
      requestStatus: "request_retrieved",
      state: started.body.loginId,
    };
    expect((await postCallback(urls, randomBytes(32).toString("base64url"), body)).status).toBe(401);
    const polled = await call<{ status: string }>(`${urls.api}/logins/${started.body.loginId}`, {
      headers: { "x-poll-token": started.body.pollToken },
    });
    expect(polled.body.status).toBe("pending");
  });
});

describe("callbacks replayed after the request finished", () => {
  it("changes nothing when a shared share's callbacks are replayed with its own api-key", async () => {
    const share = await startedShare(urls, session(), [IDENTITY]);
    expect((await present(urls, "demo", share.url)).status).toBe(200);
    const shared = await statusOf(share.shareId);
    expect(shared.status).toBe("shared");
    const apiKey = await apiKeyOf(urls, share.url);
    const verified = await verifiedShareBody(urls, share, subjectOf(session()), "demo", [IDENTITY]);
    const replays = [
      verified,
      {
        ...verified,
        verifiedCredentialsData: (await verifiedShareBody(urls, share, subjectOf(session()), "demo", [DBS]))
          .verifiedCredentialsData,
      },
      {
        requestId: verified.requestId,
        requestStatus: "presentation_error",
        state: share.shareId,
        error: { code: "x", message: "y" },
      },
    ];
    for (const replay of replays) {
      const answer = await postCallback(urls, apiKey, replay);
      expect(answer.status).toBe(200);
      expect(answer.body.status).toBe("unchanged");
    }
    expect(await statusOf(share.shareId)).toEqual(shared);
  });

  it("changes nothing when a verified login's callback is replayed as an error", async () => {
    const started = await call<{ loginId: string; pollToken: string; url: string }>(`${urls.api}/logins`, {
      body: { trustId: "RTH" },
    });
    expect((await present(urls, "demo", started.body.url)).status).toBe(200);
    const replay = {
      requestId: requestIdOf(started.body.url),
      requestStatus: "presentation_error",
      state: started.body.loginId,
      error: { code: "replayed", message: "replayed" },
    };
    const answer = await postCallback(urls, await apiKeyOf(urls, started.body.url), replay);
    expect(answer.body.status).toBe("unchanged");
    const polled = await call<{ status: string }>(`${urls.api}/logins/${started.body.loginId}`, {
      headers: { "x-poll-token": started.body.pollToken },
    });
    expect(polled.body.status).toBe("verified");
  });
});

describe("a presentation from another wallet", () => {
  it("fails the share with subject_mismatch when another wallet presents copies of the credentials", async () => {
    const demo = await walletOf(urls, "demo");
    const copy = await call<{ walletId: string; did: string }>(`${urls.sim}/wallet/wallets`, {
      body: { credentials: demo.credentials },
    });
    expect(copy.body.did).not.toBe(demo.did);
    const share = await startedShare(urls, session(), [IDENTITY]);
    expect((await present(urls, copy.body.walletId, share.url)).status).toBe(200);
    expect(await statusOf(share.shareId)).toMatchObject({
      status: "failed",
      error: { code: "subject_mismatch" },
    });
  });
});
