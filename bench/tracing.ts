// Tracing switched on and off inside the benchmark host (bench/parts.ts), so that one run measures the pipeline
// both ways: `tracing-on` installs the local OpenTelemetry SDK (local/telemetry.ts, as `npm start` installs it),
// `tracing-off` takes it down, and `spans` tells what the spans it keeps in memory come to for each share's trace.
import type { LocalSpan } from "../local/telemetry.js";

/** What the SDK keeps for the share traces in memory now: a trace holding a span that names a share. */
export type KeptSpans = {
  traces: number;
  shareTraces: number;
  spansPerShare: number[];
  /** The JSON length of each share trace's spans, as the waterfall serves them. */
  bytesPerShare: number[];
  /** The span names of one share's trace, in the order they ended. */
  spanNames: string[];
};

export function keptForShares(spans: readonly LocalSpan[]): KeptSpans {
  const byTrace = new Map<string, LocalSpan[]>();
  const shareTraces = new Set<string>();
  for (const span of spans) {
    byTrace.set(span.traceId, [...(byTrace.get(span.traceId) ?? []), span]);
    if (span.attributes["staff_passport.share_id"] !== undefined) shareTraces.add(span.traceId);
  }
  const shares = [...shareTraces].map((traceId) => byTrace.get(traceId) ?? []);
  return {
    traces: byTrace.size,
    shareTraces: shares.length,
    spansPerShare: shares.map((kept) => kept.length),
    bytesPerShare: shares.map((kept) => JSON.stringify(kept).length),
    spanNames: shares[0]?.map((span) => span.name) ?? [],
  };
}

export type TracingCommands = {
  "tracing-on": () => { tracing: boolean };
  "tracing-off": () => { tracing: boolean };
  spans: () => KeptSpans;
};

/** The commands, with the SDK installed at once when `initially` is true. */
export async function tracingSwitch(initially: boolean): Promise<TracingCommands> {
  // Loaded here, not at the top of parts.ts, so that the parts that never trace do not load the SDK.
  const telemetry = await import("../local/telemetry.js");
  // On means on: an OTEL_SDK_DISABLED the benchmark inherited must not leave the "on" half without an SDK.
  const on = () => telemetry.installLocalTelemetry({ ...process.env, OTEL_SDK_DISABLED: "false" });
  let current = initially;
  if (current) on();
  return {
    "tracing-on": () => {
      on();
      current = true;
      return { tracing: current };
    },
    "tracing-off": () => {
      telemetry.uninstallLocalTelemetry();
      current = false;
      return { tracing: current };
    },
    // installLocalTelemetry answers the SDK already installed; with tracing off there is none, and nothing kept.
    spans: () => keptForShares(current ? (on()?.allSpans() ?? []) : []),
  };
}
