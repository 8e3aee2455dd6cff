// The share use cases on their own, with in-memory ports: what a share asks Verified ID for, what it stores,
// how the callback routes by kind, and how the outbox keeps an event until it is published.
import { describe, expect, it } from "vitest";
import { OUTBOX_GRACE_MS, sweepOutbox } from "../../../src/app/outbox.js";
import { cancelShare, readShare, startShare, TrustInactive } from "../../../src/app/shares.js";
import { applyCallback, authenticateCallback, InvalidCallback } from "../../../src/app/verifiedIdCallback.js";
import { ESR_ISSUER, NHS_ENGLAND_ISSUER } from "../../../src/domain/catalogue.js";
import type { ShareRequest } from "../../../src/domain/share.js";
import { CREDENTIALS_SHARED_EVENT } from "../../../src/domain/shareEvent.js";
import { session, trust, verified, world } from "../../support/memoryWorld.js";

describe("startShare", () => {
  it("asks for every chosen type under the trust's name, with the catalogue's issuers", async () => {
    const { deps } = world();
    const started = await startShare(deps, session, ["StaffPassportIdentity", "StaffPassportDbsCheck"]);
    expect(deps.verifiedId.asked).toEqual([
      expect.objectContaining({
        clientName: trust.name,
        purpose: `Share your credentials with ${trust.name}`,
        state: started.shareId,
        requestedCredentials: [
          expect.objectContaining({ type: "StaffPassportIdentity", acceptedIssuers: [NHS_ENGLAND_ISSUER] }),
          expect.objectContaining({ type: "StaffPassportDbsCheck", acceptedIssuers: [ESR_ISSUER] }),
        ],
      }),
    ]);
  });

  it("stores the request record with the api-key's hash only, and the share in the holder's history", async () => {
    const { deps } = world();
    const started = await startShare(deps, session, ["StaffPassportIdentity"]);
    const record = deps.requests.documents.get(started.shareId)?.value;
    expect(record).toMatchObject({ kind: "share", subject: session.subject, trustId: "RTH" });
    expect(JSON.stringify(record)).not.toContain("api-key-1");
    expect((await readShare(deps, session, started.shareId)).status).toBe("pending");
  });

  it("refuses a session whose trust is no longer active, and stores nothing", async () => {
    const { deps } = world();
    deps.trusts.trusts[0] = { ...trust, active: false };
    await expect(startShare(deps, session, ["StaffPassportIdentity"])).rejects.toBeInstanceOf(TrustInactive);
    expect(deps.verifiedId.asked).toHaveLength(0);
    expect(deps.shares.documents.items.size).toBe(0);
  });
});

describe("the callback", () => {
  it("marks the share shared, publishes its event and empties the outbox", async () => {
    const { deps } = world();
    const started = await startShare(deps, session, ["StaffPassportIdentity"]);
    const stored = await authenticateCallback(deps, "api-key-1", started.shareId);
    const outcome = await applyCallback(deps, stored, verified(started.shareId, "vid-1"), "corr-1");
    expect(outcome).toMatchObject({ applied: true, status: "shared" });
    expect(deps.publisher.published).toHaveLength(1);
    expect(deps.publisher.published[0]).toMatchObject({ correlationId: "corr-1", event: { trustId: "RTH" } });
    expect((await deps.shares.get(session.subject, started.shareId))?.value.outbox).toBeUndefined();
  });

  it("keeps the event in the outbox when publishing fails, and the sweep publishes it once", async () => {
    const { deps, advance } = world();
    const started = await startShare(deps, session, ["StaffPassportIdentity"]);
    deps.publisher.failing = true;
    const stored = await authenticateCallback(deps, "api-key-1", started.shareId);
    expect(await applyCallback(deps, stored, verified(started.shareId, "vid-1"), "corr-1")).toMatchObject({
      applied: true,
    });
    expect((await deps.shares.get(session.subject, started.shareId))?.value.outbox).toBeDefined();

    deps.publisher.failing = false;
    expect(await sweepOutbox(deps)).toEqual({ published: 0, pending: 0 });
    advance(OUTBOX_GRACE_MS + 1);
    expect(await sweepOutbox(deps)).toEqual({ published: 1, pending: 0 });
    expect(await sweepOutbox(deps)).toEqual({ published: 0, pending: 0 });
    expect(
      deps.publisher.published.map(({ event }) =>
        event.type === CREDENTIALS_SHARED_EVENT ? event.data.shareId : event.data.requestId,
      ),
    ).toEqual([started.shareId]);
  });

  it("refuses a wrong api-key, and a request id the state's request did not get", async () => {
    const { deps } = world();
    const started = await startShare(deps, session, ["StaffPassportIdentity"]);
    await expect(authenticateCallback(deps, "api-key-2", started.shareId)).rejects.toBeInstanceOf(
      InvalidCallback,
    );
    const stored = await authenticateCallback(deps, "api-key-1", started.shareId);
    await expect(applyCallback(deps, stored, verified(started.shareId, "vid-2"), "c")).rejects.toBeInstanceOf(
      InvalidCallback,
    );
  });

  it("never applies a request record of a kind it does not know", async () => {
    const { deps } = world();
    const started = await startShare(deps, session, ["StaffPassportIdentity"]);
    const stored = await authenticateCallback(deps, "api-key-1", started.shareId);
    const unknown = { ...stored, value: { ...stored.value, kind: "issuance" } } as unknown as typeof stored;
    await expect(
      applyCallback(deps, unknown, verified(started.shareId, "vid-1"), "c"),
    ).rejects.toBeInstanceOf(InvalidCallback);
    expect(deps.publisher.published).toHaveLength(0);
  });

  it("moves the share on from its request record, and says why a callback that cannot move it changed nothing", async () => {
    const { deps, advance } = world();
    const started = await startShare(deps, session, ["StaffPassportIdentity"]);
    const stored = await authenticateCallback(deps, "api-key-1", started.shareId);
    const retrieved = { requestId: "vid-1", state: started.shareId, status: "retrieved" } as const;
    expect(await applyCallback(deps, stored, retrieved, "c")).toMatchObject({
      applied: true,
      status: "scanned",
    });
    expect(await applyCallback(deps, stored, retrieved, "c")).toMatchObject({
      applied: false,
      reason: "repeated",
    });
    const presented = verified(started.shareId, "vid-1");
    expect(await applyCallback(deps, stored, presented, "c")).toMatchObject({
      applied: true,
      status: "shared",
    });
    expect(await applyCallback(deps, stored, presented, "c")).toMatchObject({
      applied: false,
      reason: "final",
    });
    expect(await applyCallback(deps, stored, retrieved, "c")).toMatchObject({
      applied: false,
      reason: "final",
    });
    expect(deps.publisher.published).toHaveLength(1);

    const late = await startShare(deps, session, ["StaffPassportIdentity"]);
    const lateStored = await authenticateCallback(deps, "api-key-2", late.shareId);
    advance(300_000);
    expect(await applyCallback(deps, lateStored, verified(late.shareId, "vid-2"), "c")).toMatchObject({
      applied: false,
      reason: "expired",
    });
    expect((await deps.shares.get(session.subject, late.shareId))?.value.progress).toEqual({
      status: "pending",
    });
    expect(deps.publisher.published).toHaveLength(1);
  });

  it("judges a request record written without the share's types and claims against the share itself", async () => {
    const { deps } = world();
    const started = await startShare(deps, session, ["StaffPassportIdentity"]);
    const stored = await authenticateCallback(deps, "api-key-1", started.shareId);
    const { credentialTypes: _types, staff: _staff, ...older } = stored.value as ShareRequest;
    const outcome = await applyCallback(
      deps,
      { ...stored, value: older as ShareRequest },
      verified(started.shareId, "vid-1"),
      "c",
    );
    expect(outcome).toMatchObject({ applied: true, status: "shared" });
    const event = deps.publisher.published[0]?.event;
    expect(event).toBeDefined();
    expect(await deps.payloads.get("RTH", event?.eventId ?? "")).toMatchObject({
      data: { staff: session.staff },
    });
  });

  it("changes nothing once the share is cancelled", async () => {
    const { deps } = world();
    const started = await startShare(deps, session, ["StaffPassportIdentity"]);
    await cancelShare(deps, session, started.shareId);
    const stored = await authenticateCallback(deps, "api-key-1", started.shareId);
    expect(await applyCallback(deps, stored, verified(started.shareId, "vid-1"), "c")).toMatchObject({
      applied: false,
      reason: "final",
    });
    expect((await readShare(deps, session, started.shareId)).status).toBe("cancelled");
  });
});
