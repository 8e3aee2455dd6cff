// Key rotation never breaks a receiver: a key is rotated while one delivery is retrying and others keep flowing;
// the demo trust caches the JWKS for its max-age and does not refetch on an unknown kid, so a key that signed
// before every cached JWKS held it would be refused with invalid_key.
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import type { LocalSystem } from "../../local/system.js";
import { rotateLocalSigningKeys } from "../../src/adapters/keys/localSigningKeys.js";
import { services } from "../../src/composition.js";
import type { ShareEvent } from "../../src/domain/shareEvent.js";
import { startFaultProxy } from "../support/faultProxy.js";
import { publish, shareEvent, storedEvent } from "../support/shareEvents.js";
import { call, startTestSystem } from "../support/system.js";
import { until } from "../support/until.js";

let system: LocalSystem;

beforeAll(async () => {
  system = await startTestSystem({
    settings: {
      JWKS_MAX_AGE_SECONDS: "3",
      SHARE_DELIVERY_MAX_ATTEMPTS: "40",
      SHARE_DELIVERY_FIRST_RETRY_SECONDS: "0.5",
      SHARE_DELIVERY_BACKOFF_MULTIPLIER: "2",
      SHARE_DELIVERY_MAX_RETRY_SECONDS: "1",
      SHARE_DELIVERY_TIMEOUT_SECONDS: "1",
    },
  });
});
afterAll(() => system?.close());

const kidsOfJwks = async () =>
  (await call<{ keys: { kid: string }[] }>(`${system.urls.host}/api/.well-known/jwks.json`)).body.keys.map(
    (k) => k.kid,
  );

const finished = async (event: ShareEvent) => {
  const doc = await storedEvent(event);
  return doc?.delivery.status === "delivered" || doc?.delivery.status === "failed" ? doc : undefined;
};

describe("key rotation", () => {
  it("publishes a new key a JWKS lifetime before it signs, and a retry sequence across it is delivered", async () => {
    const first = shareEvent("RTH");
    await publish(system, first);
    const oldKid = (await until(() => finished(first)))?.delivery.attempts[0]?.kid ?? "";

    // RRK's endpoint refuses connections for now, so its event keeps retrying across the rotation.
    const rrk = await services().trusts.get("RRK");
    if (rrk?.delivery?.mode !== "push") throw new Error("RRK should push");
    // A port this test holds, which drops every connection: no other process can answer on it meanwhile.
    const unreachable = await startFaultProxy();
    onTestFinished(() => unreachable.close());
    const dead = `http://127.0.0.1:${unreachable.port}/events`;
    await services().trusts.upsertAll([{ ...rrk, delivery: { mode: "push", endpoint: dead } }]);
    const retrying = shareEvent("RRK");
    await publish(system, retrying);
    await until(async () => ((await storedEvent(retrying))?.delivery.attempts.length ?? 0) >= 1);

    const rotated = await rotateLocalSigningKeys(system.settings.LOCAL_KEYS_DIR ?? "");
    const rotatedAt = Date.now();
    expect(rotated.previous).toBe(oldKid);

    // Deliveries keep flowing across the rotation, keeping the demo trust's cached JWKS fresh.
    const stream: ShareEvent[] = [];
    let newKidPublishedAt: number | undefined;
    let restored = false;
    while (Date.now() - rotatedAt < 13_000) {
      const event = shareEvent("RTH");
      stream.push(event);
      await publish(system, event);
      if (newKidPublishedAt === undefined && (await kidsOfJwks()).includes(rotated.current)) {
        newKidPublishedAt = Date.now();
      }
      if (!restored && Date.now() - rotatedAt > 10_000) {
        await services().trusts.upsertAll([rrk]);
        restored = true;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }

    const docs = await Promise.all(stream.map((event) => until(() => finished(event), 20_000)));
    expect(docs.filter((doc) => doc.delivery.status !== "delivered").map((d) => d.delivery.reason)).toEqual(
      [],
    );
    const firstAttempts = docs.map((doc) => doc.delivery.attempts[0]);
    expect(new Set(firstAttempts.map((a) => a?.kid))).toEqual(new Set([oldKid, rotated.current]));
    const firstNewSignature = Math.min(
      ...firstAttempts.filter((a) => a?.kid === rotated.current).map((a) => Date.parse(a?.at ?? "")),
    );
    expect(newKidPublishedAt).toBeDefined();
    expect(firstNewSignature - (newKidPublishedAt ?? Number.POSITIVE_INFINITY)).toBeGreaterThanOrEqual(3_000);

    const done = await until(() => finished(retrying), 20_000);
    expect(done.delivery.status).toBe("delivered");
    const kids = done.delivery.attempts.map((a) => a.kid);
    expect(kids[0]).toBe(oldKid);
    expect(kids.at(-1)).toBe(rotated.current);
    // The retired key is still published: a SET it signed moments ago still verifies.
    expect(await kidsOfJwks()).toEqual([rotated.current, oldKid]);
  }, 90_000);
});
