// One trace per share (OpenTelemetry): a share started with a caller's traceparent is continued by the callback,
// the publish to Service Bus, both consumers and the push, whose traceparent header the demo trust keeps; the
// spans the local system kept form one tree under the caller's span. The metrics the alerts read are recorded.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { LocalSpan } from "../../local/telemetry.js";
import { METRIC_NAMES } from "../../src/telemetry/metrics.js";
import { bearer } from "../support/journeys.js";
import { pushedShare } from "../support/pushedShare.js";
import { useTestSystem } from "../support/suiteSystem.js";
import { call } from "../support/system.js";
import { until } from "../support/until.js";

const suite = useTestSystem({ logIn: "RTH" });
const { urls, system } = suite;

const hex = (bytes: number) => randomBytes(bytes).toString("hex");

/** The names of the spans from `span` down, depth first, children in the order they started. */
function tree(spans: readonly LocalSpan[], parentSpanId: string, depth = 0): string[] {
  return spans
    .filter((span) => span.parentSpanId === parentSpanId)
    .flatMap((span) => [`${"  ".repeat(depth)}${span.name}`, ...tree(spans, span.spanId, depth + 1)]);
}

describe("a share's trace", () => {
  it("carries the caller's trace id from POST /api/shares to the push the demo trust receives, as one tree of spans", async () => {
    const traceId = hex(16);
    const callerSpanId = hex(8);
    const { delivery } = await pushedShare(suite, { traceparent: `00-${traceId}-${callerSpanId}-01` });
    expect(delivery.traceparent?.split("-")[1]).toBe(traceId);

    const telemetry = system().telemetry;
    if (telemetry === undefined) throw new Error("telemetry is off");
    // Spans end after the push is answered: wait for the consumer that pushed to finish its span.
    const spans = await until(async () => {
      const kept = telemetry.spans(traceId);
      return kept.some((span) => span.name === "process share-events/subscriptions/deliver") &&
        kept.some((span) => span.name === "process share-events/subscriptions/record")
        ? kept
        : undefined;
    });
    // One tree: the only span without a parent among them is the caller's own, which the service never saw.
    const ids = new Set(spans.map((span) => span.spanId));
    expect(
      spans.filter((span) => !ids.has(span.parentSpanId ?? "")).map((span) => span.parentSpanId),
    ).toEqual(spans.filter((span) => span.parentSpanId === callerSpanId).map(() => callerSpanId));
    const shape = tree(spans, callerSpanId);
    expect(shape[0]).toBe("POST /api/shares");
    expect(shape).toEqual(
      expect.arrayContaining([
        "  share callback",
        "    send share-events",
        "      process share-events/subscriptions/record",
        "      process share-events/subscriptions/deliver",
        "        POST push",
      ]),
    );
    const push = spans.find((span) => span.name === "POST push");
    expect(delivery.traceparent?.split("-")[2]).toBe(push?.spanId);
    // Each span names the function it ran in.
    expect(spans.find((span) => span.name === "POST /api/shares")?.service).toBe("startShare");
    expect(push?.service).toBe("deliverShareEvent");
  });

  it("records the metrics the alerts read: shares started and shared, callbacks and deliveries by outcome", async () => {
    await pushedShare(suite);
    expect(
      (await call(`${urls.api}/trust/access-keys?staffId=x`, { headers: bearer("not-a-token") })).status,
    ).toBe(401);

    const telemetry = system().telemetry;
    if (telemetry === undefined) throw new Error("telemetry is off");
    const points = async () => {
      const { scopeMetrics } = await telemetry.collectMetrics();
      return scopeMetrics.flatMap((scope) =>
        scope.metrics.flatMap((metric) =>
          (metric.dataPoints as { attributes: Record<string, unknown>; value: unknown }[]).map((point) => ({
            name: metric.descriptor.name,
            attributes: point.attributes,
            value: point.value,
          })),
        ),
      );
    };
    const recorded = await until(async () => {
      const all = await points();
      return all.some((point) => point.name === METRIC_NAMES.deliveries) ? all : undefined;
    });
    const count = (name: string, attributes: Record<string, unknown>) =>
      recorded
        .filter(
          (point) =>
            point.name === name &&
            Object.entries(attributes).every(([key, value]) => point.attributes[key] === value),
        )
        .reduce((sum, point) => sum + Number(point.value), 0);
    expect(count(METRIC_NAMES.sharesStarted, { protocol: "verifiedid" })).toBeGreaterThanOrEqual(1);
    expect(count(METRIC_NAMES.sharesFinished, { outcome: "shared" })).toBeGreaterThanOrEqual(1);
    expect(count(METRIC_NAMES.callbacks, { outcome: "accepted" })).toBeGreaterThanOrEqual(1);
    expect(count(METRIC_NAMES.deliveries, { outcome: "delivered", attempt: 1 })).toBeGreaterThanOrEqual(1);
    expect(count(METRIC_NAMES.authRefused, { kind: "trust_token" })).toBeGreaterThanOrEqual(1);
    expect(recorded.some((point) => point.name === METRIC_NAMES.deliveryLatency)).toBe(true);
  });
});
