// Logging in on its own, with in-memory ports and a clock the test moves: which trusts a login may start for and
// what it asks Verified ID for and stores, and what a poll sees of a login in each state, with the session token's
// lifetime counted from the verification, never from the poll.
import { describe, expect, it } from "vitest";
import { LoginNotFound, readLogin, startLogin, UnknownTrust } from "../../../src/app/logins.js";
import type { SessionClaims } from "../../../src/app/ports.js";
import { REQUEST_TTL_SECONDS } from "../../../src/app/presentationRequests.js";
import type { LoginProgress, LoginRequest } from "../../../src/domain/login.js";
import { mintId, mintSecret } from "../../../src/domain/secrets.js";
import { trust, world } from "../../support/memoryWorld.js";

const TTL_SECONDS = 900;
const staff = { staffId: "RTH-1", givenName: "Ada", familyName: "Lovelace" };

/** The world's ports with a session issuer that records what it signed, and the lookups of the directory. */
function loginWorld() {
  const { deps, advance } = world();
  const issued: SessionClaims[] = [];
  const looked: string[] = [];
  const trusts = {
    ...deps.trusts,
    get: (id: string) => {
      looked.push(id);
      return deps.trusts.get(id);
    },
  };
  const loginDeps = {
    ...deps,
    trusts,
    sessions: {
      async issue(claims: SessionClaims) {
        issued.push(claims);
        return `session-token-${issued.length}`;
      },
    },
    session: { ttlSeconds: TTL_SECONDS },
  };
  return { deps: loginDeps, directory: deps.trusts, issued, looked, advance };
}

type LoginWorld = ReturnType<typeof loginWorld>;

/** Moves the stored login on as a callback would. */
async function progress(w: LoginWorld, loginId: string, next: LoginProgress) {
  const stored = await w.deps.requests.get(loginId);
  if (stored?.value.kind !== "login") throw new Error("the login is stored");
  const login: LoginRequest = { ...stored.value, progress: next };
  expect(await w.deps.requests.replace(login, stored.etag, REQUEST_TTL_SECONDS)).toBe(true);
}

const verifiedAt = (w: LoginWorld, offsetMs = 0): LoginProgress => ({
  status: "verified",
  verifiedAt: new Date(w.deps.clock().getTime() + offsetMs).toISOString(),
  subject: "did:jwk:holder",
  staff,
});

describe("startLogin", () => {
  it("asks for the trust's access key, from its issuers and for it alone, and returns the poll token once", async () => {
    const w = loginWorld();
    const started = await startLogin(w.deps, "RTH");
    expect(w.deps.verifiedId.asked).toEqual([
      {
        clientName: trust.name,
        purpose: `Log in to the ${trust.name} staff passport portal`,
        includeQRCode: true,
        includeReceipt: false,
        state: started.loginId,
        requestedCredentials: [
          {
            type: trust.accessKeyType,
            purpose: `Your access key for ${trust.name}`,
            acceptedIssuers: trust.issuerDids,
            constraints: [{ claimName: "trustId", values: ["RTH"] }],
          },
        ],
      },
    ]);
    expect(started).toMatchObject({
      url: "openid-vc://?request_uri=https://verifiedid.example/1",
      qrCode: "data:image/png;base64,AA==",
      expiresAt: new Date(w.deps.clock().getTime() + 300_000).toISOString(),
    });
    const stored = w.deps.requests.documents.get(started.loginId)?.value;
    expect(stored).toMatchObject({ kind: "login", trustId: "RTH", progress: { status: "pending" } });
    // Only the hashes of the poll token and the callback key are kept.
    expect(JSON.stringify(stored)).not.toContain(started.pollToken);
    expect(JSON.stringify(stored)).not.toContain("api-key-1");
  });

  it("answers an empty QR code when Verified ID gives none", async () => {
    const w = loginWorld();
    const create = w.deps.verifiedId.createPresentationRequest;
    w.deps.verifiedId.createPresentationRequest = async (input) => {
      const { qrCode: _none, ...created } = await create(input);
      return created;
    };
    expect((await startLogin(w.deps, "RTH")).qrCode).toBe("");
  });

  it("refuses an unknown trust and one no longer active alike, asking Verified ID nothing and storing nothing", async () => {
    const w = loginWorld();
    w.directory.trusts[0] = { ...trust, active: false };
    for (const trustId of ["RTH", "RXX"]) {
      await expect(startLogin(w.deps, trustId), trustId).rejects.toBeInstanceOf(UnknownTrust);
    }
    expect(w.deps.verifiedId.asked).toHaveLength(0);
    expect(w.deps.requests.documents.items.size).toBe(0);
  });

  it("refuses an id that is no organisation code without asking the directory", async () => {
    const w = loginWorld();
    for (const trustId of ["", "RT-H", "R".repeat(21), "RTH "]) {
      await expect(startLogin(w.deps, trustId), JSON.stringify(trustId)).rejects.toBeInstanceOf(UnknownTrust);
    }
    expect(w.looked).toEqual([]);
    await startLogin(w.deps, "RTH");
    expect(w.looked).toEqual(["RTH"]);
  });
});

describe("readLogin", () => {
  it("shows a pending login, then expired once its time is up, with no session token", async () => {
    const w = loginWorld();
    const { loginId, pollToken, expiresAt } = await startLogin(w.deps, "RTH");
    expect(await readLogin(w.deps, loginId, pollToken)).toEqual({
      loginId,
      trustId: "RTH",
      status: "pending",
      expiresAt,
    });
    w.advance(300_000);
    expect(await readLogin(w.deps, loginId, pollToken)).toEqual({
      loginId,
      trustId: "RTH",
      status: "expired",
      expiresAt,
    });
    expect(w.issued).toHaveLength(0);
  });

  it("shows a failed login with its error and no session token", async () => {
    const w = loginWorld();
    const { loginId, pollToken } = await startLogin(w.deps, "RTH");
    const error = { code: "wrong_trust", message: "The access key was issued for another trust." };
    await progress(w, loginId, { status: "failed", failedAt: w.deps.clock().toISOString(), error });
    expect(await readLogin(w.deps, loginId, pollToken)).toMatchObject({ status: "failed", error });
    expect(w.issued).toHaveLength(0);
  });

  it("hands a verified login a session token that ends a session lifetime after the verification", async () => {
    const w = loginWorld();
    const { loginId, pollToken } = await startLogin(w.deps, "RTH");
    await progress(w, loginId, verifiedAt(w));
    expect(await readLogin(w.deps, loginId, pollToken)).toMatchObject({
      status: "verified",
      sessionToken: "session-token-1",
    });
    w.advance(100_500);
    expect((await readLogin(w.deps, loginId, pollToken)).sessionToken).toBe("session-token-2");
    expect(w.issued).toEqual([
      { subject: "did:jwk:holder", trustId: "RTH", staff, now: expect.any(Date), ttlSeconds: TTL_SECONDS },
      // 799.5 s are left, counted down to whole seconds: polling never extends the session.
      { subject: "did:jwk:holder", trustId: "RTH", staff, now: w.deps.clock(), ttlSeconds: 799 },
    ]);
  });

  it("never mints a longer session than the lifetime when this instance's clock is behind the verifier's", async () => {
    const w = loginWorld();
    const { loginId, pollToken } = await startLogin(w.deps, "RTH");
    await progress(w, loginId, verifiedAt(w, 30_000));
    await readLogin(w.deps, loginId, pollToken);
    expect(w.issued.map((claims) => claims.ttlSeconds)).toEqual([TTL_SECONDS]);
  });

  it("hands no session token once less than a second of the session is left", async () => {
    const w = loginWorld();
    const { loginId, pollToken } = await startLogin(w.deps, "RTH");
    await progress(w, loginId, verifiedAt(w));
    w.advance(TTL_SECONDS * 1000 - 999);
    const view = await readLogin(w.deps, loginId, pollToken);
    expect(view).toMatchObject({ status: "verified" });
    expect(view).not.toHaveProperty("sessionToken");
    expect(w.issued).toHaveLength(0);
  });

  it("answers LoginNotFound alike for a wrong or missing poll token, an unknown id, a malformed id and a share's id", async () => {
    const w = loginWorld();
    const { loginId, pollToken } = await startLogin(w.deps, "RTH");
    const share = { ...(w.deps.requests.documents.get(loginId)?.value ?? {}), id: mintId(), kind: "share" };
    w.deps.requests.documents.put(share.id, share as never);
    const attempts: [string, string | null][] = [
      [loginId, mintSecret()],
      [loginId, null],
      [loginId, ""],
      [mintId(), pollToken],
      ["not-a-minted-id", pollToken],
      [share.id, pollToken],
    ];
    for (const [id, token] of attempts) {
      await expect(readLogin(w.deps, id, token), `${id} ${token}`).rejects.toBeInstanceOf(LoginNotFound);
    }
    expect(w.issued).toHaveLength(0);
  });
});
