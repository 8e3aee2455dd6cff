// The trust API's use cases on their own, with in-memory ports: decisions on shared credentials, credential
// requests from creation to fulfilment, decline or withdrawal, and the decline's event through the outbox.
import { describe, expect, it } from "vitest";
import {
  CredentialRequestClosed,
  CredentialRequestNotFound,
  createCredentialRequest,
  declineCredentialRequest,
  listOpenRequests,
  readCredentialRequest,
  withdrawCredentialRequest,
} from "../../../src/app/credentialRequests.js";
import {
  DecisionConflict,
  decideOnCredential,
  SharedCredentialNotFound,
} from "../../../src/app/decisions.js";
import { OUTBOX_GRACE_MS, sweepOutbox } from "../../../src/app/outbox.js";
import type { Session } from "../../../src/app/ports.js";
import { recordShareEvent } from "../../../src/app/recordShareEvent.js";
import { readShare, startShare } from "../../../src/app/shares.js";
import { applyCallback, authenticateCallback } from "../../../src/app/verifiedIdCallback.js";
import { CREDENTIAL_REQUEST_DECLINED_EVENT } from "../../../src/domain/shareEvent.js";
import { memoryDeadLetters, memoryShareEvents } from "../../support/memoryPorts.js";
import { session, verified, world } from "../../support/memoryWorld.js";

type World = ReturnType<typeof world>;
const RTH = { trustId: "RTH", jti: "t-1" };
const IDENTITY = "StaffPassportIdentity";
const DBS = "StaffPassportDbsCheck";

/** A share of the identity credential, verified: `shared`. */
async function sharedShare({ deps }: World, requestId?: string): Promise<string> {
  const started = await startShare(deps, session, [IDENTITY], requestId);
  const n = deps.verifiedId.asked.length;
  const stored = await authenticateCallback(deps, `api-key-${n}`, started.shareId);
  await applyCallback(deps, stored, verified(started.shareId, `vid-${n}`), "corr-share");
  return started.shareId;
}

let calls = 0;
/** A request made by a call of its own (a token id never used before). */
const requestFor = (w: World, staffId = session.staff.staffId ?? "", trustId = "RTH") =>
  createCredentialRequest(
    w.deps,
    { trustId, jti: `call-${++calls}` },
    { staffId, credentialTypes: [IDENTITY, DBS] },
  );

describe("decisions", () => {
  it("records the decision on the credential, where the staff member's share view shows it", async () => {
    const w = world();
    const shareId = await sharedShare(w);
    const decided = await decideOnCredential(w.deps, RTH, shareId, IDENTITY, { decision: "accepted" });
    expect(decided).toEqual({ shareId, type: IDENTITY, decision: "accepted", decidedAt: expect.any(String) });
    const view = await readShare(w.deps, session, shareId);
    expect(view.credentials?.[0]?.decision).toEqual({ decision: "accepted", decidedAt: decided.decidedAt });
  });

  it("changes nothing for the same decision again, and refuses a different one", async () => {
    const w = world();
    const shareId = await sharedShare(w);
    const reject = { decision: "rejected", reason: "Name does not match our records" } as const;
    const first = await decideOnCredential(w.deps, RTH, shareId, IDENTITY, reject);
    const etag = (await w.deps.shares.get(session.subject, shareId))?.etag;
    w.advance(60_000);
    expect(await decideOnCredential(w.deps, RTH, shareId, IDENTITY, reject)).toEqual(first);
    expect((await w.deps.shares.get(session.subject, shareId))?.etag).toBe(etag);
    for (const other of [
      { decision: "accepted" } as const,
      { decision: "rejected", reason: "Expired" } as const,
    ]) {
      await expect(decideOnCredential(w.deps, RTH, shareId, IDENTITY, other)).rejects.toBeInstanceOf(
        DecisionConflict,
      );
    }
    expect((await w.deps.shares.get(session.subject, shareId))?.etag).toBe(etag);
  });

  it("records exactly one of two different decisions made at the same time", async () => {
    const w = world();
    const shareId = await sharedShare(w);
    // Both read the share before either writes: each holds the same ETag.
    const find = w.deps.shares.findForTrust;
    let arrived = 0;
    let release = () => {};
    const bothRead = new Promise<void>((resolve) => (release = resolve));
    w.deps.shares.findForTrust = async (trustId, id) => {
      const found = await find(trustId, id);
      if (++arrived <= 2) {
        if (arrived === 2) release();
        await bothRead;
      }
      return found;
    };
    const outcomes = await Promise.allSettled([
      decideOnCredential(w.deps, RTH, shareId, IDENTITY, { decision: "accepted" }),
      decideOnCredential(w.deps, RTH, shareId, IDENTITY, { decision: "rejected", reason: "No" }),
    ]);
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    const refused = outcomes.filter((o) => o.status === "rejected");
    expect(refused.map((o) => (o as PromiseRejectedResult).reason)).toEqual([expect.any(DecisionConflict)]);
  });

  it("answers 404 for another trust's share and a type the share does not hold, 409 before it is shared", async () => {
    const w = world();
    const shareId = await sharedShare(w);
    const accept = { decision: "accepted" } as const;
    await expect(
      decideOnCredential(w.deps, { trustId: "RJ1", jti: "x" }, shareId, IDENTITY, accept),
    ).rejects.toBeInstanceOf(SharedCredentialNotFound);
    await expect(decideOnCredential(w.deps, RTH, shareId, DBS, accept)).rejects.toBeInstanceOf(
      SharedCredentialNotFound,
    );
    const pending = await startShare(w.deps, session, [IDENTITY]);
    await expect(decideOnCredential(w.deps, RTH, pending.shareId, IDENTITY, accept)).rejects.toBeInstanceOf(
      DecisionConflict,
    );
  });
});

describe("credential requests", () => {
  const otherStaff: Session = { ...session, staff: { ...session.staff, staffId: "RTH-2" } };
  const otherTrust: Session = { ...session, trustId: "RJ1" };

  it("shows an open request to its staff member at its trust only", async () => {
    const w = world();
    const created = await requestFor(w);
    expect(created).toMatchObject({ status: "open", staffId: "RTH-1", credentialTypes: [IDENTITY, DBS] });
    expect((await listOpenRequests(w.deps, session)).requests.map((r) => r.requestId)).toEqual([
      created.requestId,
    ]);
    expect((await listOpenRequests(w.deps, otherStaff)).requests).toEqual([]);
    expect((await listOpenRequests(w.deps, otherTrust)).requests).toEqual([]);
    await expect(
      readCredentialRequest(w.deps, { trustId: "RJ1", jti: "x" }, created.requestId),
    ).rejects.toBeInstanceOf(CredentialRequestNotFound);
    await expect(
      declineCredentialRequest(w.deps, otherStaff, created.requestId, "Not mine", "c"),
    ).rejects.toBeInstanceOf(CredentialRequestNotFound);
  });

  it("declines with the reason, publishes the declined event once with its reason and the holder in the payload only, and refuses a second decline", async () => {
    const w = world();
    const { requestId } = await requestFor(w);
    const declined = await declineCredentialRequest(
      w.deps,
      session,
      requestId,
      "I no longer work here",
      "corr-d",
    );
    expect(declined).toMatchObject({ status: "declined", reason: "I no longer work here" });
    expect(w.deps.publisher.published).toEqual([
      {
        correlationId: "corr-d",
        event: expect.objectContaining({
          type: CREDENTIAL_REQUEST_DECLINED_EVENT,
          trustId: "RTH",
          data: { requestId, staffId: "RTH-1", declinedAt: declined.declinedAt },
        }),
      },
    ]);
    const eventId = w.deps.publisher.published[0]?.event.eventId ?? "";
    expect(await w.deps.payloads.get("RTH", eventId)).toEqual({
      type: CREDENTIAL_REQUEST_DECLINED_EVENT,
      data: {
        requestId,
        staffId: "RTH-1",
        subject: session.subject,
        reason: "I no longer work here",
        declinedAt: declined.declinedAt,
      },
    });
    expect((await w.deps.credentialRequests.get("RTH", requestId))?.value.outbox).toBeUndefined();
    expect((await listOpenRequests(w.deps, session)).requests).toEqual([]);
    await expect(declineCredentialRequest(w.deps, session, requestId, "again", "c")).rejects.toBeInstanceOf(
      CredentialRequestClosed,
    );
    expect(w.deps.publisher.published).toHaveLength(1);
  });

  it("keeps a decline's event in the outbox while Service Bus is down, and the sweep publishes it", async () => {
    const w = world();
    const { requestId } = await requestFor(w);
    w.deps.publisher.failing = true;
    await declineCredentialRequest(w.deps, session, requestId, "Not now", "corr-d");
    expect((await w.deps.credentialRequests.get("RTH", requestId))?.value.outbox).toBeDefined();
    w.deps.publisher.failing = false;
    w.advance(OUTBOX_GRACE_MS + 1);
    expect(await sweepOutbox(w.deps)).toEqual({ published: 1, pending: 0 });
    expect(await sweepOutbox(w.deps)).toEqual({ published: 0, pending: 0 });
    expect(w.deps.publisher.published.map((p) => p.event.type)).toEqual([CREDENTIAL_REQUEST_DECLINED_EVENT]);
  });

  it("withdraws an open request, which leaves the staff member's list; again is a conflict that changes nothing", async () => {
    const w = world();
    const { requestId } = await requestFor(w);
    await withdrawCredentialRequest(w.deps, RTH, requestId);
    expect((await listOpenRequests(w.deps, session)).requests).toEqual([]);
    const etag = (await w.deps.credentialRequests.get("RTH", requestId))?.etag;
    await expect(withdrawCredentialRequest(w.deps, RTH, requestId)).rejects.toBeInstanceOf(
      CredentialRequestClosed,
    );
    expect((await w.deps.credentialRequests.get("RTH", requestId))?.etag).toBe(etag);
    expect(await readCredentialRequest(w.deps, RTH, requestId)).toMatchObject({ status: "withdrawn" });
    const declined = await requestFor(w);
    await declineCredentialRequest(w.deps, session, declined.requestId, "No", "c");
    await expect(withdrawCredentialRequest(w.deps, RTH, declined.requestId)).rejects.toBeInstanceOf(
      CredentialRequestClosed,
    );
  });

  it("makes one request for one call: the same token id again answers the request it made", async () => {
    const w = world();
    const caller = { trustId: "RTH", jti: "the-same-call" };
    const input = { staffId: session.staff.staffId ?? "", credentialTypes: [IDENTITY] };
    const first = await createCredentialRequest(w.deps, caller, input);
    const again = await createCredentialRequest(w.deps, caller, input);
    expect(again).toEqual(first);
    expect((await listOpenRequests(w.deps, session)).requests.map((r) => r.requestId)).toEqual([
      first.requestId,
    ]);
    const other = await createCredentialRequest(w.deps, { ...caller, jti: "another-call" }, input);
    expect(other.requestId).not.toBe(first.requestId);
  });

  it("is fulfilled by a share answering it, which says which requested types are missing", async () => {
    const w = world();
    const { requestId } = await requestFor(w);
    const shareId = await sharedShare(w, requestId);
    expect(await readCredentialRequest(w.deps, RTH, requestId)).toMatchObject({
      status: "fulfilled",
      shareId,
      missingTypes: [DBS],
    });
    expect(await readShare(w.deps, session, shareId)).toMatchObject({ requestId, missingTypes: [DBS] });
    expect(w.deps.publisher.published[0]?.event.data).toMatchObject({ shareId, requestId });
  });

  it("refuses to answer another staff member's request (404) or a closed one (409), asking Verified ID nothing", async () => {
    const w = world();
    const { requestId } = await requestFor(w, "RTH-2");
    await expect(startShare(w.deps, session, [IDENTITY], requestId)).rejects.toBeInstanceOf(
      CredentialRequestNotFound,
    );
    const mine = await requestFor(w);
    await withdrawCredentialRequest(w.deps, RTH, mine.requestId);
    await expect(startShare(w.deps, session, [IDENTITY], mine.requestId)).rejects.toBeInstanceOf(
      CredentialRequestClosed,
    );
    expect(w.deps.verifiedId.asked).toHaveLength(0);
    expect(w.deps.shares.documents.items.size).toBe(0);
  });

  it("is fulfilled by the record consumer when the callback could not write it", async () => {
    const w = world();
    const { requestId } = await requestFor(w);
    const replace = w.deps.credentialRequests.replace;
    w.deps.credentialRequests.replace = async () => {
      throw new Error("Cosmos DB is unavailable");
    };
    const shareId = await sharedShare(w, requestId);
    expect((await readShare(w.deps, session, shareId)).status).toBe("shared");
    expect((await readCredentialRequest(w.deps, RTH, requestId)).status).toBe("open");

    w.deps.credentialRequests.replace = replace;
    const [published] = w.deps.publisher.published;
    const recording = {
      events: memoryShareEvents(),
      credentialRequests: w.deps.credentialRequests,
      deadLetters: memoryDeadLetters(),
      clock: w.deps.clock,
      retentionMs: 60_000,
      audit: w.deps.audit,
    };
    const message = {
      body: published?.event,
      applicationProperties: {},
      source: "share-events/subscriptions/record",
    };
    expect(await recordShareEvent(recording, message, w.deps.log)).toBe("recorded");
    expect(await readCredentialRequest(w.deps, RTH, requestId)).toMatchObject({
      status: "fulfilled",
      shareId,
    });
    // A redelivery changes nothing.
    expect(await recordShareEvent(recording, message, w.deps.log)).toBe("already-recorded");
  });
});
