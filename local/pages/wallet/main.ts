// The demo wallet: plays Microsoft Authenticator, and a standard OpenID4VP wallet, over the simulator's wallet
// endpoints (on this page's origin). An issuance offer's link asks for its PIN and adds the credential (an access
// key a trust issued). Choose a wallet, open a request by its openid-vc:// or openid4vp:// link, see
// who asks, why and for what, pick among several fitting credentials, then Share or Cancel. A request for a credential the wallet lacks cannot be shared, as in
// Authenticator: it says "credential not available" and only Cancel is left; the verifier hears nothing.
import { choice, clearProblem, credentialName, formGroup, h, show, showProblem } from "../shared/dom.js";

type HeldCredential = {
  id: string;
  type: string;
  issuer: string;
  claims: Record<string, unknown>;
  revoked: boolean;
  /** Verified ID's JWT VC or OpenID4VP's SD-JWT VC. */
  format: "jwt_vc_json" | "dc+sd-jwt";
};
type Offer = { id: string; issuer: string; fits: boolean };
type Scanned = {
  requestId: string;
  /** Only an OpenID4VP request says so; a Verified ID one is answered with Authenticator's JWT VCs. */
  protocol?: "openid4vp";
  requested: string[];
  missing: string[];
  offers: Record<string, Offer[]>;
  request: {
    clientName: string;
    purpose: string;
    /** An OpenID4VP request names its DCQL query and the claims it asks to be disclosed. */
    requestedCredentials: { type: string; purpose: string; queryId?: string; claims?: string[] }[];
  };
};

const FORMAT_NAMES: Record<HeldCredential["format"], string> = {
  jwt_vc_json: "Verified ID",
  "dc+sd-jwt": "SD-JWT VC",
};

async function call<T>(path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(path, {
    method: body === undefined ? "GET" : "POST",
    headers: body === undefined ? {} : { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

const params = new URLSearchParams(location.search);
let walletId = params.get("wallet") ?? "demo";
let held: HeldCredential[] = [];

/** How a person tells credentials of one type apart: an access key by its trust, anything else by its issuer. */
function labelOf(credential: HeldCredential | undefined, offer: Offer): string {
  const trust = credential?.claims.trustId;
  const name = typeof trust === "string" ? `Access key for ${trust}` : `Issued by ${offer.issuer}`;
  return `${name}${credential?.revoked ? " (revoked)" : ""}`;
}

function formatOf(credential: HeldCredential): string {
  return `${FORMAT_NAMES[credential.format]}, ${credential.format}`;
}

async function start(): Promise<void> {
  const wallets = (await call<{ wallets: string[] }>("/wallet/wallets")).body.wallets;
  if (!wallets.includes(walletId)) walletId = wallets[0] ?? "demo";
  const select = h(
    "select",
    { class: "nhsuk-select", id: "wallet", name: "wallet" },
    wallets.map((id) => h("option", { value: id, selected: id === walletId }, id)),
  ) as HTMLSelectElement;
  select.addEventListener("change", () => {
    walletId = select.value;
    void loadWallet();
  });
  const link = h("input", {
    class: "nhsuk-input",
    type: "text",
    id: "link",
    name: "link",
    autocomplete: "off",
    value: params.get("request") ?? "",
    "aria-describedby": "link-hint",
  }) as HTMLInputElement;
  const open = (event: Event) => {
    event.preventDefault();
    void openRequest(link.value.trim());
  };
  const problem = h("div", { id: "link-problem" });
  show(
    h("h1", {}, "Your wallet"),
    h("div", { class: "nhsuk-card nhsuk-card__content" }, [
      formGroup(h("label", { class: "nhsuk-label", for: "wallet" }, "Wallet"), select),
      h("div", { id: "held", "aria-live": "polite" }),
    ]),
    h("form", { class: "nhsuk-card nhsuk-card__content", onsubmit: open }, [
      formGroup(
        h("label", { class: "nhsuk-label", for: "link" }, "Request link"),
        h(
          "p",
          { class: "nhsuk-hint", id: "link-hint" },
          "Paste the openid-vc:// or openid4vp:// link behind the portal's QR code, or an offer's link.",
        ),
        problem,
        link,
      ),
      h("div", {}, h("button", { class: "nhsuk-button", type: "submit" }, "Open the request")),
    ]),
    h("section", { id: "request", "aria-live": "polite" }),
  );
  await loadWallet();
  if (link.value !== "") await openRequest(link.value);
}

async function loadWallet(): Promise<void> {
  const { body } = await call<{ credentials: HeldCredential[]; sdJwtCredentials?: HeldCredential[] }>(
    `/wallet/wallets/${encodeURIComponent(walletId)}`,
  );
  held = [...body.credentials, ...(body.sdJwtCredentials ?? [])];
  document.getElementById("held")?.replaceChildren(
    h("h2", {}, `Credentials in "${walletId}"`),
    h(
      "ul",
      {},
      held.map((credential) =>
        h(
          "li",
          {},
          `${credentialName(credential.type)}: ${labelOf(credential, { ...credential, fits: true })} ` +
            `(${formatOf(credential)})`,
        ),
      ),
    ),
  );
  document.getElementById("request")?.replaceChildren();
}

function showInRequest(...nodes: HTMLElement[]): void {
  clearProblem();
  const section = document.getElementById("request");
  section?.replaceChildren(...nodes);
  section?.querySelector("h2")?.setAttribute("tabindex", "-1");
  section?.querySelector<HTMLElement>("h2")?.focus();
}

/**
 * Names what the wallet lacks. The portal is never told (the wallet sends nothing back, as Authenticator), so
 * this is where the person learns which credential to deselect there.
 */
function notAvailable(names: string[]): HTMLElement {
  const list = names.join(", ");
  return h("p", { class: "nhsuk-inset-text status error", role: "status", id: "not-available" }, [
    `Credential not available: ${list}. `,
    `This wallet cannot share the request while ${names.length > 1 ? "they are" : "it is"} missing. `,
    `Cancel, go back to the portal, deselect ${list} and share the rest.`,
  ]);
}

/** The path of an issuance offer behind an openid-vc:// link, if the link is one (`…/wallet/issuance/<id>`). */
function issuancePath(url: string): string | undefined {
  try {
    const requestUri = new URL(url).searchParams.get("request_uri");
    if (requestUri === null) return undefined;
    const path = new URL(requestUri).pathname;
    return /^\/wallet\/issuance\/[A-Za-z0-9-]+$/.test(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

type IssuanceOffer = { clientName: string; type: string; expiry: number; pin?: { length: number } };

/**
 * An issuance offer, as Authenticator shows one: who offers what, and the PIN the issuer sent by another channel.
 * A wrong PIN says how many tries are left; the last one ends the offer.
 */
async function openOffer(url: string, path: string): Promise<void> {
  const { status, body } = await call<IssuanceOffer & { message?: string }>(path);
  if (status !== 200) return cannotOpen("This offer cannot be opened", body.message, status);
  const problem = h("div", { id: "pin-problem" });
  const pin = h("input", {
    class: "nhsuk-input",
    id: "pin",
    name: "pin",
    type: "text",
    inputmode: "numeric",
    autocomplete: "one-time-code",
    "aria-describedby": "pin-hint",
  }) as HTMLInputElement;
  const finished = (title: string, text: string, ok: boolean) =>
    showInRequest(
      h("div", { class: "nhsuk-card nhsuk-card__content" }, [
        h("h2", {}, title),
        h("p", { class: `nhsuk-inset-text status ${ok ? "ok" : "error"}`, role: "status" }, text),
      ]),
    );
  const accept = async (event: Event) => {
    event.preventDefault();
    const answer = await call<{
      requestStatus?: string;
      message?: string;
      attemptsLeft?: number;
      error?: string;
    }>(`/wallet/wallets/${encodeURIComponent(walletId)}/accept`, {
      url,
      ...(body.pin === undefined ? {} : { pin: pin.value.trim() }),
    });
    if (answer.status === 200 && answer.body.requestStatus === "issuance_successful") {
      await loadWallet();
      return finished(
        "Added to your wallet",
        `${credentialName(body.type)} from ${body.clientName} is in your wallet.`,
        true,
      );
    }
    if (answer.status === 400 && answer.body.error === "pinInvalid" && (answer.body.attemptsLeft ?? 0) > 0) {
      const left = answer.body.attemptsLeft ?? 0;
      return showProblem(`The PIN is not right. ${left} ${left === 1 ? "try" : "tries"} left.`, {
        id: "pin",
        region: problem,
      });
    }
    finished(
      "Not added",
      answer.body.error === "pinInvalid"
        ? "The PIN was entered wrongly too many times. Ask the issuer for a new offer."
        : (answer.body.message ?? `The wallet answered ${answer.status}.`),
      false,
    );
  };
  showInRequest(
    h("form", { class: "nhsuk-card nhsuk-card__content", onsubmit: (event: Event) => void accept(event) }, [
      h("h2", {}, `${body.clientName} offers you a credential`),
      h("p", {}, h("strong", {}, credentialName(body.type))),
      body.pin === undefined
        ? undefined
        : formGroup(
            h("label", { class: "nhsuk-label", for: "pin" }, "PIN"),
            h(
              "p",
              { class: "nhsuk-hint", id: "pin-hint" },
              `The ${body.pin.length}-digit PIN the issuer sent you.`,
            ),
            problem,
            pin,
          ),
      h("button", { class: "nhsuk-button", type: "submit" }, "Add to wallet"),
      h(
        "button",
        {
          type: "button",
          class: "nhsuk-button nhsuk-button--secondary",
          onclick: () => finished("Cancelled", "Nothing was added.", false),
        },
        "Cancel",
      ),
    ]),
  );
}

/**
 * A link the wallet cannot open is the request link's problem: the error summary links to the field, which says
 * why (the simulator's message), and nothing is left of an earlier request.
 */
function cannotOpen(title: string, message: string | undefined, status: number): void {
  document.getElementById("request")?.replaceChildren();
  const reason = (message ?? `the wallet answered ${status}`).replace(/\.$/, "");
  showProblem(`${title}: ${reason}.`, {
    id: "link",
    region: document.getElementById("link-problem") ?? h("div"),
  });
}

async function openRequest(url: string): Promise<void> {
  const offer = issuancePath(url);
  if (offer !== undefined) return openOffer(url, offer);
  const { status, body } = await call<Scanned & { message?: string }>(
    `/wallet/wallets/${encodeURIComponent(walletId)}/scan`,
    { url },
  );
  if (status !== 200) return cannotOpen("This request cannot be opened", body.message, status);
  const missing = new Set(body.missing);
  // A Verified ID request names each credential by its type, an OpenID4VP one by its DCQL query's id.
  const keyOf = (wanted: { type: string; queryId?: string }) => wanted.queryId ?? wanted.type;
  const items = body.request.requestedCredentials.map((wanted) => {
    const key = keyOf(wanted);
    const offers = body.offers[key] ?? [];
    const heading = h("strong", {}, credentialName(wanted.type));
    const disclosed =
      wanted.claims === undefined
        ? undefined
        : h("p", { class: "nhsuk-hint disclosed" }, `Shares only: ${wanted.claims.join(", ")}`);
    if (missing.has(key)) {
      return h("li", {}, [
        heading,
        h("p", { class: "missing" }, "Credential not available"),
        h("p", { class: "nhsuk-hint" }, "This wallet does not hold it."),
      ]);
    }
    if (offers.length < 2) {
      return h("li", {}, [heading, h("p", { class: "nhsuk-hint" }, wanted.purpose), disclosed]);
    }
    const firstFit = offers.find((offer) => offer.fits)?.id;
    return h("li", {}, [
      h("fieldset", { class: "nhsuk-fieldset" }, [
        h(
          "legend",
          { class: "nhsuk-fieldset__legend nhsuk-fieldset__legend--s" },
          `You hold ${offers.length} of these: which one do you want to present?`,
        ),
        h(
          "div",
          { class: "nhsuk-radios" },
          offers.map((offer) =>
            choice("radio", {
              name: `choose-${key}`,
              id: `choose-${offer.id}`,
              value: offer.id,
              label: labelOf(
                held.find((credential) => credential.id === offer.id),
                offer,
              ),
              checked: offer.id === firstFit,
            }),
          ),
        ),
      ]),
      disclosed,
    ]);
  });
  const share = async () => {
    const choose: Record<string, string> = {};
    for (const key of body.requested) {
      const picked = document.querySelector<HTMLInputElement>(`input[name="choose-${key}"]:checked`);
      if (picked) choose[key] = picked.value;
    }
    const answer = await call<{
      missing?: string[];
      message?: string;
      callbackStatus?: number | null;
      callbackCode?: string;
    }>(`/wallet/wallets/${encodeURIComponent(walletId)}/present`, { requestId: body.requestId, choose });
    // A standard wallet hears the verifier's answer to its response; Authenticator's verifier hears the service.
    const refused =
      body.protocol === "openid4vp" && answer.status === 200 && answer.body.callbackStatus !== 200;
    const shared = answer.status === 200 && !refused;
    showInRequest(
      h("div", { class: "nhsuk-card nhsuk-card__content" }, [
        h("h2", {}, shared ? "Shared" : "Not shared"),
        h(
          "p",
          { class: `nhsuk-inset-text status ${shared ? "ok" : "error"}`, role: "status" },
          shared
            ? "Your credentials were shared. You can return to the previous application."
            : refused
              ? `The verifier did not accept the credentials (${answer.body.callbackCode ?? answer.body.callbackStatus ?? "no answer"}).`
              : answer.status === 409
                ? `Credential not available: ${(answer.body.missing ?? []).map(credentialName).join(", ")}.`
                : (answer.body.message ?? `The wallet answered ${answer.status}.`),
        ),
      ]),
    );
  };
  const cancel = () =>
    showInRequest(
      h("div", { class: "nhsuk-card nhsuk-card__content" }, [
        h("h2", {}, "Cancelled"),
        h(
          "p",
          { class: "nhsuk-inset-text status", role: "status" },
          "Nothing was shared. You can return to the previous application.",
        ),
      ]),
    );
  showInRequest(
    h("div", { class: "nhsuk-card nhsuk-card__content" }, [
      h("h2", {}, `${body.request.clientName} is asking`),
      h("p", {}, body.request.purpose),
      body.protocol === "openid4vp"
        ? h(
            "p",
            { class: "nhsuk-hint", id: "protocol" },
            "An OpenID4VP request: answered with your SD-JWT VCs.",
          )
        : undefined,
      h("h3", {}, "Requested"),
      h("ul", { id: "requested", class: "nhsuk-list" }, items),
      missing.size > 0 ? notAvailable([...missing].map(credentialName)) : undefined,
      h(
        "button",
        { class: "nhsuk-button", type: "button", disabled: missing.size > 0, onclick: () => void share() },
        "Share",
      ),
      h(
        "button",
        { type: "button", class: "nhsuk-button nhsuk-button--secondary", onclick: cancel },
        "Cancel",
      ),
    ]),
  );
}

void start();
