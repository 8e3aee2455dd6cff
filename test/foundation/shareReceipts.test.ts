// A share's receipt from the use case down: shares and share events in the Cosmos DB emulator through the
// service's own stores, signed with local signing keys and checked with jose against their JWKS; only the clock
// is the test's. The delivery the receipt states is the event document's, whatever stage it is at.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Database } from "@azure/cosmos";
import { createLocalJWKSet, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureDatabase } from "../../src/adapters/cosmos/client.js";
import { ensureContainers } from "../../src/adapters/cosmos/containers.js";
import { shareEventStore } from "../../src/adapters/cosmos/shareEventStore.js";
import { shareStore } from "../../src/adapters/cosmos/shareStore.js";
import { localSigningKeys } from "../../src/adapters/keys/localSigningKeys.js";
import { RECEIPT_TYPE, shareReceiptSigner } from "../../src/adapters/keys/receiptTokens.js";
import type { ShareEventStore, ShareStore, SigningKeys } from "../../src/app/ports.js";
import { type ReceiptDeps, ShareNotShared, shareReceipt } from "../../src/app/receipts.js";
import { ShareNotFound } from "../../src/app/shares.js";
import { mintId } from "../../src/domain/secrets.js";
import { newShare, type Share, shareAccepted } from "../../src/domain/share.js";
import { newStoredShareEvent } from "../../src/domain/shareDelivery.js";
import { useCosmosEmulator } from "../support/cosmosEmulator.js";

const ISSUER = "https://staff-passport.test";
const DAY_MS = 86_400_000;
const TYPES = ["StaffPassportIdentity", "StaffPassportDbsCheck"];

const cosmos = useCosmosEmulator();
let keysDir: string | undefined;
let database: Database;
let shares: ShareStore;
let events: ShareEventStore;
let keys: SigningKeys;
let deps: ReceiptDeps;
let now = new Date();

beforeAll(async () => {
  keysDir = await mkdtemp(join(tmpdir(), "share-receipts-"));
  keys = localSigningKeys(keysDir);
  database = await ensureDatabase(cosmos.client(), `receipts-${mintId()}`);
  await ensureContainers(database);
  shares = shareStore(async () => database.container("shares"));
  events = shareEventStore(async () => database.container("shareEvents"));
  deps = { shares, events, signReceipt: shareReceiptSigner(keys, ISSUER), clock: () => now };
});
afterAll(async () => {
  await database?.delete();
  if (keysDir !== undefined) await rm(keysDir, { recursive: true, force: true });
});

const sessionOf = (subject: string) => ({
  subject,
  trustId: "RTH",
  staff: { staffId: "RTH-1" },
  expiresAt: new Date(now.getTime() + 900_000),
  jti: mintId(),
});

/** A share of a fresh subject, stored as POST /api/shares leaves it: pending. */
async function pendingShare(): Promise<Share> {
  const share = newShare(
    {
      id: mintId(),
      subject: `did:web:${mintId()}.example`,
      trustId: "RTH",
      staff: { staffId: "RTH-1" },
      credentialTypes: TYPES,
      expiresAt: new Date(now.getTime() + 300_000).toISOString(),
    },
    now,
  );
  await shares.create(share);
  return share;
}

/** A share the wallet presented, stored `shared` as the callback leaves it, and the event it is to be recorded as. */
async function sharedShare() {
  const share = await pendingShare();
  const stored = await shares.get(share.subject, share.id);
  const accepted = shareAccepted(
    share,
    {
      eventId: mintId(),
      credentials: TYPES.map((type) => ({
        type,
        issuer: "did:web:issuer.example",
        revocationStatus: "VALID",
        claims: { secret: `claim-of-${type}` },
      })),
    },
    now,
    mintId(),
  );
  const progressed = { ...share, progress: accepted.progress, outbox: accepted.outbox };
  expect(await shares.replace(progressed, stored?.etag ?? "")).toBeDefined();
  return { share, eventId: accepted.progress.eventId, event: accepted.outbox.event };
}

async function receiptClaims(subject: string, shareId: string) {
  const token = await shareReceipt(deps, sessionOf(subject), shareId);
  const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(await keys.jwks()), {
    typ: RECEIPT_TYPE,
    algorithms: ["ES256"],
    issuer: ISSUER,
  });
  return { payload, protectedHeader, token };
}

describe("a share's receipt", () => {
  it("states each stage of the delivery as the event document holds it, with when only once delivered", async () => {
    const { share, eventId, event } = await sharedShare();
    // The outbox has not been published yet: no event document, so nothing has been tried.
    expect((await receiptClaims(share.subject, share.id)).payload.delivery).toEqual({ status: "pending" });

    let stored = await events.create(
      newStoredShareEvent(event, { now, retentionMs: DAY_MS, recorded: true }),
    );
    expect((await receiptClaims(share.subject, share.id)).payload.delivery).toEqual({ status: "pending" });
    for (const status of ["retrying", "available", "held", "failed", "dead-lettered"] as const) {
      if (stored === undefined) throw new Error(`event ${eventId} is not stored`);
      const delivery = { ...stored.value.delivery, status, attempt: 1 };
      stored = await events.replace({ ...stored.value, delivery }, stored.etag);
      expect((await receiptClaims(share.subject, share.id)).payload.delivery, status).toEqual({ status });
    }
    if (stored === undefined) throw new Error(`event ${eventId} is not stored`);
    const deliveredAt = new Date(now.getTime() + 5_000).toISOString();
    const delivered = { ...stored.value.delivery, status: "delivered" as const, deliveredAt };
    await events.replace({ ...stored.value, delivery: delivered }, stored.etag);
    expect((await receiptClaims(share.subject, share.id)).payload.delivery).toEqual({
      status: "delivered",
      at: deliveredAt,
    });
  });

  it("is signed with the current key as share-receipt+jwt, at the clock's time, with a fresh jti each time", async () => {
    const { share, eventId } = await sharedShare();
    now = new Date(now.getTime() + 60_000);
    const first = await receiptClaims(share.subject, share.id);
    const second = await receiptClaims(share.subject, share.id);
    expect(first.protectedHeader).toEqual({
      alg: "ES256",
      typ: RECEIPT_TYPE,
      kid: (await keys.current()).kid,
    });
    expect(first.payload).toEqual({
      iss: ISSUER,
      sub: share.subject,
      iat: Math.floor(now.getTime() / 1000),
      jti: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      share_id: share.id,
      trust_id: "RTH",
      credential_types: TYPES,
      shared_at: expect.any(String),
      event_id: eventId,
      delivery: { status: "pending" },
    });
    expect(second.payload.jti).not.toBe(first.payload.jti);
    // The claim values presented travel in the payload only, never in a receipt.
    expect(Buffer.from(first.token.split(".")[1] ?? "", "base64url").toString()).not.toContain("claim-of-");
  });

  it("refuses a share not yet shared, another subject's share and an id the service never minted", async () => {
    const pending = await pendingShare();
    await expect(shareReceipt(deps, sessionOf(pending.subject), pending.id)).rejects.toBeInstanceOf(
      ShareNotShared,
    );
    const { share } = await sharedShare();
    await expect(shareReceipt(deps, sessionOf(pending.subject), share.id)).rejects.toBeInstanceOf(
      ShareNotFound,
    );
    await expect(shareReceipt(deps, sessionOf(share.subject), "not a minted id")).rejects.toBeInstanceOf(
      ShareNotFound,
    );
  });
});
