// Sessions used beyond what they were issued for: another staff member's shares, and another trust's.
import { describe, expect, it } from "vitest";
import { bearer, cancelShare, logIn, readShare, startedShare, startShare } from "../support/journeys.js";
import { useTestSystem } from "../support/suiteSystem.js";
import { call } from "../support/system.js";
import { IDENTITY } from "./support.js";

const { urls } = useTestSystem();

async function expectHidden(session: string, shareId: string) {
  const read = await readShare(urls, session, shareId);
  expect(read.status).toBe(404);
  expect(read.headers.get("content-type")).toBe("application/problem+json");
  expect((await cancelShare(urls, session, shareId)).status).toBe(404);
  const listed = await call<{ shares: { shareId: string }[] }>(`${urls.api}/shares`, {
    headers: bearer(session),
  });
  expect(listed.body.shares.map((share) => share.shareId)).not.toContain(shareId);
}

describe("another subject's session", () => {
  it("can neither read, cancel nor list a share, which stays pending for its owner", async () => {
    const owner = await logIn(urls, "demo", "RTH");
    const share = await startedShare(urls, owner, [IDENTITY]);
    const other = await logIn(urls, "partial", "RTH");
    await expectHidden(other, share.shareId);
    expect((await readShare(urls, owner, share.shareId)).body.status).toBe("pending");
  });
});

describe("a session for trust A", () => {
  it("cannot read or cancel another staff member's share with trust B", async () => {
    const ownerWithB = await logIn(urls, "demo", "RJ1");
    const share = await startedShare(urls, ownerWithB, [IDENTITY]);
    expect(share.trustId).toBe("RJ1");
    const otherWithA = await logIn(urls, "partial", "RTH");
    await expectHidden(otherWithA, share.shareId);
    expect((await readShare(urls, ownerWithB, share.shareId)).body.status).toBe("pending");
  });

  it("cannot start a share with trust B: a trustId in the body is refused, and shares go to the session's trust", async () => {
    const withA = await logIn(urls, "demo", "RTH");
    const refused = await call(`${urls.api}/shares`, {
      body: { credentialTypes: [IDENTITY], trustId: "RJ1" },
      headers: bearer(withA),
    });
    expect(refused.status).toBe(400);
    const started = await startShare(urls, withA, [IDENTITY]);
    expect(started.status).toBe(201);
    expect(started.body.trustId).toBe("RTH");
  });
});
