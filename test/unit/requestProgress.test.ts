// Specification of every Verified ID request's life (logins and shares alike): pending → scanned → done |
// failed, or expired; and how a login and a share each show it.
import { describe, expect, it } from "vitest";
import { type LoginRequest, loginView, type Verified } from "../../src/domain/login.js";
import { advance, type ProgressEvent } from "../../src/domain/requestProgress.js";
import { cancelShare, newShare, shareView } from "../../src/domain/share.js";

const created = new Date();
const at = (seconds: number) => new Date(created.getTime() + seconds * 1000);
const expiresAt = at(300);
const during = at(60);
const later = at(120);

const staff = { staffId: "S-1", givenName: "Ada" };
const verified: Verified = {
  status: "verified",
  verifiedAt: later.toISOString(),
  subject: "did:jwk:holder",
  staff,
};
const done: ProgressEvent<Verified> = { type: "done", progress: verified };
const failed: ProgressEvent<Verified> = {
  type: "failed",
  error: { code: "wrong_trust", message: "Another trust's key." },
};

function pendingLogin(): LoginRequest {
  return {
    kind: "login",
    id: "login-1",
    trustId: "RBH",
    verifiedIdRequestId: "request-1",
    apiKeyHash: "api-key-hash",
    pollTokenHash: "poll-token-hash",
    createdAt: created.toISOString(),
    expiresAt: expiresAt.toISOString(),
    progress: { status: "pending" },
  };
}

function applied(login: LoginRequest, event: ProgressEvent<Verified>, now: Date): LoginRequest {
  const result = advance(login, event, now);
  if (!result.changed) throw new Error(`expected a change, got ${result.reason}`);
  return { ...login, progress: result.progress };
}

describe("advance", () => {
  it("moves a pending request to scanned when the wallet fetches it", () => {
    const next = applied(pendingLogin(), { type: "retrieved" }, during);
    expect(next.progress).toEqual({ status: "scanned", scannedAt: during.toISOString() });
  });

  it("moves a scanned request to the kind's done state, leaving no scanned fields behind", () => {
    const scanned = applied(pendingLogin(), { type: "retrieved" }, during);
    expect(applied(scanned, done, later).progress).toEqual(verified);
  });

  it("takes the result from a pending request whose request_retrieved callback never came", () => {
    expect(applied(pendingLogin(), done, during).progress.status).toBe("verified");
  });

  it("moves a scanned request to failed with only the error's code and message", () => {
    const scanned = applied(pendingLogin(), { type: "retrieved" }, during);
    const noisy = {
      type: "failed",
      error: { code: "x", message: "y", detail: "extra" },
    } as ProgressEvent<Verified>;
    expect(applied(scanned, noisy, later).progress).toEqual({
      status: "failed",
      failedAt: later.toISOString(),
      error: { code: "x", message: "y" },
    });
  });

  it("changes nothing when request_retrieved repeats", () => {
    const scanned = applied(pendingLogin(), { type: "retrieved" }, during);
    expect(advance(scanned, { type: "retrieved" }, later)).toEqual({ changed: false, reason: "repeated" });
  });

  it("changes nothing once done or failed, whatever comes next", () => {
    for (const final of [applied(pendingLogin(), done, during), applied(pendingLogin(), failed, during)]) {
      for (const event of [{ type: "retrieved" } as const, done, failed]) {
        expect(advance(final, event, later)).toEqual({ changed: false, reason: "final" });
      }
    }
  });

  it("changes nothing at or after expiry, even a verified presentation", () => {
    for (const now of [expiresAt, at(3600)]) {
      expect(advance(pendingLogin(), done, now)).toEqual({ changed: false, reason: "expired" });
    }
  });

  it("takes a presentation one millisecond before expiry", () => {
    expect(advance(pendingLogin(), done, new Date(expiresAt.getTime() - 1)).changed).toBe(true);
  });

  it("survives a JSON round trip unchanged", () => {
    const login = applied(applied(pendingLogin(), { type: "retrieved" }, during), done, later);
    expect(JSON.parse(JSON.stringify(login))).toEqual(login);
  });
});

describe("loginView", () => {
  it("reports pending and scanned before expiry, and expired from expiresAt on", () => {
    const scanned = applied(pendingLogin(), { type: "retrieved" }, during);
    expect(loginView(pendingLogin(), during)).toEqual({
      loginId: "login-1",
      trustId: "RBH",
      expiresAt: expiresAt.toISOString(),
      status: "pending",
    });
    expect(loginView(scanned, later).status).toBe("scanned");
    expect(loginView(pendingLogin(), expiresAt).status).toBe("expired");
    expect(loginView(scanned, expiresAt).status).toBe("expired");
  });

  it("reports verified and failed logins as they ended, even after expiry", () => {
    expect(loginView(applied(pendingLogin(), done, during), at(86_400))).toMatchObject({
      status: "verified",
      subject: "did:jwk:holder",
      staff,
    });
    expect(loginView(applied(pendingLogin(), failed, during), at(86_400))).toMatchObject({
      status: "failed",
      error: { code: "wrong_trust" },
    });
  });

  it("never exposes the stored hashes", () => {
    expect(JSON.stringify(loginView(applied(pendingLogin(), done, during), later))).not.toContain("hash");
  });
});

describe("shares", () => {
  const share = () =>
    newShare(
      {
        id: "AAAAAAAAAAAAAAAAAAAAAA",
        subject: "did:jwk:holder",
        trustId: "RTH",
        staff,
        credentialTypes: ["StaffPassportIdentity"],
        expiresAt: expiresAt.toISOString(),
      },
      created,
    );

  it("cancels a share that still waits for the wallet, and not one that has expired", () => {
    const cancelled = cancelShare(share(), during);
    expect(cancelled.ok && cancelled.share.progress).toEqual({
      status: "cancelled",
      cancelledAt: during.toISOString(),
    });
    expect(cancelShare(share(), expiresAt)).toEqual({ ok: false });
  });

  it("cannot cancel a cancelled share again", () => {
    const cancelled = cancelShare(share(), during);
    if (!cancelled.ok) throw new Error("expected a cancellation");
    expect(cancelShare(cancelled.share, later)).toEqual({ ok: false });
  });

  it("shows a waiting share as expired from expiresAt on", () => {
    expect(shareView(share(), during).status).toBe("pending");
    expect(shareView(share(), expiresAt).status).toBe("expired");
  });
});
