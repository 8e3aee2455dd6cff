// The demo trust as an SSF receiver (API.md sections 5 and 8): POST /control/delivery switches a trust between push
// and poll through the service's stream API, and the page's controls show each trust's stream, pause and enable it,
// and ask for a verification event, which comes back through the stream.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalSystem } from "../../local/system.js";
import { call, startTestSystem } from "../support/system.js";
import { until } from "../support/until.js";

const VERIFICATION = "https://schemas.openid.net/secevent/ssf/event-type/verification";

/** An event as the demo trust lists it (API.md section 5). */
type Listed = { verified: boolean; claims: Record<string, unknown> | null; via?: string };
type StreamView = { trustId: string; streamId?: string; method?: string; status?: string };

let system: LocalSystem;
beforeAll(async () => {
  system = await startTestSystem();
}, 90_000);
afterAll(() => system?.close());

const demo = <T = Record<string, unknown>>(path: string, body?: unknown) =>
  call<T>(`${system.urls.demoTrust}${path}`, body === undefined ? {} : { body });

async function streamOf(trustId: string): Promise<StreamView | undefined> {
  const { body } = await demo<{ streams: StreamView[] }>("/control/streams");
  return body.streams.find((stream) => stream.trustId === trustId);
}

/** The verification event with this state, once the demo trust lists it. */
const verificationWith = (state: string) =>
  until(async () =>
    (await demo<{ events: Listed[] }>("/events")).body.events.find(
      (event) =>
        event.verified &&
        (event.claims?.events as Record<string, { state?: string }>)?.[VERIFICATION]?.state === state,
    ),
  );

describe("the demo trust's stream controls", () => {
  it("show a trust without a stream until /control/delivery makes one, then its method and status", async () => {
    expect(await streamOf("RJ1")).toEqual({ trustId: "RJ1" });
    expect((await demo("/control/delivery", { trustId: "RJ1", method: "poll" })).status).toBe(200);
    expect(await streamOf("RJ1")).toMatchObject({
      method: "poll",
      status: "enabled",
      streamId: expect.any(String),
    });
    expect((await demo("/control/delivery", { trustId: "RJ1", method: "push" })).status).toBe(200);
    expect(await streamOf("RJ1")).toMatchObject({ method: "push", status: "enabled" });
  });

  it("pause and enable the trust's stream", async () => {
    await demo("/control/delivery", { trustId: "RRK", method: "push" });
    const paused = await demo("/control/stream-status", { trustId: "RRK", status: "paused" });
    expect(paused.status).toBe(200);
    expect(await streamOf("RRK")).toMatchObject({ status: "paused" });
    expect((await demo("/control/stream-status", { trustId: "RRK", status: "enabled" })).status).toBe(200);
    expect(await streamOf("RRK")).toMatchObject({ status: "enabled" });
  });

  it("ask for verification, which arrives by push, and by poll once the trust polls", async () => {
    await demo("/control/delivery", { trustId: "RTH", method: "push" });
    const pushed = await demo<{ state: string }>("/control/verify", { trustId: "RTH" });
    expect(pushed.status).toBe(200);
    expect((await verificationWith(pushed.body.state)).via).toBe("push");

    await demo("/control/delivery", { trustId: "RTH", method: "poll" });
    const polled = await demo<{ state: string }>("/control/verify", { trustId: "RTH" });
    expect((await verificationWith(polled.body.state)).via).toBe("poll");
  });

  it("refuse to pause or verify a trust that has no stream yet, with 409", async () => {
    expect((await demo("/control/verify", { trustId: "R0A" })).status).toBe(409);
  });
});
