// Specification of the login request's life: pending → scanned → verified | failed, or expired.

import { describe, expect, it } from "vitest";
import {
  applyLoginEvent,
  type LoginEvent,
  type LoginRequest,
  loginView,
  newLoginRequest,
} from "../../src/domain/login.js";

const created = new Date("2026-03-01T12:00:00Z");
const expiresAt = new Date("2026-03-01T12:05:00Z");
const during = new Date("2026-03-01T12:01:00Z");
const later = new Date("2026-03-01T12:02:00Z");

const staff = { staffId: "S-1", givenName: "Ada" };
const verified: LoginEvent = { type: "verified", subject: "did:ion:holder", staff };
const failed: LoginEvent = {
  type: "failed",
  error: { code: "wrong_trust", message: "Another trust's key." },
};

function pendingLogin(): LoginRequest {
  return newLoginRequest(
    {
      id: "login-1",
      trustId: "RBH",
      verifiedIdRequestId: "request-1",
      callbackState: "state-1",
      apiKeyHash: "api-key-hash",
      pollTokenHash: "poll-token-hash",
      expiresAt,
    },
    created,
  );
}

function applied(login: LoginRequest, event: LoginEvent, now: Date): LoginRequest {
  const result = applyLoginEvent(login, event, now);
  if (!result.changed) throw new Error(`expected a change, got ${result.reason}`);
  return result.next;
}

describe("newLoginRequest", () => {
  it("starts pending, with its dates as RFC 3339 strings", () => {
    expect(pendingLogin()).toEqual({
      kind: "login",
      id: "login-1",
      trustId: "RBH",
      verifiedIdRequestId: "request-1",
      callbackState: "state-1",
      apiKeyHash: "api-key-hash",
      pollTokenHash: "poll-token-hash",
      createdAt: "2026-03-01T12:00:00.000Z",
      expiresAt: "2026-03-01T12:05:00.000Z",
      status: "pending",
    });
  });

  it("survives a JSON round trip unchanged", () => {
    const login = applied(applied(pendingLogin(), { type: "retrieved" }, during), verified, later);
    expect(JSON.parse(JSON.stringify(login))).toEqual(login);
  });
});

describe("applyLoginEvent", () => {
  it("moves a pending login to scanned when the wallet fetches the request", () => {
    const next = applied(pendingLogin(), { type: "retrieved" }, during);
    expect(next).toMatchObject({ status: "scanned", scannedAt: during.toISOString() });
  });

  it("moves a scanned login to verified with the holder and staff claims", () => {
    const scanned = applied(pendingLogin(), { type: "retrieved" }, during);
    const next = applied(scanned, verified, later);
    expect(next).toMatchObject({
      status: "verified",
      verifiedAt: later.toISOString(),
      subject: "did:ion:holder",
      staff,
    });
    expect(next).not.toHaveProperty("scannedAt");
  });

  it("verifies a pending login whose request_retrieved callback never came", () => {
    expect(applied(pendingLogin(), verified, during).status).toBe("verified");
  });

  it("moves a scanned login to failed with the error", () => {
    const scanned = applied(pendingLogin(), { type: "retrieved" }, during);
    expect(applied(scanned, failed, later)).toMatchObject({
      status: "failed",
      failedAt: later.toISOString(),
      error: { code: "wrong_trust", message: "Another trust's key." },
    });
  });

  it("keeps only code and message from the error it is given", () => {
    const noisy = { type: "failed", error: { code: "x", message: "y", detail: "extra" } } as LoginEvent;
    const next = applied(pendingLogin(), noisy, during);
    expect(next.status === "failed" && next.error).toEqual({ code: "x", message: "y" });
  });

  it("keeps the record's identity fields through every transition", () => {
    const next = applied(pendingLogin(), verified, during);
    const {
      status: _s,
      verifiedAt: _v,
      subject: _sub,
      staff: _st,
      ...record
    } = next as LoginRequest & {
      verifiedAt: string;
      subject: string;
      staff: unknown;
    };
    const { status: _p, ...original } = pendingLogin();
    expect(record).toEqual(original);
  });

  it("changes nothing when request_retrieved repeats", () => {
    const scanned = applied(pendingLogin(), { type: "retrieved" }, during);
    expect(applyLoginEvent(scanned, { type: "retrieved" }, later)).toEqual({
      changed: false,
      reason: "repeated",
    });
  });

  it("changes nothing once verified, whatever comes next", () => {
    const done = applied(pendingLogin(), verified, during);
    for (const event of [{ type: "retrieved" } as const, verified, failed]) {
      expect(applyLoginEvent(done, event, later)).toEqual({ changed: false, reason: "final" });
    }
  });

  it("changes nothing once failed, whatever comes next", () => {
    const done = applied(pendingLogin(), failed, during);
    for (const event of [{ type: "retrieved" } as const, verified, failed]) {
      expect(applyLoginEvent(done, event, later)).toEqual({ changed: false, reason: "final" });
    }
  });

  it("changes nothing at or after expiry, even a verified presentation", () => {
    for (const now of [expiresAt, new Date("2026-03-01T13:00:00Z")]) {
      expect(applyLoginEvent(pendingLogin(), verified, now)).toEqual({ changed: false, reason: "expired" });
    }
  });

  it("takes a presentation one millisecond before expiry", () => {
    const justBefore = new Date(expiresAt.getTime() - 1);
    expect(applyLoginEvent(pendingLogin(), verified, justBefore).changed).toBe(true);
  });
});

describe("loginView", () => {
  it("reports a pending login as pending before expiry", () => {
    expect(loginView(pendingLogin(), during)).toEqual({
      loginId: "login-1",
      trustId: "RBH",
      expiresAt: "2026-03-01T12:05:00.000Z",
      status: "pending",
    });
  });

  it("reports a scanned login as scanned before expiry", () => {
    expect(loginView(applied(pendingLogin(), { type: "retrieved" }, during), later).status).toBe("scanned");
  });

  it("reports pending and scanned logins as expired from expiresAt on", () => {
    const scanned = applied(pendingLogin(), { type: "retrieved" }, during);
    expect(loginView(pendingLogin(), expiresAt).status).toBe("expired");
    expect(loginView(scanned, expiresAt).status).toBe("expired");
  });

  it("reports a verified login as verified with its holder and staff claims, even after expiry", () => {
    const done = applied(pendingLogin(), verified, during);
    expect(loginView(done, new Date("2026-03-02T00:00:00Z"))).toMatchObject({
      status: "verified",
      subject: "did:ion:holder",
      staff,
    });
  });

  it("reports a failed login as failed with its error, even after expiry", () => {
    const done = applied(pendingLogin(), failed, during);
    expect(loginView(done, new Date("2026-03-02T00:00:00Z"))).toMatchObject({
      status: "failed",
      error: { code: "wrong_trust", message: "Another trust's key." },
    });
  });

  it("never exposes the stored hashes", () => {
    const text = JSON.stringify(loginView(applied(pendingLogin(), verified, during), later));
    expect(text).not.toContain("hash");
  });
});
