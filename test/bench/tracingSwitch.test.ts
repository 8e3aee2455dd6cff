// The benchmark host's tracing switch (bench/tracing.ts), which the pipeline benchmark's on/off comparison relies
// on: off keeps nothing, on keeps every span of a share's trace, and off then on again keeps the new spans only.
import { afterEach, describe, expect, it } from "vitest";
import { tracingSwitch } from "../../bench/tracing.js";
import { uninstallLocalTelemetry } from "../../local/telemetry.js";
import { inSpan } from "../../src/telemetry/tracing.js";

/** A share's work as the service traces it: a span naming the share, with a child. */
const shareWork = (shareId: string) =>
  inSpan("callback", { attributes: { "staff_passport.share_id": shareId } }, () =>
    inSpan("publish", {}, async () => undefined),
  );

const sdkDisabled = process.env.OTEL_SDK_DISABLED;
afterEach(() => {
  uninstallLocalTelemetry();
  if (sdkDisabled === undefined) delete process.env.OTEL_SDK_DISABLED;
  else process.env.OTEL_SDK_DISABLED = sdkDisabled;
});

describe("the benchmark host's tracing switch", () => {
  it("keeps no span while off and every span of a share's trace once on", async () => {
    const commands = await tracingSwitch(false);
    const spans = commands.spans;
    await shareWork("off-share");
    expect(spans()).toMatchObject({ traces: 0, shareTraces: 0 });

    commands["tracing-on"]();
    await shareWork("on-share");
    await inSpan("sweep outbox", {}, async () => undefined);
    const kept = spans();
    expect(kept).toMatchObject({ traces: 2, shareTraces: 1, spansPerShare: [2] });
    expect(kept.spanNames.sort()).toEqual(["callback", "publish"]);
    expect(kept.bytesPerShare[0]).toBeGreaterThan(JSON.stringify(kept.spanNames).length);
  });

  it("stops keeping spans when switched off and keeps the new ones when switched on again", async () => {
    const commands = await tracingSwitch(true);
    const spans = commands.spans;
    await shareWork("first");
    expect(spans().shareTraces).toBe(1);

    commands["tracing-off"]();
    await shareWork("while-off");
    expect(spans()).toMatchObject({ traces: 0, shareTraces: 0 });

    commands["tracing-on"]();
    await shareWork("second");
    expect(spans()).toMatchObject({ traces: 1, shareTraces: 1, spansPerShare: [2] });
  });

  it("switches on even where OTEL_SDK_DISABLED is true, so that the benchmark's on half is traced", async () => {
    process.env.OTEL_SDK_DISABLED = "true";
    const commands = await tracingSwitch(true);
    await shareWork("disabled-env");
    expect(commands.spans().shareTraces).toBe(1);
  });
});
