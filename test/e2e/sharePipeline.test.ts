// The whole pipeline for one real share: the staff member shares from the wallet, the callback stores the event
// in the outbox and publishes it, the record consumer writes it to `shareEvents`, and the deliver consumer pushes
// one signed SET that the demo trust verifies. Every part is the real one: local host, both emulators, the
// Verified ID simulator's wallet and the demo receiving trust.
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalSystem } from "../../local/system.js";
import { services } from "../../src/composition.js";
import { CREDENTIALS_SHARED_EVENT } from "../../src/domain/shareEvent.js";
import { logIn, present, readShare, startedShare, type Urls } from "../support/journeys.js";
import { drained } from "../support/pipelineAudit.js";
import { received } from "../support/shareEvents.js";
import { startTestSystem } from "../support/system.js";
import { until } from "../support/until.js";

let system: LocalSystem;
let urls: Urls;
const lines: string[] = [];

beforeAll(async () => {
  system = await startTestSystem({ log: (line) => lines.push(line) });
  urls = { api: `${system.urls.host}/api`, sim: system.urls.verifiedId };
});
afterAll(() => system?.close());

describe("one share, from the wallet to the trust", () => {
  it("is recorded once and delivered once as a SET the demo trust verifies", async () => {
    const session = await logIn(urls, "demo", "RTH");
    const share = await startedShare(urls, session, ["StaffPassportIdentity", "StaffPassportRightToWork"]);
    expect((await present(urls, "demo", share.url)).status).toBe(200);
    const view = (await readShare(urls, session, share.shareId)).body;
    expect(view.status).toBe("shared");

    const forShare = async () =>
      (await received(system)).filter((delivery) => decodeJwt(delivery.token).txn === share.shareId);
    const [delivery] = await until(async () => {
      const got = await forShare();
      return got.length > 0 ? got : undefined;
    });
    expect(delivery).toMatchObject({ aud: "RTH", verified: true, duplicate: false });
    const claims = decodeJwt(delivery?.token ?? "");
    const payload = (claims.events as Record<string, { shareId: string; credentials: { type: string }[] }>)[
      CREDENTIALS_SHARED_EVENT
    ];
    expect(payload?.shareId).toBe(share.shareId);
    expect(payload?.credentials.map((credential) => credential.type)).toEqual([
      "StaffPassportIdentity",
      "StaffPassportRightToWork",
    ]);

    const eventId = String(claims.jti);
    const stored = await until(async () => {
      const { resource } = await (await services().database())
        .container("shareEvents")
        .item(eventId, "RTH")
        .read<{ recorded?: { at: string }; delivery: { status: string } }>();
      return resource?.recorded !== undefined && resource.delivery.status === "delivered"
        ? resource
        : undefined;
    });
    expect(stored.delivery.status).toBe("delivered");
    const { resources } = await (await services().database())
      .container("shareEvents")
      .items.query<number>({
        query: "SELECT VALUE COUNT(1) FROM c WHERE c.shareId = @shareId OR c.id = @eventId",
        parameters: [
          { name: "@shareId", value: share.shareId },
          { name: "@eventId", value: eventId },
        ],
      })
      .fetchAll();
    expect(resources[0]).toBe(1);

    // Once no message for the event is left anywhere, no second delivery can come.
    await drained(system, new Set([share.shareId]), 20_000);
    expect(await forShare()).toHaveLength(1);
  });

  it("carries the callback's correlation id to every log line of both consumers", async () => {
    const session = await logIn(urls, "demo", "RJ1");
    const share = await startedShare(urls, session, ["StaffPassportDbsCheck"]);
    expect((await present(urls, "demo", share.url)).status).toBe(200);
    const callbackLine = await until(() =>
      lines
        .map((line) => line.slice(line.indexOf("{")))
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .find(
          (line) =>
            line.message === "callback applied" &&
            line.requestId === share.shareId &&
            line.outcome === "shared",
        ),
    );
    const correlationId = callbackLine.correlationId;
    // The consumers' lines are found by it: an empty one would match every line.
    if (typeof correlationId !== "string" || correlationId === "")
      throw new Error("the callback's log line carries no correlation id");
    const consumerLines = () =>
      lines.filter((line) => line.includes(correlationId) && /recordShareEvent|deliverShareEvent/.test(line));
    await until(() => consumerLines().some((line) => line.includes("deliverShareEvent")) || undefined);
    await until(() => consumerLines().some((line) => line.includes("recordShareEvent")) || undefined);
  });
});
