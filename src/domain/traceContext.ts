// The W3C trace context a share carries from the portal's request to the push to its trust: stored on the share's
// request record and outbox, and put on Service Bus messages and pushes, so that every step joins one trace.

/** A W3C `traceparent` (and `tracestate` when there is one), as the headers and message properties carry them. */
export type TraceContext = { readonly traceparent: string; readonly tracestate?: string };
