// The demo trust's page, as the HR system of every trust the demo trust plays: access keys issued through POST
// /control/access-key (link, QR code and PIN), listed through GET /control/access-keys with Revoke (POST
// /control/revoke); every share event it received (GET /events on this origin) with its signature check and, for
// shared credentials, Accept and Reject (with a reason) through POST /control/decide; a form asking a member of
// staff for credentials (POST /control/request) and the requests made with their status (GET /control/requests);
// and each trust's SSF stream (GET /control/streams: push or poll, and its status) with Pause, Enable and Verify.
// For each pushed event, the share's trace (GET /control/traces/{traceId}) as a waterfall. Refreshed every two seconds.
import { SHAREABLE_CREDENTIAL_TYPES } from "../../../src/domain/catalogue.js";
import type { CredentialRequest as OpenRequest } from "../portal/api.js";
import { choice, clearProblem, credentialName, formGroup, h, showProblem } from "../shared/dom.js";

const SHARED_EVENT = "urn:nhs:staff-passport:event:credentials-shared";
const DECLINED_EVENT = "urn:nhs:staff-passport:event:credential-request-declined";
const REFRESH_MS = 2000;
/** The longest reason or message the service takes (API.md section 7). */
const REASON_MAX = 500;

type SharedCredential = {
  type: string;
  issuer: string;
  revocationStatus: string;
  claims: Record<string, unknown>;
};
type SharedData = {
  shareId?: string;
  sharedAt?: string;
  requestId?: string;
  staff?: Record<string, string>;
  credentials?: SharedCredential[];
};
type DeclinedData = { requestId?: string; staffId?: string; reason?: string; declinedAt?: string };
type Received = {
  jti: string | null;
  aud: string | string[] | null;
  verified: boolean;
  duplicate: boolean;
  claims: { iat?: number; events?: { [SHARED_EVENT]?: SharedData; [DECLINED_EVENT]?: DeclinedData } } | null;
  err?: string;
  via?: "push" | "poll";
  /** The push's W3C traceparent header: version, trace id, the push's span id, flags. */
  traceparent?: string;
};
/** A span as the local host keeps it (local/telemetry.ts). */
type TraceSpan = {
  spanId: string;
  parentSpanId?: string;
  name: string;
  service: string;
  startMs: number;
  durationMs: number;
  status: "ok" | "error" | "unset";
};
/** A request as the trust reads it: what the staff member sees, and how it ended. */
type CredentialRequest = OpenRequest & { shareId?: string; missingTypes?: string[]; reason?: string };

const when = (text: string) =>
  new Date(text).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" });

/** A control call: the service's status and body, passed on by the demo trust. */
async function control(path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(path, {
    method: body === undefined ? "GET" : "POST",
    ...(body === undefined
      ? {}
      : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === "" ? undefined : (JSON.parse(text) as unknown) };
}

/** What the service (or the demo trust) said when it refused. */
function refusal(answer: { status: number; body: unknown }): string {
  const body = (answer.body ?? {}) as { detail?: string; title?: string; error?: string };
  return `The service answered ${answer.status}: ${body.detail ?? body.title ?? body.error ?? "no detail"}`;
}

/** Says why an action failed in the page's error summary: the service's refusal, or no answer at all. */
function actionFailed(answer: { status: number; body: unknown } | undefined): void {
  showProblem(answer === undefined ? "Cannot reach the demo trust." : refusal(answer));
}

/** A line saying an action worked, where the action was; any earlier problem is gone. */
function done(region: HTMLElement, text: string): void {
  clearProblem();
  region.replaceChildren(h("p", { class: "nhsuk-inset-text status ok" }, text));
}

/** Accept, or Reject with a reason, for one credential of a shared event; then the decision the service kept. */
function decisionControls(trustId: string, shareId: string, type: string, id: string): HTMLElement {
  const region = h("div", { class: "decision", "aria-live": "polite" });
  const decide = async (decision: "accepted" | "rejected", reason?: string) => {
    const answer = await control("/control/decide", {
      trustId,
      shareId,
      type,
      decision,
      ...(reason === undefined ? {} : { reason }),
    }).catch(() => undefined);
    if (answer?.status !== 200) {
      region.replaceChildren(...buttons());
      return actionFailed(answer);
    }
    clearProblem();
    const made = answer.body as { decision: string; reason?: string; decidedAt: string };
    region.replaceChildren(
      h(
        "p",
        { class: made.decision === "accepted" ? "verified" : "refused" },
        `${made.decision === "accepted" ? "Accepted" : "Rejected"} on ${when(made.decidedAt)}` +
          (made.reason === undefined ? "" : `. Reason: ${made.reason}`),
      ),
    );
  };
  const askReason = () => {
    const reason = h("textarea", {
      class: "nhsuk-textarea",
      id: `${id}-reason`,
      name: "reason",
      rows: "3",
      maxlength: String(REASON_MAX),
    }) as HTMLTextAreaElement;
    const problem = h("div", { id: `${id}-reason-problem` });
    const form = h(
      "form",
      {
        class: "reason",
        onsubmit: (event: Event) => {
          event.preventDefault();
          const text = reason.value.trim();
          if (text === "")
            return showProblem("Give the reason for rejecting it.", { id: `${id}-reason`, region: problem });
          void decide("rejected", text);
        },
      },
      [
        formGroup(
          h(
            "label",
            { class: "nhsuk-label", for: `${id}-reason` },
            `Reason for rejecting ${credentialName(type)}`,
          ),
          problem,
          reason,
        ),
        h("div", {}, [
          h("button", { class: "nhsuk-button", type: "submit" }, "Reject"),
          h(
            "button",
            {
              type: "button",
              class: "nhsuk-button nhsuk-button--secondary",
              onclick: () => region.replaceChildren(...buttons()),
            },
            "Cancel",
          ),
        ]),
      ],
    );
    region.replaceChildren(form);
    reason.focus();
  };
  const buttons = () => [
    h(
      "button",
      {
        class: "nhsuk-button",
        type: "button",
        "aria-describedby": id,
        onclick: () => void decide("accepted"),
      },
      "Accept",
    ),
    h(
      "button",
      {
        type: "button",
        class: "nhsuk-button nhsuk-button--secondary",
        "aria-describedby": id,
        onclick: askReason,
      },
      "Reject",
    ),
  ];
  region.replaceChildren(...buttons());
  return region;
}

function sharedContent(event: Received, data: SharedData, index: number): HTMLElement[] {
  const staff = Object.entries(data.staff ?? {})
    .map(([name, value]) => `${name} ${value}`)
    .join(", ");
  const trustId = String(event.aud ?? "");
  return [
    h("p", {}, `Shared at ${data.sharedAt ?? "?"}${staff ? ` by staff ${staff}` : ""}`),
    data.requestId ? h("p", { class: "nhsuk-hint" }, `Answers request ${data.requestId}`) : undefined,
    h(
      "ul",
      { class: "nhsuk-list credentials" },
      (data.credentials ?? []).map((credential) => {
        const id = `event-${index}-${credential.type}`;
        const claims = Object.entries(credential.claims)
          .map(([name, value]) => `${name}: ${String(value)}`)
          .join("; ");
        return h("li", { class: "credential" }, [
          h("p", { id }, h("strong", {}, credentialName(credential.type))),
          h("p", { class: "nhsuk-hint" }, `Issuer ${credential.issuer}, ${credential.revocationStatus}`),
          claims ? h("p", { class: "nhsuk-hint" }, `Claims: ${claims}`) : undefined,
          event.verified && data.shareId
            ? decisionControls(trustId, data.shareId, credential.type, id)
            : undefined,
        ]);
      }),
    ),
  ].filter((node): node is HTMLElement => node !== undefined);
}

function declinedContent(data: DeclinedData): HTMLElement[] {
  return [
    h("p", {}, `Request declined by staff ${data.staffId ?? "?"} at ${data.declinedAt ?? "?"}`),
    h("p", {}, `Reason: ${data.reason ?? ""}`),
    h("p", { class: "nhsuk-hint" }, `Request ${data.requestId ?? "?"}`),
  ];
}

const milliseconds = (ms: number) => `${ms.toFixed(1)} ms`;

/** The spans depth first from the trace's roots (spans whose parent is not among them), each level by start. */
function spanTree(spans: readonly TraceSpan[]): { span: TraceSpan; depth: number }[] {
  const ids = new Set(spans.map((span) => span.spanId));
  const byStart = [...spans].sort((a, b) => a.startMs - b.startMs);
  const below = (parent: string | undefined, depth: number): { span: TraceSpan; depth: number }[] =>
    byStart
      .filter((span) =>
        parent === undefined ? !ids.has(span.parentSpanId ?? "") : span.parentSpanId === parent,
      )
      .flatMap((span) => [{ span, depth }, ...below(span.spanId, depth + 1)]);
  return below(undefined, 0);
}

/**
 * The trace as a table, one row per span: its name indented by depth, the function it ran in, when it started
 * and how long it took, as text; the bar beside the name shows the same and is hidden from screen readers.
 */
function waterfall(spans: readonly TraceSpan[]): HTMLElement {
  const start = Math.min(...spans.map((span) => span.startMs));
  const end = Math.max(...spans.map((span) => span.startMs + span.durationMs));
  const total = Math.max(end - start, 1);
  const percent = (ms: number) => `${((ms / total) * 100).toFixed(2)}%`;
  const rows = spanTree(spans).map(({ span, depth }) => {
    const failed = span.status === "error";
    const bar = h("div", { class: failed ? "bar error" : "bar" });
    // Through the CSSOM: the page's CSP allows no style attribute.
    bar.style.left = percent(span.startMs - start);
    bar.style.width = percent(span.durationMs);
    const name = h(
      "div",
      { class: "span-name" },
      span.name,
      failed ? h("strong", {}, " (error)") : undefined,
    );
    name.style.setProperty("--depth", String(Math.min(depth, 8)));
    return h("tr", { class: failed ? "span error" : "span" }, [
      h("td", {}, [name, h("div", { class: "track", "aria-hidden": "true" }, bar)]),
      h("td", { class: "service" }, span.service),
      h("td", { class: "start" }, milliseconds(span.startMs - start)),
      h("td", { class: "duration" }, milliseconds(span.durationMs)),
    ]);
  });
  return h("table", { class: "waterfall" }, [
    h("caption", {}, `${spans.length} spans over ${milliseconds(end - start)}`),
    h(
      "thead",
      {},
      h("tr", {}, [
        h("th", { scope: "col" }, "Span"),
        h("th", { scope: "col" }, "Function"),
        h("th", { scope: "col" }, "Starts at"),
        h("th", { scope: "col" }, "Duration"),
      ]),
    ),
    h("tbody", {}, rows),
  ]);
}

/** The share's trace of a pushed event, fetched each time it is opened (spans end after the push is answered). */
function traceView(event: Received, headingId: string): HTMLElement | undefined {
  if (!event.verified) return undefined;
  if (event.via === "poll") return h("p", { class: "nhsuk-hint" }, "Traced only for pushed events.");
  const traceId = event.traceparent?.split("-")[1];
  if (traceId === undefined) return h("p", { class: "nhsuk-hint" }, "No trace came with this push.");
  const region = h("div", { class: "nhsuk-details__text trace-view", "aria-live": "polite" });
  const load = async () => {
    region.replaceChildren(h("p", { class: "nhsuk-hint" }, "Loading the trace…"));
    const answer = await control(`/control/traces/${traceId}`).catch(() => undefined);
    if (answer?.status !== 200) {
      const text = answer === undefined ? "Cannot reach the demo trust." : refusal(answer);
      return region.replaceChildren(h("p", { class: "nhsuk-inset-text status error" }, text), again());
    }
    const { spans } = answer.body as { spans: TraceSpan[] };
    region.replaceChildren(h("p", { class: "nhsuk-hint" }, `Trace ${traceId}`), waterfall(spans), again());
  };
  const again = () =>
    h(
      "button",
      {
        type: "button",
        class: "nhsuk-button nhsuk-button--secondary",
        "aria-describedby": headingId,
        onclick: () => void load(),
      },
      "Load the trace again",
    );
  const details = h("details", { class: "nhsuk-details trace" }, [
    h(
      "summary",
      { class: "nhsuk-details__summary", "aria-describedby": headingId },
      h("span", { class: "nhsuk-details__summary-text" }, "Show the share's trace"),
    ),
    region,
  ]) as HTMLDetailsElement;
  details.addEventListener("toggle", () => {
    if (details.open) void load();
  });
  return details;
}

function eventCard(event: Received, index: number): HTMLElement {
  const shared = event.claims?.events?.[SHARED_EVENT];
  const declined = event.claims?.events?.[DECLINED_EVENT];
  const kind = declined ? "Request declined" : "Credentials shared";
  const headingId = `event-${index}-heading`;
  return h("article", { class: "nhsuk-card nhsuk-card__content" }, [
    h(
      "h3",
      { id: headingId },
      `Event ${index + 1}${event.verified ? `: ${kind}` : ""}${event.aud ? ` for ${String(event.aud)}` : ""}`,
    ),
    event.verified
      ? h("p", { class: "verified" }, "Signature verified against the service's keys")
      : h("p", { class: "refused" }, `Refused: ${event.err ?? "not verified"}`),
    event.duplicate ? h("p", {}, "Duplicate delivery of an event already received (same jti).") : undefined,
    h("p", { class: "nhsuk-hint" }, `jti ${event.jti ?? "none"}`),
    shared ? sharedContent(event, shared, index) : undefined,
    declined ? declinedContent(declined) : undefined,
    traceView(event, headingId),
  ]);
}

/** A text question of the trust's forms: its label, its hint when it has one, and the input, in a form group. */
function textField(id: string, name: string, label: string, hint?: string): HTMLElement {
  return formGroup(
    h("label", { class: "nhsuk-label", for: id }, label),
    hint ? h("p", { class: "nhsuk-hint", id: `${id}-hint` }, hint) : undefined,
    h("input", {
      class: "nhsuk-input",
      id,
      name,
      type: "text",
      autocomplete: "off",
      "aria-describedby": hint ? `${id}-hint` : undefined,
    }),
  );
}

function requestForm(): HTMLElement {
  const result = h("div", { id: "request-result", "aria-live": "polite" });
  const problem = h("div", { id: "ask-problem" });
  const onsubmit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    const credentialTypes = form.getAll("credential").map(String);
    const message = String(form.get("message") ?? "").trim();
    if (credentialTypes.length === 0)
      return showProblem("Tick at least one credential to ask for.", {
        id: `ask-${SHAREABLE_CREDENTIAL_TYPES[0]?.type ?? ""}`,
        region: problem,
      });
    const answer = await control("/control/request", {
      trustId: String(form.get("trustId") ?? "").trim(),
      staffId: String(form.get("staffId") ?? "").trim(),
      credentialTypes,
      ...(message === "" ? {} : { message }),
    }).catch(() => undefined);
    if (answer?.status !== 201) return actionFailed(answer);
    done(result, `Request ${(answer.body as CredentialRequest).requestId} sent.`);
    void lists.requests.refresh();
  };
  return h(
    "form",
    { class: "nhsuk-card nhsuk-card__content", onsubmit: (event: Event) => void onsubmit(event) },
    [
      textField("trust-id", "trustId", "Trust id", "The trust asking, for example RTH"),
      textField(
        "staff-id",
        "staffId",
        "Staff id",
        "As on the member of staff's access key, for example RTH-2205117",
      ),
      formGroup(
        h("fieldset", { class: "nhsuk-fieldset" }, [
          h(
            "legend",
            { class: "nhsuk-fieldset__legend nhsuk-fieldset__legend--s" },
            "Credentials to ask for",
          ),
          problem,
          h(
            "div",
            { class: "nhsuk-checkboxes" },
            SHAREABLE_CREDENTIAL_TYPES.map((entry) =>
              choice("checkbox", {
                name: "credential",
                id: `ask-${entry.type}`,
                value: entry.type,
                label: entry.displayName,
              }),
            ),
          ),
        ]),
      ),
      formGroup(
        h("label", { class: "nhsuk-label", for: "message" }, "Message (optional)"),
        h(
          "p",
          { class: "nhsuk-hint", id: "message-hint" },
          `At most ${REASON_MAX} characters; the member of staff sees it.`,
        ),
        h("textarea", {
          class: "nhsuk-textarea",
          id: "message",
          name: "message",
          rows: "2",
          maxlength: String(REASON_MAX),
          "aria-describedby": "message-hint",
        }),
      ),
      h("div", {}, h("button", { class: "nhsuk-button", type: "submit" }, "Send the request")),
      result,
    ],
  );
}

function statusText(request: CredentialRequest): string {
  const missing = request.missingTypes?.length
    ? ` (not shared: ${request.missingTypes.map(credentialName).join(", ")})`
    : "";
  if (request.status === "fulfilled") return `fulfilled by share ${request.shareId ?? "?"}${missing}`;
  if (request.status === "declined") return `declined. Reason: ${request.reason ?? ""}`;
  return request.status;
}

function requestItem(request: CredentialRequest): HTMLElement {
  return h("li", { class: "nhsuk-card nhsuk-card__content request", "data-request-id": request.requestId }, [
    h(
      "p",
      {},
      `${request.trustId} asked staff ${request.staffId} on ${when(request.createdAt)} for ` +
        `${request.credentialTypes.map(credentialName).join(", ")}`,
    ),
    request.message ? h("p", { class: "nhsuk-hint" }, `Message: ${request.message}`) : undefined,
    h("p", { class: `request-status ${request.status}` }, `Status: ${statusText(request)}`),
  ]);
}

/** An access key as the trust API lists it (API.md section 10), with the trust that issued it. */
type AccessKey = {
  trustId: string;
  accessKeyId: string;
  staffId: string;
  status: string;
  issuedAt?: string;
  revokedAt?: string;
  offerExpiresAt?: string;
  error?: { code?: string; message?: string };
};
type Offered = { accessKeyId: string; url: string; qrCode: string; pin: string; expiresAt: string };

/** What the trust sends the person: the link and its QR code, and the PIN, which goes by another channel. */
function offerCard(offered: Offered): HTMLElement {
  return h("div", { class: "nhsuk-card nhsuk-card__content offer", id: "offer" }, [
    h(
      "p",
      { class: "nhsuk-inset-text status ok" },
      `Access key ${offered.accessKeyId} offered until ${when(offered.expiresAt)}.`,
    ),
    h("p", {}, "Send the member of staff this link, or show them the QR code, to add it to their wallet:"),
    h("p", {}, h("code", { id: "offer-link" }, offered.url)),
    h("img", { src: offered.qrCode, alt: "QR code of the access key offer", width: "200", height: "200" }),
    h("p", {}, [
      "Give them this PIN by another channel (a text message or a call): ",
      h("strong", { id: "offer-pin" }, offered.pin),
    ]),
  ]);
}

function accessKeyForm(): HTMLElement {
  const result = h("div", { id: "access-key-result", "aria-live": "polite" });
  const onsubmit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    const value = (name: string) => String(form.get(name) ?? "").trim();
    const answer = await control("/control/access-key", {
      trustId: value("trustId"),
      staffId: value("staffId"),
      givenName: value("givenName"),
      familyName: value("familyName"),
      jobTitle: value("jobTitle"),
    }).catch(() => undefined);
    if (answer?.status !== 201) return actionFailed(answer);
    clearProblem();
    result.replaceChildren(offerCard(answer.body as Offered));
    void lists.accessKeys.refresh();
  };
  return h(
    "form",
    { class: "nhsuk-card nhsuk-card__content", onsubmit: (event: Event) => void onsubmit(event) },
    [
      textField("key-trust-id", "trustId", "Issuing trust", "The trust's id, for example RRK"),
      textField(
        "key-staff-id",
        "staffId",
        "Staff number",
        "The member of staff's id at the trust, which logins read from the key, for example RRK-1048576",
      ),
      textField("key-given-name", "givenName", "Given name"),
      textField("key-family-name", "familyName", "Family name"),
      textField("key-job-title", "jobTitle", "Job title"),
      h("div", {}, h("button", { class: "nhsuk-button", type: "submit" }, "Issue an access key")),
      result,
    ],
  );
}

function accessKeyStatus(key: AccessKey): string {
  if (key.status === "issued" && key.issuedAt) return `issued on ${when(key.issuedAt)}`;
  if (key.status === "revoked" && key.revokedAt) return `revoked on ${when(key.revokedAt)}`;
  if (key.status === "offered" && key.offerExpiresAt) return `offered until ${when(key.offerExpiresAt)}`;
  if (key.status === "failed") return `failed: ${key.error?.message ?? key.error?.code ?? "no detail"}`;
  return key.status;
}

function accessKeyItem(key: AccessKey, message: HTMLElement): HTMLElement {
  const revoke = async () => {
    const answer = await control("/control/revoke", {
      trustId: key.trustId,
      accessKeyId: key.accessKeyId,
    }).catch(() => undefined);
    if (answer?.status === 204) done(message, `Access key ${key.accessKeyId} revoked.`);
    else actionFailed(answer);
    await lists.accessKeys.refresh(true);
  };
  const label = `${key.trustId} staff ${key.staffId}`;
  return h(
    "li",
    { class: "nhsuk-card nhsuk-card__content access-key", "data-access-key-id": key.accessKeyId },
    [
      h("p", {}, `${label}: access key ${key.accessKeyId}`),
      h("p", { class: `access-key-status ${key.status}` }, `Status: ${accessKeyStatus(key)}`),
      key.status === "issued"
        ? h(
            "button",
            {
              type: "button",
              class: "nhsuk-button nhsuk-button--secondary nhsuk-button--small",
              "aria-label": `Revoke the access key of ${label}`,
              onclick: () => void revoke(),
            },
            "Revoke",
          )
        : undefined,
    ],
  );
}

type StreamView = { trustId: string; streamId?: string; method?: string; status?: string; error?: string };

/** One trust's stream: how it receives and its status, with the buttons that change them. */
function streamItem(stream: StreamView, message: HTMLElement): HTMLElement {
  const act =
    (path: string, body: Record<string, unknown>, said: (answer: { body: unknown }) => string) =>
    async () => {
      const answer = await control(path, { trustId: stream.trustId, ...body }).catch(() => undefined);
      if (answer?.status === 200) done(message, said(answer));
      else actionFailed(answer);
      await lists.streams.refresh(true);
    };
  const button = (label: string, onclick: () => Promise<void>) =>
    h("button", { class: "nhsuk-button", type: "button", onclick: () => void onclick() }, label);
  const name = `${stream.trustId}: `;
  if (stream.error !== undefined) return h("li", {}, `${name}${stream.error}`);
  if (stream.streamId === undefined)
    return h(
      "li",
      {},
      `${name}no stream yet (receives as its trust document says) `,
      button(
        "Receive by push",
        act("/control/delivery", { method: "push" }, () => `${stream.trustId} receives by push.`),
      ),
      button(
        "Receive by poll",
        act("/control/delivery", { method: "poll" }, () => `${stream.trustId} receives by poll.`),
      ),
    );
  const other = stream.method === "push" ? "poll" : "push";
  return h(
    "li",
    {},
    `${name}${stream.method}, ${stream.status ?? "status unknown"} `,
    stream.status === "enabled"
      ? button(
          "Pause",
          act("/control/stream-status", { status: "paused" }, () => `${stream.trustId} paused.`),
        )
      : button(
          "Enable",
          act("/control/stream-status", { status: "enabled" }, () => `${stream.trustId} enabled.`),
        ),
    button(
      "Verify",
      act("/control/verify", {}, (answer) => {
        const { state } = answer.body as { state: string };
        return `Verification asked for ${stream.trustId} with state ${state}; it arrives as an event below.`;
      }),
    ),
    button(
      `Receive by ${other}`,
      act("/control/delivery", { method: other }, () => `${stream.trustId} receives by ${other}.`),
    ),
  );
}

/**
 * A list the page keeps up to date: fetched on every refresh and redrawn only when what the service says changed,
 * so that the focus and anything being typed in it stay put. `refresh(true)` redraws even so (after an action, whose
 * message the items point at).
 */
function liveList<T>(options: {
  path: string;
  read: (body: unknown) => T[];
  listId: string;
  item: (entry: T) => HTMLElement;
  summaryId?: string;
  summary?: (entries: T[]) => string;
}): { refresh(force?: boolean): Promise<void> } {
  let shown = "";
  return {
    async refresh(force = false) {
      const summary = options.summaryId ? document.getElementById(options.summaryId) : null;
      try {
        const entries = options.read((await control(options.path)).body);
        const text = JSON.stringify(entries);
        if (text === shown && !force) return;
        shown = text;
        if (summary && options.summary) summary.textContent = options.summary(entries);
        document.getElementById(options.listId)?.replaceChildren(...entries.map(options.item));
      } catch {
        if (summary) summary.textContent = "Cannot reach the demo trust.";
      }
    },
  };
}

/** Where an action on an item says how it went: above its list. */
const messageRegion = (id: string) => document.getElementById(id) ?? h("p");

const lists = {
  accessKeys: liveList<AccessKey>({
    path: "/control/access-keys",
    read: (body) => (body as { accessKeys: AccessKey[] }).accessKeys,
    listId: "access-keys",
    item: (key) => accessKeyItem(key, messageRegion("access-keys-message")),
    summaryId: "access-keys-summary",
    summary: (keys) =>
      keys.length === 0
        ? "No access keys issued yet."
        : `${keys.length} offered, ${keys.filter((key) => key.status === "issued").length} issued.`,
  }),
  streams: liveList<StreamView>({
    path: "/control/streams",
    read: (body) => (body as { streams: StreamView[] }).streams,
    listId: "streams",
    item: (stream) => streamItem(stream, messageRegion("streams-message")),
  }),
  requests: liveList<CredentialRequest>({
    path: "/control/requests",
    read: (body) => (body as { requests: CredentialRequest[] }).requests,
    listId: "requests",
    item: requestItem,
    summaryId: "requests-summary",
    summary: (requests) =>
      requests.length === 0
        ? "No requests made yet."
        : `${requests.length} made, ${requests.filter((request) => request.status === "open").length} open.`,
  }),
};

/** Events only ever arrive: new ones are added, so a reason being typed under an older one is kept. */
let eventsShown: number | undefined;

async function refreshEvents(): Promise<void> {
  const summary = document.getElementById("summary");
  try {
    const response = await fetch("/events");
    const { events } = (await response.json()) as { events: Received[] };
    if (events.length === eventsShown) return;
    const verified = events.filter((event) => event.verified).length;
    if (summary) {
      summary.textContent =
        events.length === 0
          ? "No share events yet."
          : `${events.length} received, ${verified} with a verified signature.`;
    }
    const from = eventsShown ?? 0;
    document
      .getElementById("events")
      ?.append(...events.slice(from).map((event, offset) => eventCard(event, from + offset)));
    eventsShown = events.length;
  } catch {
    if (summary) summary.textContent = "Cannot reach the demo trust.";
  }
}

async function refresh(): Promise<void> {
  await Promise.all([refreshEvents(), ...Object.values(lists).map((list) => list.refresh())]);
  setTimeout(() => void refresh(), REFRESH_MS);
}

document.getElementById("request-form")?.replaceChildren(requestForm());
document.getElementById("access-key-form")?.replaceChildren(accessKeyForm());
void refresh();
