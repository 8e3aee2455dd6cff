// Spans through OpenTelemetry's API only: without an SDK registered (tests, or telemetry off) every call here is a
// no-op, so the use cases never depend on telemetry being set up. The W3C trace context is read and written with
// the propagator the SDK registers (W3C Trace Context in the local SDK and the Azure Monitor distro), from headers,
// Service Bus application properties or a stored share; with telemetry off nothing is propagated.
import {
  type Attributes,
  type Context,
  context,
  type Link,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import type { TraceContext } from "../domain/traceContext.js";

export type { Span };
export { SpanKind };

/** The instrumentation scope every span and metric of the service is named by. */
export const INSTRUMENTATION_SCOPE = "staff-passport";

const getter = {
  keys: (carrier: Readonly<Record<string, unknown>>) => Object.keys(carrier),
  get: (carrier: Readonly<Record<string, unknown>>, key: string) => {
    const value = carrier[key];
    return typeof value === "string" ? value : undefined;
  },
};

/**
 * The context a carrier (headers, message properties, a stored share) names, on top of ROOT. Service Bus messages
 * may carry only `Diagnostic-Id`, which Azure's SDKs write in traceparent form: read W3C first, then that.
 */
export function contextFrom(carrier: Readonly<Record<string, unknown>> | undefined): Context | undefined {
  if (carrier === undefined) return undefined;
  const w3c = getter.get(carrier, "traceparent") !== undefined;
  const diagnosticId = getter.get(carrier, "Diagnostic-Id");
  const source = w3c || diagnosticId === undefined ? carrier : { traceparent: diagnosticId };
  const extracted = propagation.extract(ROOT_CONTEXT, source, getter);
  return trace.getSpanContext(extracted) === undefined ? undefined : extracted;
}

/** The trace context of `from` (the active context by default), to store or send on; undefined outside a trace. */
export function traceContextOf(from: Context = context.active()): TraceContext | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(from, carrier, { set: (target, key, value) => Object.assign(target, { [key]: value }) });
  const { traceparent, tracestate } = carrier;
  if (traceparent === undefined) return undefined;
  return tracestate === undefined || tracestate === "" ? { traceparent } : { traceparent, tracestate };
}

/** The headers or application properties that carry a trace context: W3C's, and Service Bus's Diagnostic-Id. */
export function traceProperties(trace: TraceContext | undefined): Record<string, string> {
  if (trace === undefined) return {};
  return {
    "Diagnostic-Id": trace.traceparent,
    traceparent: trace.traceparent,
    ...(trace.tracestate === undefined ? {} : { tracestate: trace.tracestate }),
  };
}

export type SpanOptions = {
  kind?: SpanKind;
  attributes?: Attributes;
  /** The parent: a stored or received trace context; the active context when absent. */
  parent?: Context | TraceContext | undefined;
  /** Spans this one follows from without being their child (the HTTP request a callback arrived in). */
  links?: Link[];
};

const isTraceContext = (value: Context | TraceContext): value is TraceContext =>
  typeof (value as TraceContext).traceparent === "string";

/**
 * Runs `run` in a new active span, which ends when it settles. A failure marks the span with the error's class or
 * code only: an error's message may hold data a span must never carry.
 */
export function inSpan<T>(name: string, options: SpanOptions, run: (span: Span) => Promise<T>): Promise<T> {
  const { parent } = options;
  const parentContext =
    parent === undefined
      ? context.active()
      : isTraceContext(parent)
        ? (contextFrom({ ...parent }) ?? context.active())
        : parent;
  const tracer = trace.getTracer(INSTRUMENTATION_SCOPE);
  return tracer.startActiveSpan(
    name,
    {
      kind: options.kind ?? SpanKind.INTERNAL,
      ...(options.attributes === undefined ? {} : { attributes: options.attributes }),
      ...(options.links === undefined ? {} : { links: options.links }),
    },
    parentContext,
    async (span) => {
      try {
        return await run(span);
      } catch (error) {
        const type = errorType(error);
        span.setAttribute("error.type", type);
        span.setStatus({ code: SpanStatusCode.ERROR, message: type });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/** A link to the active span, for a span that starts another trace's work from within this one. */
export function linkToActive(): Link[] {
  const active = trace.getSpanContext(context.active());
  return active === undefined ? [] : [{ context: active }];
}

/** The error's stable code when it has one, else its class name. */
export function errorType(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === "string" && /^[A-Za-z0-9_.:-]{1,64}$/.test(code) ? code : error.name;
  }
  return "unknown";
}
