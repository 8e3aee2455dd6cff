// The service's metrics, through OpenTelemetry's API: counters and gauges whose labels are outcomes, kinds and
// protocols only (never an id, a claim or a token), so that their cardinality stays small and nothing personal is
// exported. Without an SDK registered they are no-ops. The names are those the alert rules in infra/ query.
import { type Counter, type Gauge, type Histogram, type MeterProvider, metrics } from "@opentelemetry/api";
import { INSTRUMENTATION_SCOPE } from "./tracing.js";

export const METRIC_NAMES = {
  sharesStarted: "staff_passport.shares.started",
  sharesFinished: "staff_passport.shares.finished",
  callbacks: "staff_passport.callbacks",
  deliveries: "staff_passport.deliveries",
  deliveryLatency: "staff_passport.delivery.latency",
  outboxAge: "staff_passport.outbox.age",
  unacknowledgedAge: "staff_passport.events.unacknowledged_age",
  authRefused: "staff_passport.auth.refused",
  auditRefusalsDropped: "staff_passport.audit.refusals_dropped",
} as const;

type Instruments = {
  sharesStarted: Counter;
  sharesFinished: Counter;
  callbacks: Counter;
  deliveries: Counter;
  deliveryLatency: Histogram;
  outboxAge: Gauge;
  unacknowledgedAge: Gauge;
  authRefused: Counter;
  auditRefusalsDropped: Counter;
};

let made: { provider: MeterProvider; instruments: Instruments } | undefined;

/** The instruments of the meter provider registered now: metrics' API has no proxy, so they follow a new one. */
function instruments(): Instruments {
  const provider = metrics.getMeterProvider();
  if (made?.provider === provider) return made.instruments;
  const meter = provider.getMeter(INSTRUMENTATION_SCOPE);
  const instruments: Instruments = {
    sharesStarted: meter.createCounter(METRIC_NAMES.sharesStarted, { description: "Shares started" }),
    sharesFinished: meter.createCounter(METRIC_NAMES.sharesFinished, {
      description: "Shares that ended, by outcome",
    }),
    callbacks: meter.createCounter(METRIC_NAMES.callbacks, {
      description: "Verified ID callbacks and OpenID4VP responses, by outcome",
    }),
    deliveries: meter.createCounter(METRIC_NAMES.deliveries, {
      description: "Pushes of share events to trusts, by outcome and attempt",
    }),
    deliveryLatency: meter.createHistogram(METRIC_NAMES.deliveryLatency, {
      description: "From the share (the callback that accepted it) to the trust's acknowledgement",
      unit: "ms",
    }),
    outboxAge: meter.createGauge(METRIC_NAMES.outboxAge, {
      description: "Age of the oldest share event waiting in an outbox",
      unit: "s",
    }),
    unacknowledgedAge: meter.createGauge(METRIC_NAMES.unacknowledgedAge, {
      description: "Age of the oldest share event its trust has not acknowledged",
      unit: "s",
    }),
    authRefused: meter.createCounter(METRIC_NAMES.authRefused, {
      description: "Refused authentications, by kind",
    }),
    auditRefusalsDropped: meter.createCounter(METRIC_NAMES.auditRefusalsDropped, {
      description: "Refused authentications whose own audit entry was not written: too many writes in flight",
    }),
  };
  made = { provider, instruments };
  return instruments;
}

export type RefusedKind = "trust_token" | "callback_key" | "session" | "rate_limited";
export type DeliveryOutcome = "delivered" | "retry" | "failed" | "dead_lettered";

export const measure = {
  shareStarted: (protocol: string) => instruments().sharesStarted.add(1, { protocol }),
  shareFinished: (outcome: "shared" | "failed" | "cancelled") =>
    instruments().sharesFinished.add(1, { outcome }),
  callback: (outcome: "accepted" | "refused" | "ignored", code?: string) =>
    instruments().callbacks.add(1, { outcome, ...(code === undefined ? {} : { code }) }),
  delivery: (outcome: DeliveryOutcome, attempt: number) =>
    instruments().deliveries.add(1, { outcome, attempt }),
  deliveryLatency: (ms: number, method: "push" | "poll") =>
    instruments().deliveryLatency.record(Math.max(0, ms), { method }),
  outboxAge: (seconds: number) => instruments().outboxAge.record(Math.max(0, seconds)),
  unacknowledgedAge: (seconds: number) => instruments().unacknowledgedAge.record(Math.max(0, seconds)),
  authRefused: (kind: RefusedKind) => instruments().authRefused.add(1, { kind }),
  auditRefusalDropped: () => instruments().auditRefusalsDropped.add(1),
};
