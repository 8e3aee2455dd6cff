// The member of staff's own record (API.md section 11) end to end: the audit trail the use cases write for a login,
// a share, its delivery, a trust's decision and a refused trust token, in order and without claim values; and the
// subject-access export, which holds the person's shares with two trusts and nothing of another person's.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalSystem } from "../../local/system.js";
import { trustAudience } from "../../src/adapters/keys/trustTokens.js";
import { services } from "../../src/composition.js";
import type { AuditEntry } from "../../src/domain/audit.js";
import {
  bearer,
  logIn,
  present,
  readShare,
  startedShare,
  subjectOf,
  type Urls,
  walletOf,
} from "../support/journeys.js";
import { call, startTestSystem } from "../support/system.js";
import { registerTrustKey, type TrustKey, trustKey, trustToken } from "../support/trustTokens.js";
import { until } from "../support/until.js";

let system: LocalSystem;
let urls: Urls;
let rrkKey: TrustKey;

beforeAll(async () => {
  system = await startTestSystem();
  urls = { api: `${system.urls.host}/api`, sim: system.urls.verifiedId };
  rrkKey = await trustKey();
  await registerTrustKey("RRK", rrkKey);
}, 60_000);
afterAll(() => system?.close());

const audience = () => trustAudience(system.settings.SESSION_ISSUER ?? "");

/** Logs in and shares these types; the share once the wallet presented it. */
async function shared(walletId: string, trustId: string, types: string[]) {
  const session = await logIn(urls, walletId, trustId);
  const share = await startedShare(urls, session, types);
  expect((await present(urls, walletId, share.url)).status).toBe(200);
  expect((await readShare(urls, session, share.shareId)).body.status).toBe("shared");
  return { session, shareId: share.shareId };
}

/** Every string inside a value. */
function leaves(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (typeof value === "object" && value !== null)
    for (const child of Object.values(value)) leaves(child, out);
  return out;
}

/** The claim values of a wallet's credentials of these types that could identify someone (5 characters or more). */
async function claimValues(walletId: string, types: string[]): Promise<string[]> {
  const wallet = await walletOf(urls, walletId);
  const values = leaves(
    wallet.credentials
      .filter((credential) => types.includes(credential.type))
      .map((credential) => credential.claims),
  );
  return [...new Set(values)].filter((value) => value.length >= 5 && !/^\d{4}-\d{2}-\d{2}/.test(value));
}

describe("the audit trail", () => {
  it("records a login, a share, its delivery, a decision and a refused trust token, in order, without claim values", async () => {
    const types = ["StaffPassportIdentity", "StaffPassportDbsCheck"];
    const { session, shareId } = await shared("demo", "RRK", types);
    const subject = subjectOf(session);
    // The trust decides once it has the event, as a trust's system would.
    await until(async () =>
      (await services().auditTrail.byTrust("RRK")).find(
        (entry) => entry.action === "delivery.delivered" && entry.shareId === shareId,
      ),
    );
    const decided = await call(
      `${urls.api}/trust/shares/${shareId}/credentials/StaffPassportDbsCheck/decision`,
      {
        method: "PUT",
        body: { decision: "rejected", reason: "The certificate is for another post" },
        headers: bearer(await trustToken(rrkKey, "RRK", audience())),
      },
    );
    expect(decided.status).toBe(200);
    const forged = await call(`${urls.api}/trust/credential-requests`, {
      body: { staffId: "RRK-1", credentialTypes: ["StaffPassportIdentity"] },
      headers: bearer(await trustToken(await trustKey(), "RRK", audience())),
    });
    expect(forged.status).toBe(401);
    // The refusal was answered without waiting for its entry; the recorder's writes have all ended once it settles.
    await services().refusals.settled();

    const about = (entries: AuditEntry[]) =>
      entries.filter((entry) => entry.shareId === shareId || entry.action.startsWith("login."));
    // The person's own entries: the login that made the session, then the share and the trust's decision.
    const mine = about(await services().auditTrail.bySubject(subject));
    expect(mine.map((entry) => entry.action)).toEqual([
      "login.verified",
      "share.started",
      "share.shared",
      "decision.made",
    ]);
    expect(mine.every((entry) => entry.subject === subject && entry.trustId === "RRK")).toBe(true);
    expect(mine.find((entry) => entry.action === "share.shared")).toMatchObject({
      actor: "staff",
      credentialTypes: types,
      eventId: expect.any(String),
    });
    expect(mine.find((entry) => entry.action === "decision.made")).toMatchObject({
      actor: "trust",
      credentialTypes: ["StaffPassportDbsCheck"],
      code: "rejected",
    });

    // The trust's: the delivery too (the event goes by reference, so it names no person), and the refusal.
    const trusts = await services().auditTrail.byTrust("RRK");
    const forShare = trusts.filter((entry) => entry.shareId === shareId).map((entry) => entry.action);
    expect(forShare).toEqual(["share.started", "share.shared", "delivery.delivered", "decision.made"]);
    const refusal = trusts.find(
      (entry) => entry.action === "auth.refused" && entry.route?.includes("credential-requests"),
    );
    expect(refusal).toMatchObject({
      actor: "anonymous",
      trustId: "RRK",
      code: "invalid_trust_token",
      route: "POST /api/trust/credential-requests",
      clientAddress: expect.any(String),
    });

    const written = JSON.stringify([...mine, ...trusts]);
    const secrets = [...(await claimValues("demo", types)), "The certificate is for another post"];
    expect(secrets.length).toBeGreaterThan(5);
    expect(secrets.filter((secret) => written.includes(secret))).toEqual([]);
  });
});

describe("the subject-access export", () => {
  it("holds the person's shares with two trusts, their audit entries and nothing of another person's", async () => {
    const withRth = await shared("demo", "RTH", ["StaffPassportIdentity"]);
    const withRj1 = await shared("demo", "RJ1", ["StaffPassportRightToWork"]);
    const someoneElse = await shared("partial", "RTH", ["StaffPassportIdentity"]);
    const subject = subjectOf(withRj1.session);
    expect(subjectOf(someoneElse.session)).not.toBe(subject);

    const exported = await call<{
      subject: string;
      shares: { shareId: string; trustId: string; delivery?: { status: string } }[];
      auditEntries: AuditEntry[];
      credentialRequests: unknown[];
      accessKeys: unknown[];
      notIncluded: string[];
    }>(`${urls.api}/me/export`, { headers: bearer(withRj1.session) });
    expect(exported.status).toBe(200);
    expect(exported.headers.get("content-disposition")).toContain("staff-passport-export.json");
    const body = exported.body;
    expect(body.subject).toBe(subject);
    const shareIds = body.shares.map((share) => share.shareId);
    expect(shareIds).toEqual(expect.arrayContaining([withRth.shareId, withRj1.shareId]));
    expect(shareIds).not.toContain(someoneElse.shareId);
    expect(body.shares.filter((share) => share.trustId === "RJ1").length).toBeGreaterThan(0);
    expect(body.shares.filter((share) => share.trustId === "RTH").length).toBeGreaterThan(0);
    expect(body.shares.find((share) => share.shareId === withRj1.shareId)?.delivery?.status).toEqual(
      expect.any(String),
    );
    expect(body.auditEntries.length).toBeGreaterThan(4);
    expect(body.auditEntries.every((entry) => entry.subject === subject)).toBe(true);
    expect(JSON.stringify(body)).not.toContain(someoneElse.shareId);
    expect(JSON.stringify(body)).not.toContain(subjectOf(someoneElse.session));
    expect(body.notIncluded.length).toBeGreaterThan(0);

    expect((await call(`${urls.api}/me/export`)).status).toBe(401);
  });
});
