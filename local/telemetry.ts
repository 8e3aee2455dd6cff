// OpenTelemetry for the local system: the service's spans and metrics (src/telemetry) go to an OTLP endpoint when
// OTEL_EXPORTER_OTLP_ENDPOINT is set, as any OpenTelemetry SDK does, and are always kept in memory too: the last
// traces, for the demo trust page's waterfall (GET /local/traces/{traceId} on the host) and for tests, and a
// reader the tests collect metrics from. OTEL_SDK_DISABLED=true leaves telemetry off, as the SDKs read it.
import { context, metrics, propagation, trace } from "@opentelemetry/api";
import { hrTimeToMilliseconds } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { MeterProvider, MetricReader, type ResourceMetrics } from "@opentelemetry/sdk-metrics";
import {
  BatchSpanProcessor,
  type ReadableSpan,
  type Span,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";

/** A finished span as the waterfall and the tests read it. */
export type LocalSpan = {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  /** Milliseconds since the epoch. */
  startMs: number;
  durationMs: number;
  /** The function the span ran in (its own, or the nearest ancestor's in this process, or the active span's). */
  service: string;
  status: "ok" | "error" | "unset";
  attributes: Record<string, unknown>;
};

export type LocalTelemetry = {
  /** The spans of one trace kept in memory, in the order they started. */
  spans(traceId: string): LocalSpan[];
  /** Every span kept, for tests that look across traces. */
  allSpans(): LocalSpan[];
  /** The metrics recorded so far. */
  collectMetrics(): Promise<ResourceMetrics>;
  /** Whether spans also go to an OTLP endpoint. */
  readonly otlp: boolean;
};

/** The traces kept: enough for a demo or a test run, bounded so a soak cannot grow the host's memory. */
const MAX_TRACES = 500;

/** Keeps the last MAX_TRACES traces' finished spans, in memory. */
class RecentTraces implements SpanProcessor {
  readonly traces = new Map<string, LocalSpan[]>();
  /** The function each span of this process ran in, by span id, for spans that do not name one themselves. */
  private readonly functionOf = new Map<string, string>();

  onStart(span: Span): void {
    const own = span.attributes["faas.name"];
    const parent = span.parentSpanContext?.spanId;
    const inherited = parent === undefined ? undefined : this.functionOf.get(parent);
    // A span continuing a stored trace (the share callback) has its parent elsewhere: it runs in the active span's.
    const active = trace.getSpan(context.active())?.spanContext().spanId;
    const name =
      typeof own === "string"
        ? own
        : (inherited ?? (active === undefined ? undefined : this.functionOf.get(active)));
    if (name !== undefined) this.functionOf.set(span.spanContext().spanId, name);
  }

  onEnd(span: ReadableSpan): void {
    const { traceId, spanId } = span.spanContext();
    const kept: LocalSpan = {
      traceId,
      spanId,
      ...(span.parentSpanContext?.spanId === undefined
        ? {}
        : { parentSpanId: span.parentSpanContext.spanId }),
      name: span.name,
      kind: span.kind,
      startMs: hrTimeToMilliseconds(span.startTime),
      durationMs: hrTimeToMilliseconds(span.duration),
      service: this.functionOf.get(spanId) ?? "staff-passport",
      status: span.status.code === 2 ? "error" : span.status.code === 1 ? "ok" : "unset",
      attributes: { ...span.attributes },
    };
    this.functionOf.delete(spanId);
    const spans = this.traces.get(traceId);
    if (spans !== undefined) spans.push(kept);
    else {
      this.traces.set(traceId, [kept]);
      // Map keeps insertion order: the first key is the oldest trace.
      if (this.traces.size > MAX_TRACES) {
        const oldest = this.traces.keys().next().value;
        if (oldest !== undefined) this.traces.delete(oldest);
      }
    }
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** A reader the tests pull metrics from; nothing exports them on a timer locally. */
class OnDemandReader extends MetricReader {
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

let installed: LocalTelemetry | undefined;

/**
 * Registers the local SDK once per process (a second call answers the first's), or nothing when
 * OTEL_SDK_DISABLED is true.
 */
export function installLocalTelemetry(env: NodeJS.ProcessEnv = process.env): LocalTelemetry | undefined {
  if (installed !== undefined) return installed;
  if (env.OTEL_SDK_DISABLED?.toLowerCase() === "true") return undefined;
  const resource = resourceFromAttributes({ "service.name": env.OTEL_SERVICE_NAME ?? "staff-passport" });
  const recent = new RecentTraces();
  const otlp = (env.OTEL_EXPORTER_OTLP_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? "") !== "";
  const provider = new NodeTracerProvider({
    resource,
    spanProcessors: [recent, ...(otlp ? [new BatchSpanProcessor(new OTLPTraceExporter())] : [])],
  });
  // Sets the global tracer provider, the async-hooks context manager and the W3C propagator.
  provider.register();
  const reader = new OnDemandReader();
  metrics.setGlobalMeterProvider(new MeterProvider({ resource, readers: [reader] }));
  installed = {
    otlp,
    spans: (traceId) => [...(recent.traces.get(traceId) ?? [])].sort((a, b) => a.startMs - b.startMs),
    allSpans: () => [...recent.traces.values()].flat(),
    collectMetrics: async () => (await reader.collect()).resourceMetrics,
  };
  return installed;
}

/** The SDK this process registered, without registering one: undefined when none is (or it was taken down). */
export function currentLocalTelemetry(): LocalTelemetry | undefined {
  return installed;
}

/** Takes the SDK down again (the benchmark compares with telemetry off in the same process). */
export function uninstallLocalTelemetry(): void {
  trace.disable();
  metrics.disable();
  context.disable();
  propagation.disable();
  installed = undefined;
}
