// The local trace view's data: the demo trust passes on, at GET /control/traces/{traceId}, the spans the local
// host kept of the trace a push's traceparent names, which form the tree from POST /api/shares to that push.
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { startDemoTrust } from "../../local/demo-trust/index.js";
import type { LocalSpan } from "../../local/telemetry.js";
import { pushedShare } from "../support/pushedShare.js";
import { useTestSystem } from "../support/suiteSystem.js";
import { call } from "../support/system.js";
import { until } from "../support/until.js";

const suite = useTestSystem({ logIn: "RTH" });
const { system } = suite;

type Trace = { traceId: string; spans: LocalSpan[] };

/** The span and its ancestors among `spans`, from it up to the first whose parent is not among them. */
function ancestry(spans: readonly LocalSpan[], spanId: string): LocalSpan[] {
  const byId = new Map(spans.map((span) => [span.spanId, span]));
  const chain: LocalSpan[] = [];
  for (let span = byId.get(spanId); span !== undefined; span = byId.get(span.parentSpanId ?? "")) {
    chain.push(span);
  }
  return chain;
}

describe("a share's trace at the demo trust", () => {
  it("passes on the host's spans of the push's trace: one tree from POST /api/shares down to the push", async () => {
    // No traceparent from the caller, as the portal sends none: the service's own span is the trace's root.
    const { delivery } = await pushedShare(suite);
    const [, traceId = "", pushSpanId = ""] = delivery.traceparent?.split("-") ?? [];
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);

    // The consumer's span ends after the push is answered: ask again until the push's branch is whole.
    const trace = await until(
      async () => {
        const answer = await call<Trace>(`${system().urls.demoTrust}/control/traces/${traceId}`);
        if (answer.status !== 200) return undefined;
        const names = ancestry(answer.body.spans, pushSpanId).map((span) => span.name);
        return names.includes("process share-events/subscriptions/deliver") ? answer.body : undefined;
      },
      { what: `the trace ${traceId} with the push's branch` },
    );
    expect(trace.traceId).toBe(traceId);
    expect(trace.spans.every((span) => span.traceId === traceId)).toBe(true);
    const branch = ancestry(trace.spans, pushSpanId);
    expect(branch.map((span) => span.name)).toEqual([
      "POST push",
      "process share-events/subscriptions/deliver",
      "send share-events",
      "share callback",
      "POST /api/shares",
    ]);
    // The root is the service's own request span: it has no parent.
    const root = branch.at(-1);
    expect(root?.parentSpanId).toBeUndefined();
    // Each names the function it ran in: the callback's span, whose parent is the stored share's, too.
    expect(branch.map((span) => span.service)).toEqual([
      "deliverShareEvent",
      "deliverShareEvent",
      "verifiedIdCallback",
      "verifiedIdCallback",
      "startShare",
    ]);
    expect(branch.every((span) => span.durationMs >= 0 && span.startMs >= (root?.startMs ?? 0))).toBe(true);
  });

  it("answers 400 problem+json for a malformed trace id", async () => {
    for (const bad of ["0123", "A".repeat(32), `${"a".repeat(32)}/x`, "..%2F..%2Fapi%2Fhealth"]) {
      const response = await fetch(`${system().urls.demoTrust}/control/traces/${bad}`);
      expect({ bad, status: response.status }).toEqual({ bad, status: 400 });
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      expect(((await response.json()) as { detail: string }).detail).toContain("32 lowercase hexadecimal");
    }
  });

  it("answers 404 for a trace the host never ran", async () => {
    const response = await fetch(
      `${system().urls.demoTrust}/control/traces/${randomBytes(16).toString("hex")}`,
    );
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(((await response.json()) as { title: string }).title).toBe("Unknown trace");
  });

  it("refuses a malformed id itself, and answers 502 problem+json when the host does not answer", async () => {
    // A port nothing listens on any more: the host is down.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const trust = await startDemoTrust({
      port: 0,
      jwksUrl: `http://127.0.0.1:${port}/api/.well-known/jwks.json`,
      issuer: "http://127.0.0.1",
      audiences: ["RTH"],
      trustApi: { baseUrl: `http://127.0.0.1:${port}/api`, audience: "http://127.0.0.1/trust" },
    });
    try {
      const down = await fetch(`${trust.url}/control/traces/${randomBytes(16).toString("hex")}`);
      expect(down.status).toBe(502);
      expect(down.headers.get("content-type")).toBe("application/problem+json");
      // Refused before the host is asked: otherwise this too would be the 502 of a host that is down.
      const malformed = await fetch(`${trust.url}/control/traces/${"A".repeat(32)}`);
      expect(malformed.status).toBe(400);
    } finally {
      await trust.close();
    }
  });
});
