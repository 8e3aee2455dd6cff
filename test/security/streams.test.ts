// The SSF stream endpoints (API.md section 8) used beyond what a trust may do: another trust's stream, a second
// stream, malformed configurations and calls without a token. Each refusal is problem+json and stores nothing.
import { beforeAll, describe, expect, it } from "vitest";
import { trustAudience } from "../../src/adapters/keys/trustTokens.js";
import { bearer } from "../support/journeys.js";
import { useTestSystem } from "../support/suiteSystem.js";
import { call, type JsonResponse } from "../support/system.js";
import { registerTrustKey, type TrustKey, trustKey, trustToken } from "../support/trustTokens.js";

const POLL = "urn:ietf:rfc:8936";
const PUSH = "urn:ietf:rfc:8935";

const { urls, system } = useTestSystem();
const keys: Record<string, TrustKey> = {};

beforeAll(async () => {
  for (const trustId of ["RRK", "RJ1", "R0A", "RTH"]) {
    keys[trustId] = await trustKey();
    await registerTrustKey(trustId, keys[trustId] as TrustKey);
  }
}, 90_000);

type Stream = { stream_id: string; delivery: { method: string }; events_requested: string[] };

/** A call as the trust, with a fresh one-use token. */
async function as<T = Record<string, unknown>>(
  trustId: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<JsonResponse<T>> {
  const token = await trustToken(
    keys[trustId] as TrustKey,
    trustId,
    trustAudience(system().settings.SESSION_ISSUER ?? ""),
  );
  return call<T>(`${urls.api}${path}`, {
    method,
    headers: bearer(token),
    ...(body === undefined ? {} : { body }),
  });
}

function expectProblem(response: JsonResponse<unknown>, status: number) {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toBe("application/problem+json");
}

describe("a trust's stream", () => {
  it("cannot be read, changed, paused, verified or deleted by another trust", async () => {
    const created = await as<Stream>("RRK", "POST", "/ssf/stream", { delivery: { method: POLL } });
    expect(created.status).toBe(201);
    const id = encodeURIComponent(created.body.stream_id);

    expectProblem(await as("RJ1", "GET", `/ssf/stream?stream_id=${id}`), 404);
    expect((await as<Stream[]>("RJ1", "GET", "/ssf/stream")).body).toEqual([]);
    const push = { method: PUSH, endpoint_url: "https://attacker.example/events" };
    expectProblem(
      await as("RJ1", "PATCH", "/ssf/stream", { stream_id: created.body.stream_id, delivery: push }),
      404,
    );
    expectProblem(
      await as("RJ1", "PUT", "/ssf/stream", { stream_id: created.body.stream_id, delivery: push }),
      404,
    );
    expectProblem(await as("RJ1", "GET", `/ssf/status?stream_id=${id}`), 404);
    expectProblem(
      await as("RJ1", "POST", "/ssf/status", { stream_id: created.body.stream_id, status: "disabled" }),
      404,
    );
    expectProblem(
      await as("RJ1", "POST", "/ssf/verify", { stream_id: created.body.stream_id, state: "x" }),
      404,
    );
    expectProblem(await as("RJ1", "DELETE", `/ssf/stream?stream_id=${id}`), 404);

    expect((await as<Stream>("RRK", "GET", `/ssf/stream?stream_id=${id}`)).body).toEqual(created.body);
    expect((await as("RRK", "GET", `/ssf/status?stream_id=${id}`)).body).toEqual({
      stream_id: created.body.stream_id,
      status: "enabled",
    });
    // The verification RJ1 asked for was refused before anything was recorded: RRK's poll has nothing.
    const polled = await as<{ sets: Record<string, string> }>("RRK", "POST", "/trust/events", {
      returnImmediately: true,
    });
    expect(polled.body.sets).toEqual({});
  });

  it("is one per trust: a second create is 409 and leaves the first as it was", async () => {
    const first = await as<Stream>("R0A", "POST", "/ssf/stream", { events_requested: ["urn:example:one"] });
    expect(first.status).toBe(201);
    const second = await as("R0A", "POST", "/ssf/stream", {
      delivery: { method: PUSH, endpoint_url: "https://hr.example/events" },
    });
    expectProblem(second, 409);
    expect((await as<Stream[]>("R0A", "GET", "/ssf/stream")).body).toEqual([first.body]);
  });
});

describe("the stream endpoints", () => {
  it("answer a list without stream_id: empty for a trust without a stream", async () => {
    const listed = await as<unknown>("RJ1", "GET", "/ssf/stream");
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual([]);
  });

  it.each([
    [
      "a push endpoint that is not https",
      { delivery: { method: PUSH, endpoint_url: "http://hr.example/events" } },
    ],
    ["a push without an endpoint", { delivery: { method: PUSH } }],
    ["an unknown delivery method", { delivery: { method: "urn:example:carrier-pigeon" } }],
    ["a member SSF does not define", { delivery: { method: POLL }, event_requested: [] }],
    [
      "an authorization_header with a line break",
      {
        delivery: {
          method: PUSH,
          endpoint_url: "https://hr.example/events",
          authorization_header: "a\r\nb: c",
        },
      },
    ],
    ["a stream_id on create", { stream_id: "RJ1" }],
    // The outbound guard, when the endpoint is set (it runs again at every push).
    [
      "a push endpoint at a private address",
      { delivery: { method: PUSH, endpoint_url: "https://10.0.0.7/ssf" } },
    ],
    [
      "a push endpoint at the cloud metadata address",
      { delivery: { method: PUSH, endpoint_url: "https://169.254.169.254/latest" } },
    ],
  ])("refuse a create with %s as 400 and store nothing", async (_name, body) => {
    expectProblem(await as("RJ1", "POST", "/ssf/stream", body), 400);
    expect((await as<Stream[]>("RJ1", "GET", "/ssf/stream")).body).toEqual([]);
  });

  it("refuse a status that is not one of SSF's three, and a delete or status read without stream_id, as 400", async () => {
    const created = await as<Stream>("RTH", "POST", "/ssf/stream", {});
    expect(created.status).toBe(201);
    const streamId = created.body.stream_id;
    expectProblem(await as("RTH", "POST", "/ssf/status", { stream_id: streamId, status: "stopped" }), 400);
    expectProblem(await as("RTH", "DELETE", "/ssf/stream"), 400);
    expectProblem(await as("RTH", "GET", "/ssf/status"), 400);
    expect((await as("RTH", "GET", `/ssf/status?stream_id=${streamId}`)).body).toMatchObject({
      status: "enabled",
    });
    expect((await as<Stream[]>("RTH", "GET", "/ssf/stream")).body).toEqual([created.body]);
  });

  it("refuse a call without a trust token as 401", async () => {
    const response = await call(`${urls.api}/ssf/stream`);
    expectProblem(response, 401);
  });
});
