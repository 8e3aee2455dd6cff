// The demo trust's page: every share event it received (GET /events on this origin), with its signature check
// and the credentials it carries, refreshed every two seconds.
import { credentialName, h } from "../shared/dom.js";

const SET_EVENT = "urn:nhs:staff-passport:event:credentials-shared";
const REFRESH_MS = 2000;

type SharedCredential = {
  type: string;
  issuer: string;
  revocationStatus: string;
  claims: Record<string, unknown>;
};
type Received = {
  jti: string | null;
  aud: string | string[] | null;
  verified: boolean;
  duplicate: boolean;
  claims: {
    iat?: number;
    events?: Record<
      string,
      { sharedAt?: string; staff?: Record<string, string>; credentials?: SharedCredential[] }
    >;
  } | null;
  err?: string;
};

function eventCard(event: Received, index: number): HTMLElement {
  const data = event.claims?.events?.[SET_EVENT];
  const staff = Object.entries(data?.staff ?? {})
    .map(([name, value]) => `${name} ${value}`)
    .join(", ");
  return h("article", { class: "card" }, [
    h("h2", {}, `Event ${index + 1}${event.aud ? ` for ${String(event.aud)}` : ""}`),
    event.verified
      ? h("p", { class: "verified" }, "Signature verified against the service's keys")
      : h("p", { class: "refused" }, `Refused: ${event.err ?? "not verified"}`),
    event.duplicate ? h("p", {}, "Duplicate delivery of an event already received (same jti).") : undefined,
    h("p", { class: "hint" }, `jti ${event.jti ?? "none"}`),
    data?.sharedAt ? h("p", {}, `Shared at ${data.sharedAt}${staff ? ` by staff ${staff}` : ""}`) : undefined,
    data?.credentials
      ? h("table", {}, [
          h("caption", { class: "visually-hidden" }, "Credentials carried by this event"),
          h(
            "thead",
            {},
            h("tr", {}, [
              h("th", { scope: "col" }, "Credential"),
              h("th", { scope: "col" }, "Issuer"),
              h("th", { scope: "col" }, "Status"),
              h("th", { scope: "col" }, "Claims"),
            ]),
          ),
          h(
            "tbody",
            {},
            data.credentials.map((credential) =>
              h("tr", {}, [
                h("td", {}, credentialName(credential.type)),
                h("td", {}, credential.issuer),
                h("td", {}, credential.revocationStatus),
                h(
                  "td",
                  {},
                  Object.entries(credential.claims)
                    .map(([name, value]) => `${name}: ${String(value)}`)
                    .join("; "),
                ),
              ]),
            ),
          ),
        ])
      : undefined,
  ]);
}

let shown = -1;

async function refresh(): Promise<void> {
  const summary = document.getElementById("summary");
  try {
    const response = await fetch("/events");
    const { events } = (await response.json()) as { events: Received[] };
    if (events.length !== shown) {
      shown = events.length;
      const verified = events.filter((event) => event.verified).length;
      if (summary) {
        summary.textContent =
          events.length === 0
            ? "No share events yet."
            : `${events.length} received, ${verified} with a verified signature.`;
      }
      document.getElementById("events")?.replaceChildren(...events.map(eventCard));
    }
  } catch {
    if (summary) summary.textContent = "Cannot reach the demo trust.";
  }
  setTimeout(() => void refresh(), REFRESH_MS);
}

void refresh();
