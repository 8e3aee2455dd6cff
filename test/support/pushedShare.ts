// A share taken to its end for the tests that follow one through the system: the demo wallet shares its identity
// with the trust it is logged in at, and the SET that tells the trust so is pushed to the demo trust.
import { decodeJwt } from "jose";
import { expect } from "vitest";
import { bearer, present, type StartedShare } from "./journeys.js";
import { type Received, received } from "./shareEvents.js";
import type { SuiteSystem } from "./suiteSystem.js";
import { call } from "./system.js";
import { until } from "./until.js";

/**
 * Starts a share with the suite's session (and any extra request headers, such as a caller's traceparent),
 * presents it from the demo wallet, and waits until the demo trust has received its SET.
 */
export async function pushedShare(
  suite: SuiteSystem,
  headers: Record<string, string> = {},
): Promise<{ shareId: string; delivery: Received }> {
  const started = await call<StartedShare>(`${suite.urls.api}/shares`, {
    body: { credentialTypes: ["StaffPassportIdentity"] },
    headers: { ...bearer(suite.session()), ...headers },
  });
  expect(started.status).toBe(201);
  const { shareId } = started.body;
  expect((await present(suite.urls, "demo", started.body.url)).status).toBe(200);
  const delivery = await until(
    async () => (await received(suite.system())).find((event) => decodeJwt(event.token).txn === shareId),
    { what: `the SET of share ${shareId} at the demo trust` },
  );
  return { shareId, delivery };
}
