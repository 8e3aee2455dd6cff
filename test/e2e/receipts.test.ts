// A share's receipt, end to end: the local host over HTTP with both emulators, Azurite, the Verified ID
// simulator's wallets and the demo trust; the receipt is checked as anyone would, with jose against the JWKS.
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, type JSONWebKeySet, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalSystem } from "../../local/system.js";
import { services } from "../../src/composition.js";
import { bearer, logIn, present, startedShare, subjectOf, type Urls, walletOf } from "../support/journeys.js";
import { call, startTestSystem } from "../support/system.js";
import { until } from "../support/until.js";

const IDENTITY = "StaffPassportIdentity";
const DBS = "StaffPassportDbsCheck";
const RECEIPT_TYPE = "share-receipt+jwt";

let system: LocalSystem;
let urls: Urls;
let session = "";

beforeAll(async () => {
  system = await startTestSystem();
  urls = { api: `${system.urls.host}/api`, sim: system.urls.verifiedId };
  session = await logIn(urls, "demo", "RTH");
});
afterAll(() => system?.close());

/** GET /api/shares/{shareId}/receipt as the portal sends it: the answer's status, content type and text. */
async function receiptOf(token: string, shareId: string) {
  const response = await fetch(`${urls.api}/shares/${shareId}/receipt`, { headers: bearer(token) });
  return { status: response.status, type: response.headers.get("content-type"), text: await response.text() };
}

/** The receipt's claims once it verifies with the service's published JWKS, as its explicit type. */
async function verified(receipt: string) {
  const jwks = await call<JSONWebKeySet>(`${urls.api}/.well-known/jwks.json`);
  expect(jwks.status).toBe(200);
  const { payload, protectedHeader } = await jwtVerify(receipt, createLocalJWKSet(jwks.body), {
    typ: RECEIPT_TYPE,
    algorithms: ["ES256"],
    issuer: services().eventIssuer,
  });
  return { payload, protectedHeader };
}

/** Every string (and long number) inside a value: the claim values a receipt must not hold. */
function leaves(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string" || typeof value === "number") out.push(String(value));
  else if (typeof value === "object" && value !== null)
    for (const child of Object.values(value)) leaves(child, out);
  return out;
}

describe("share receipts", () => {
  it("signs a shared share's receipt that verifies with the JWKS and follows its delivery to the trust", async () => {
    const share = await startedShare(urls, session, [IDENTITY, DBS]);
    expect((await present(urls, "demo", share.url)).status).toBe(200);

    const first = await receiptOf(session, share.shareId);
    expect(first.status).toBe(200);
    expect(first.type).toBe("application/jwt");
    const { payload, protectedHeader } = await verified(first.text);
    const currentKid = (await services().keys.current()).kid;
    expect(protectedHeader).toMatchObject({ alg: "ES256", typ: RECEIPT_TYPE, kid: currentKid });
    const stored = await services().shares.get(subjectOf(session), share.shareId);
    const progress = stored?.value.progress;
    if (progress?.status !== "shared") throw new Error(`share ${share.shareId} is not shared`);
    expect(payload).toMatchObject({
      sub: subjectOf(session),
      share_id: share.shareId,
      trust_id: "RTH",
      credential_types: [IDENTITY, DBS],
      shared_at: progress.sharedAt,
      event_id: progress.eventId,
    });
    expect(typeof payload.jti).toBe("string");
    expect(typeof payload.iat).toBe("number");

    // The demo trust takes the push; the receipt then says so, with when.
    const delivered = await until(
      async () => {
        const receipt = await receiptOf(session, share.shareId);
        const { payload: claims } = await verified(receipt.text);
        const delivery = claims.delivery as { status: string; at?: string };
        return delivery.status === "delivered" ? { text: receipt.text, claims, delivery } : undefined;
      },
      { what: `a receipt of share ${share.shareId} saying it was delivered`, everyMs: 200 },
    );
    const event = await services().shareEventDelivery.events.get("RTH", progress.eventId);
    expect(delivered.delivery.at).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(delivered.delivery).toEqual({ status: "delivered", at: event?.value.delivery.deliveredAt });
    expect(delivered.claims.jti).not.toBe(payload.jti);

    // No claim value of the shared credentials appears anywhere in either receipt, header or claims.
    const wallet = await walletOf(urls, "demo");
    const claimValues = [
      ...new Set(
        leaves(
          wallet.credentials
            .filter((credential) => [IDENTITY, DBS].includes(credential.type))
            .map((credential) => credential.claims),
        ),
      ),
    ].filter((value) => value.length >= 5 && !/^\d{4}-\d{2}-\d{2}$/.test(value));
    expect(claimValues.length).toBeGreaterThan(4);
    const readable = [first.text, delivered.text]
      .map((receipt) => JSON.stringify([decodeProtectedHeader(receipt), decodeJwt(receipt)]))
      .join("\n");
    expect(claimValues.filter((value) => readable.includes(value))).toEqual([]);
  });

  it("answers 409 share_not_shared for a share still waiting for the wallet, and 404 for another person's", async () => {
    const pending = await startedShare(urls, session, [IDENTITY]);
    const early = await receiptOf(session, pending.shareId);
    expect(early.status).toBe(409);
    expect(early.type).toBe("application/problem+json");
    expect(JSON.parse(early.text)).toMatchObject({
      type: "urn:nhs:staff-passport:problem:share_not_shared",
      status: 409,
    });

    const shared = await startedShare(urls, session, [IDENTITY]);
    expect((await present(urls, "demo", shared.url)).status).toBe(200);
    const other = await logIn(urls, "partial", "RTH");
    expect(subjectOf(other)).not.toBe(subjectOf(session));
    const refused = await receiptOf(other, shared.shareId);
    expect(refused.status).toBe(404);
    expect(JSON.parse(refused.text)).toMatchObject({ type: "urn:nhs:staff-passport:problem:not_found" });
    expect(refused.text).not.toContain("eyJ");
    // The same answer as for a share that does not exist at all.
    expect((await receiptOf(session, "A".repeat(22))).status).toBe(404);
    // The owner's receipt is there all the while.
    expect((await receiptOf(session, shared.shareId)).status).toBe(200);
  });
});
