// The demo portal: the seed user guide's screens over the service's public API. Choose a trust, log in with its
// access key (QR code), pick credentials, confirm, share them (second QR code), see the history with the trust's
// decision on each shared credential. The home screen lists the trust's open requests for credentials: answering
// one opens the list with the requested credentials ticked and makes the share with its requestId; declining one
// asks for the reason. The history offers each shared share's signed receipt as a download, and the home screen
// everything the service holds about the person (their subject-access export).
//
// The wallet's refusal of a missing credential never reaches the service (Authenticator sends nothing back), so
// the portal cannot know which one it was: when a share stays "scanned" with no presentation, the screen says
// that the wallet could not present one of the listed credentials and asks the person to deselect the one the
// wallet named; "Change what I share" cancels that share and goes back to the list.
//
// Where a trust accepts both Microsoft Authenticator and standard (OpenID4VP) wallets, the person chooses theirs
// before logging in; the login and every share of that session then ask for that wallet's protocol.
import {
  backLink,
  choice,
  clearProblem,
  formGroup,
  h,
  link,
  show,
  showProblem,
  sleep,
} from "../shared/dom.js";
import {
  ApiError,
  api,
  type CredentialRequest,
  type CredentialType,
  type Decision,
  type Protocol,
  type ShareView,
  type StartedShare,
  type Trust,
} from "./api.js";
import { qrScreen } from "./qrScreen.js";
import { POLL_MS, STALLED_MS } from "./timing.js";

/** Codes a login fails with when the presented access key belongs to another trust. */
const OTHER_TRUSTS_KEY = new Set(["wrong_trust", "issuer_not_accepted"]);
/** A share's status in the history as the design system's tag: green once shared, red when it failed. */
const STATUS_TAGS: Readonly<Record<string, string>> = {
  shared: "nhsuk-tag--green",
  failed: "nhsuk-tag--red",
  pending: "nhsuk-tag--blue",
  scanned: "nhsuk-tag--blue",
  expired: "nhsuk-tag--grey",
  cancelled: "nhsuk-tag--grey",
};
/** The longest reason for declining a request the service takes (API.md section 7). */
const REASON_MAX = 500;

let trust: Trust | undefined;
/** Trust names seen in searches, so the history names every trust, not only the current one. */
const trustNames = new Map<string, string>();
let session: string | undefined;
/** The wallet the person logged in with; the session's shares ask for the same one. */
let protocol: Protocol = "verifiedid";
let credentialTypes: CredentialType[] = [];
let selected = new Set<string>();
/** The trust's request the credentials being chosen answer, if any. */
let answering: CredentialRequest | undefined;
/** Bumped on every screen change so that an old screen's polling stops. */
let screen = 0;

function next(): number {
  screen += 1;
  return screen;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : "Something went wrong.";
}

function displayName(type: string): string {
  return credentialTypes.find((entry) => entry.type === type)?.displayName ?? type;
}

const when = (text: string) =>
  new Date(text).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" });

/** A shared credential's name and, once the trust has made one, its decision. */
function decisionText(type: string, decision: Decision | undefined): string {
  if (decision === undefined) return displayName(type);
  const reason = decision.reason === undefined ? "" : `. Reason: ${decision.reason}`;
  return `${displayName(type)}: ${decision.decision} on ${when(decision.decidedAt)}${reason}`;
}

/** What a share answering a request left out, as a sentence; nothing when it left out nothing. */
function missingNote(view: ShareView): HTMLElement | undefined {
  const missing = view.missingTypes ?? [];
  if (missing.length === 0) return undefined;
  return h(
    "p",
    { class: "nhsuk-hint missing" },
    `Asked for but not shared: ${missing.map(displayName).join(", ")}.`,
  );
}

/** A search that does not say which wallets a trust accepts offers both; the service refuses one it does not take. */
function offersBothWallets(chosen: Trust | undefined): boolean {
  const protocols = chosen?.protocols;
  return protocols === undefined || (protocols.includes("verifiedid") && protocols.includes("openid4vp"));
}

/** How to reach the scan in the chosen wallet. */
function walletName(): string {
  return protocol === "openid4vp" ? "your wallet app" : "Microsoft Authenticator";
}

function trustName(): string {
  return trust?.name ?? "your organisation";
}

function trustNameOf(id: string): string {
  return trustNames.get(id) ?? id;
}

/** How long a download's object URL lives: long enough for the browser to start saving it, then it is freed. */
const DOWNLOAD_URL_MS = 60_000;

/** Saves what the service answered as a file, through a link the browser downloads rather than opens. */
function saveFile(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = h("a", { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked later, not at once: some browsers read the URL only after click() has returned.
  setTimeout(() => URL.revokeObjectURL(url), DOWNLOAD_URL_MS);
}

/**
 * Fetches a file with the session and saves it; a failure is said in the error summary, and a 401 goes back to
 * the login.
 */
async function download(fetchFile: (token: string) => Promise<Blob>, name: string) {
  const token = session;
  if (token === undefined) return accessKeyQuestion();
  try {
    saveFile(await fetchFile(token), name);
    clearProblem();
  } catch (error) {
    if (handleSessionError(error)) return;
    showProblem(errorText(error));
  }
}

/** A problem loading what a screen shows, said where it would have been (no form: no error summary). */
const loadProblem = (error: unknown) =>
  h("p", { class: "nhsuk-inset-text status error", role: "status" }, errorText(error));

/** A 401 means the session ended (expired or refused): back to the login QR code of the same trust. */
function handleSessionError(error: unknown): boolean {
  if (error instanceof ApiError && error.status === 401) {
    session = undefined;
    void logIn("Your session has ended. Scan the QR code to log in again with your access key.");
    return true;
  }
  return false;
}

// Choose an organisation ("Go to a different organisation").
function chooseTrust(): void {
  next();
  const results = h("div", { id: "results", "aria-live": "polite" });
  const problem = h("div", { id: "search-problem" });
  const input = h("input", {
    class: "nhsuk-input",
    id: "search",
    type: "search",
    name: "search",
    autocomplete: "off",
  }) as HTMLInputElement;
  const search = async (event: Event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (text.length < 2) {
      results.replaceChildren();
      return showProblem("Type at least 2 characters of the name.", { id: "search", region: problem });
    }
    clearProblem();
    try {
      const trusts = await api.searchTrusts(text);
      for (const found of trusts) trustNames.set(found.id, found.name);
      results.replaceChildren(
        trusts.length === 0
          ? h("p", {}, `No organisation matches "${text}".`)
          : h("div", {}, [
              h("h2", {}, "Select your organisation"),
              h(
                "ul",
                { class: "nhsuk-list" },
                trusts.map((found) =>
                  h(
                    "li",
                    {},
                    link(found.name, () => {
                      trust = found;
                      session = undefined;
                      accessKeyQuestion();
                    }),
                  ),
                ),
              ),
            ]),
      );
    } catch (error) {
      results.replaceChildren();
      showProblem(errorText(error));
    }
  };
  show(
    h("h1", {}, "Which organisation do you want to share your credentials with?"),
    h("form", { class: "nhsuk-card nhsuk-card__content", onsubmit: search }, [
      formGroup(
        h("label", { class: "nhsuk-label", for: "search" }, "Organisation name"),
        h("p", { class: "nhsuk-hint", id: "search-hint" }, "For example, Oxford or Manchester"),
        problem,
        input,
      ),
      h("div", {}, h("button", { class: "nhsuk-button", type: "submit" }, "Search")),
    ]),
    results,
  );
  input.setAttribute("aria-describedby", "search-hint");
}

// "Do you already have an access key for this organisation?"
function accessKeyQuestion(notice?: string): void {
  next();
  const answer = h("div", { id: "answer", "aria-live": "polite" });
  const problem = h("div", { id: "has-key-problem" });
  // Asked only once the person says they hold a key, and only where the trust takes both kinds of wallet.
  const walletArea = h("div", { id: "wallet-choice", "aria-live": "polite" });
  const askWallet = (event: Event) => {
    const yes = (event.target as HTMLInputElement).value === "yes";
    if (yes && offersBothWallets(trust) && walletArea.childElementCount === 0) {
      walletArea.replaceChildren(
        h("fieldset", { class: "nhsuk-fieldset" }, [
          h(
            "legend",
            { class: "nhsuk-fieldset__legend nhsuk-fieldset__legend--s" },
            "Which wallet holds your access key?",
          ),
          h("div", { class: "nhsuk-radios" }, [
            walletChoice("verifiedid", "Microsoft Authenticator"),
            walletChoice("openid4vp", "Another wallet (OpenID4VP)"),
          ]),
        ]),
      );
    } else if (!yes) walletArea.replaceChildren();
  };
  const hasKey = (value: string, label: string) =>
    choice("radio", { name: "has-key", id: `has-key-${value}`, value, label, onchange: askWallet });
  const walletChoice = (value: Protocol, label: string) =>
    choice("radio", { name: "wallet", id: `wallet-${value}`, value, label, checked: value === protocol });
  const onsubmit = (event: Event) => {
    event.preventDefault();
    const value = (document.querySelector('input[name="has-key"]:checked') as HTMLInputElement | null)?.value;
    const wallet = (document.querySelector('input[name="wallet"]:checked') as HTMLInputElement | null)?.value;
    protocol = wallet === "openid4vp" ? "openid4vp" : "verifiedid";
    if (value === "yes") void logIn();
    else if (value === "no") {
      clearProblem();
      answer.replaceChildren(
        h("div", { class: "nhsuk-card nhsuk-card__content", id: "no-key" }, [
          h("h2", {}, "You need an access key first"),
          h(
            "p",
            {},
            `You will need to get an access key for ${trustName()} before you can share credentials with it. ` +
              "Ask the organisation's staff passport or HR team to issue you one.",
          ),
          h("p", {}, "They will send you:"),
          h("ul", { id: "what-you-get" }, [
            h("li", {}, "a link, or a QR code, that adds the access key to your wallet app"),
            h("li", {}, "a PIN, separately, by text message, email or phone, which your wallet asks for"),
          ]),
          h(
            "p",
            {},
            "Open the link or scan the QR code with your wallet app, enter the PIN, then come back and choose Yes. " +
              "The offer lasts a limited time: if it has expired, ask them for a new one.",
          ),
          h("p", {}, link("Choose another organisation", chooseTrust)),
        ]),
      );
    } else showProblem("Choose Yes or No.", { id: "has-key-yes", region: problem });
  };
  show(
    h("h1", {}, trustName()),
    notice ? h("p", { class: "nhsuk-inset-text status error", role: "status" }, notice) : undefined,
    h("form", { class: "nhsuk-card nhsuk-card__content", onsubmit }, [
      formGroup(
        h("fieldset", { class: "nhsuk-fieldset" }, [
          h(
            "legend",
            { class: "nhsuk-fieldset__legend nhsuk-fieldset__legend--s" },
            "Do you already have an access key for this organisation?",
          ),
          problem,
          h("div", { class: "nhsuk-radios" }, [hasKey("yes", "Yes"), hasKey("no", "No")]),
        ]),
      ),
      walletArea,
      h("button", { class: "nhsuk-button", type: "submit" }, "Continue"),
    ]),
    answer,
    h("p", {}, link("Go to a different organisation", chooseTrust)),
  );
}

// The access key QR code, polled until logged in, failed or expired.
async function logIn(notice?: string): Promise<void> {
  const current = next();
  const chosen = trust;
  if (chosen === undefined) return chooseTrust();
  if (!offersBothWallets(chosen) && chosen.protocols?.[0] !== undefined) protocol = chosen.protocols[0];
  let login: Awaited<ReturnType<typeof api.startLogin>>;
  try {
    login = await api.startLogin(chosen.id, protocol === "verifiedid" ? undefined : protocol);
  } catch (error) {
    // A service or trust that does not take standard wallets says 400: log in with Authenticator instead.
    if (
      protocol === "openid4vp" &&
      chosen.protocols === undefined &&
      error instanceof ApiError &&
      error.status === 400
    ) {
      protocol = "verifiedid";
      return logIn(`${chosen.name} does not accept other wallets yet: log in with Microsoft Authenticator.`);
    }
    return accessKeyQuestion(errorText(error));
  }
  if (current !== screen) return;
  const qr = qrScreen({
    heading: `Log in to ${chosen.name}`,
    intro:
      protocol === "openid4vp"
        ? "Scan this QR code with your wallet app, then share your access key for this organisation."
        : "Scan this QR code with the Microsoft Authenticator app: select Verified IDs, then the scan icon. " +
          "Then share your access key for this organisation.",
    qrCode: login.qrCode,
    url: login.url,
    wallet: walletName(),
  });
  const [heading, ...rest] = qr.nodes;
  show(
    heading,
    notice
      ? h("p", { class: "nhsuk-inset-text status error", role: "status", id: "notice" }, notice)
      : undefined,
    ...rest,
  );
  qr.setStatus("Waiting for you to scan the QR code.");
  const again = (label: string) =>
    h("button", { class: "nhsuk-button", type: "button", onclick: () => void logIn() }, label);
  while (current === screen) {
    await sleep(POLL_MS);
    if (current !== screen) return;
    let view: Awaited<ReturnType<typeof api.readLogin>>;
    try {
      view = await api.readLogin(login);
    } catch (error) {
      qr.setStatus(errorText(error), "error");
      continue;
    }
    if (view.status === "pending") continue;
    if (view.status === "scanned") {
      qr.setStatus(`QR code scanned. Share your access key in ${walletName()}.`);
    } else if (view.status === "verified" && view.sessionToken) {
      session = view.sessionToken;
      return home(`You are logged in to ${chosen.name}.`);
    } else if (view.status === "expired") {
      qr.retire();
      qr.setStatus("This QR code has expired.", "error");
      qr.setActions(again("Get a new QR code"));
      return;
    } else if (view.status === "failed") {
      const code = view.error?.code ?? "";
      qr.retire();
      qr.setStatus(
        OTHER_TRUSTS_KEY.has(code)
          ? `This access key is for another organisation. Choose your access key for ${chosen.name} in your wallet.`
          : code === "credential_revoked"
            ? `${chosen.name} has revoked this access key. Ask its staff passport or HR team for a new one.`
            : `You could not be logged in: ${view.error?.message ?? "the presentation failed."}`,
        "error",
      );
      qr.setActions(again("Try again"));
      return;
    }
  }
}

/** The trust's home screen; `notice` says what just happened, `tone` whether it went well. */
function home(notice?: string, tone: "ok" | "error" = "ok"): void {
  const current = next();
  answering = undefined;
  const requests = h("div", { id: "requests", "aria-live": "polite" });
  show(
    h("h1", {}, trustName()),
    notice ? h("p", { class: `nhsuk-inset-text status ${tone}`, role: "status" }, notice) : undefined,
    h("div", { class: "nhsuk-card nhsuk-card__content" }, [
      h(
        "button",
        { type: "button", class: "nhsuk-button tile", onclick: () => void credentials() },
        "Credentials",
      ),
      h("p", { class: "nhsuk-hint" }, "Share the credentials in your wallet with this organisation."),
    ]),
    requests,
    h(
      "p",
      {},
      link("Your share history", () => void history()),
    ),
    h("div", { class: "nhsuk-card nhsuk-card__content", id: "your-data" }, [
      h(
        "button",
        {
          type: "button",
          class: "nhsuk-button nhsuk-button--secondary",
          "aria-describedby": "your-data-hint",
          onclick: () => void download(api.exportData, "staff-passport-export.json"),
        },
        "Download your data",
      ),
      h(
        "p",
        { class: "nhsuk-hint", id: "your-data-hint" },
        "Everything this service holds about you, with every organisation: your shares, requests and the record " +
          "of what was done with them (a JSON file).",
      ),
    ]),
    h("p", {}, link("Go to a different organisation", chooseTrust)),
  );
  void openRequests(current, requests);
}

// The trust's open requests for this member of staff, on the home screen, each with Share and Decline.
async function openRequests(current: number, region: HTMLElement): Promise<void> {
  const token = session;
  if (token === undefined) return;
  let requests: CredentialRequest[];
  try {
    if (credentialTypes.length === 0) credentialTypes = await api.credentialTypes();
    requests = await api.credentialRequests(token);
  } catch (error) {
    if (current === screen && !handleSessionError(error)) region.replaceChildren(loadProblem(error));
    return;
  }
  if (current !== screen || requests.length === 0) return;
  region.replaceChildren(
    h("h2", {}, `${trustName()} asks you for credentials`),
    h(
      "ul",
      { class: "nhsuk-list", id: "request-list" },
      requests.map((request) => {
        const described = `request-${request.requestId}`;
        return h("li", { class: "nhsuk-card nhsuk-card__content request" }, [
          h("div", { id: described }, [
            h("p", {}, `Asked on ${when(request.createdAt)} for:`),
            h(
              "ul",
              {},
              request.credentialTypes.map((type) => h("li", {}, displayName(type))),
            ),
            request.message ? h("p", { class: "nhsuk-hint" }, `Message: ${request.message}`) : undefined,
          ]),
          h(
            "button",
            {
              type: "button",
              class: "nhsuk-button",
              "aria-describedby": described,
              onclick: () => answer(request),
            },
            "Share these",
          ),
          h(
            "button",
            {
              type: "button",
              class: "nhsuk-button nhsuk-button--secondary",
              "aria-describedby": described,
              onclick: () => decline(request),
            },
            "Decline",
          ),
        ]);
      }),
    ),
  );
}

/** Answers a request: the credentials list with the requested ones ticked; the share carries its requestId. */
function answer(request: CredentialRequest): void {
  answering = request;
  selected = new Set(request.credentialTypes);
  void credentials(
    `${trustName()} asked for the ticked credentials. Untick any you do not hold or do not want to share.`,
  );
}

// Declining a request: the reason is required and reaches the trust.
function decline(request: CredentialRequest): void {
  const current = next();
  const problem = h("div", { id: "reason-problem" });
  const reason = h("textarea", {
    class: "nhsuk-textarea",
    id: "reason",
    name: "reason",
    rows: "4",
    maxlength: String(REASON_MAX),
    "aria-describedby": "reason-hint",
  }) as HTMLTextAreaElement;
  const submit = async () => {
    const text = reason.value.trim();
    if (text === "" || text.length > REASON_MAX)
      return showProblem(`Say why you are declining, in at most ${REASON_MAX} characters.`, {
        id: "reason",
        region: problem,
      });
    const token = session;
    if (token === undefined) return accessKeyQuestion();
    try {
      await api.declineRequest(token, request.requestId, text);
    } catch (error) {
      if (handleSessionError(error) || current !== screen) return;
      return showProblem(errorText(error));
    }
    if (current === screen) home(`You declined the request. ${trustName()} is told your reason.`);
  };
  show(
    backLink(() => home()),
    h("h1", {}, "Decline the request"),
    h("div", { class: "nhsuk-card nhsuk-card__content" }, [
      h("p", {}, `${trustName()} asked on ${when(request.createdAt)} for:`),
      h(
        "ul",
        { id: "declining-list" },
        request.credentialTypes.map((type) => h("li", {}, displayName(type))),
      ),
    ]),
    h(
      "form",
      {
        class: "nhsuk-card nhsuk-card__content",
        onsubmit: (event: Event) => {
          event.preventDefault();
          void submit();
        },
      },
      [
        formGroup(
          h("label", { class: "nhsuk-label", for: "reason" }, "Why are you declining?"),
          h(
            "p",
            { class: "nhsuk-hint", id: "reason-hint" },
            `Required, at most ${REASON_MAX} characters. ${trustName()} receives this reason.`,
          ),
          problem,
          reason,
        ),
        h("div", {}, h("button", { class: "nhsuk-button", type: "submit" }, "Decline the request")),
      ],
    ),
  );
}

// "Credentials": the list with checkboxes.
async function credentials(notice?: string): Promise<void> {
  const current = next();
  try {
    if (credentialTypes.length === 0) credentialTypes = await api.credentialTypes();
  } catch (error) {
    return home(errorText(error), "error");
  }
  if (current !== screen) return;
  const problem = h("div", { id: "credential-problem" });
  const onsubmit = (event: Event) => {
    event.preventDefault();
    const ticked = [...document.querySelectorAll<HTMLInputElement>('input[name="credential"]:checked')];
    selected = new Set(ticked.map((box) => box.value));
    if (selected.size === 0) {
      showProblem("Select at least one credential to share.", {
        id: `credential-${credentialTypes[0]?.type ?? ""}`,
        region: problem,
      });
      return;
    }
    summary();
  };
  show(
    backLink(() => home()),
    h("h1", {}, "Share credentials"),
    notice ? h("p", { class: "nhsuk-inset-text status", role: "status" }, notice) : undefined,
    h("form", { class: "nhsuk-card nhsuk-card__content", onsubmit }, [
      formGroup(
        h("fieldset", { class: "nhsuk-fieldset", "aria-describedby": "credential-hint" }, [
          h(
            "legend",
            { class: "nhsuk-fieldset__legend nhsuk-fieldset__legend--s" },
            `Select the credentials to share with ${trustName()}`,
          ),
          h(
            "p",
            { class: "nhsuk-hint", id: "credential-hint" },
            `You can only share credentials that you have in ${protocol === "openid4vp" ? "your wallet app" : "your Microsoft Authenticator wallet"}.`,
          ),
          problem,
          h(
            "div",
            { class: "nhsuk-checkboxes" },
            credentialTypes.map((entry) =>
              choice("checkbox", {
                name: "credential",
                id: `credential-${entry.type}`,
                value: entry.type,
                label: entry.displayName,
                checked: selected.has(entry.type),
                hint: entry.description,
              }),
            ),
          ),
        ]),
      ),
      h("button", { class: "nhsuk-button", type: "submit" }, "Continue"),
    ]),
  );
}

// The summary: "Yes, connect to my wallet" and "Continue".
function summary(): void {
  next();
  const problem = h("div", { id: "connect-problem" });
  const onsubmit = (event: Event) => {
    event.preventDefault();
    const box = document.getElementById("connect") as HTMLInputElement | null;
    if (box?.checked) void share([...selected]);
    else showProblem("Choose 'Yes, connect to my wallet' to go on.", { id: "connect", region: problem });
  };
  show(
    backLink(() => void credentials()),
    h("h1", {}, "Check the credentials you are sharing"),
    h("div", { class: "nhsuk-card nhsuk-card__content" }, [
      h("p", {}, `You are about to share these credentials with ${trustName()}:`),
      answering
        ? h("p", { class: "nhsuk-hint" }, `This answers its request of ${when(answering.createdAt)}.`)
        : undefined,
      h("dl", { class: "nhsuk-summary-list", id: "summary-list" }, [
        h("div", { class: "nhsuk-summary-list__row nhsuk-summary-list__row--no-actions" }, [
          h("dt", { class: "nhsuk-summary-list__key" }, "Organisation"),
          h("dd", { class: "nhsuk-summary-list__value" }, trustName()),
        ]),
        h("div", { class: "nhsuk-summary-list__row" }, [
          h("dt", { class: "nhsuk-summary-list__key" }, "Credentials"),
          h(
            "dd",
            { class: "nhsuk-summary-list__value" },
            h(
              "ul",
              { class: "nhsuk-list nhsuk-list--bullet" },
              [...selected].map((type) => h("li", {}, displayName(type))),
            ),
          ),
          h(
            "dd",
            { class: "nhsuk-summary-list__actions" },
            link("Change", () => void credentials(), { "aria-label": "Change the credentials" }),
          ),
        ]),
      ]),
    ]),
    h("form", { class: "nhsuk-card nhsuk-card__content", onsubmit }, [
      formGroup(
        h("fieldset", { class: "nhsuk-fieldset" }, [
          h(
            "legend",
            { class: "nhsuk-fieldset__legend nhsuk-fieldset__legend--s" },
            "Connect to your wallet to share them?",
          ),
          problem,
          h(
            "div",
            { class: "nhsuk-checkboxes" },
            choice("checkbox", {
              name: "connect",
              id: "connect",
              value: "yes",
              label: "Yes, connect to my wallet",
            }),
          ),
        ]),
      ),
      h("button", { class: "nhsuk-button", type: "submit" }, "Continue"),
    ]),
  );
}

// The second QR code, polled until shared, failed or expired.
async function share(types: string[]): Promise<void> {
  const current = next();
  const token = session;
  if (token === undefined) return accessKeyQuestion();
  const requestId = answering?.requestId;
  let started: StartedShare;
  try {
    started = await api.startShare(token, types, requestId, protocol === "verifiedid" ? undefined : protocol);
  } catch (error) {
    if (handleSessionError(error)) return;
    // The request is gone or no longer open: the credentials can still be shared without answering it.
    if (requestId !== undefined && error instanceof ApiError && [404, 409].includes(error.status))
      answering = undefined;
    return void credentials(errorText(error));
  }
  if (current !== screen) return;
  const changeSelection = async () => {
    try {
      await api.cancelShare(token, started.shareId);
    } catch {
      // Already finished or gone: nothing to cancel.
    }
    await credentials(
      "That share was cancelled. Deselect the credential your wallet said is not available, then continue " +
        "to share the rest.",
    );
  };
  const qr = qrScreen({
    heading: "Scan to share your credentials",
    intro: `Scan this QR code with ${walletName()}, as before, and share the credentials for ${trustName()}.`,
    qrCode: started.qrCode,
    url: started.url,
    wallet: walletName(),
    extra: [
      h("div", { class: "nhsuk-card nhsuk-card__content", id: "sharing" }, [
        h("h2", {}, "You are sharing"),
        h(
          "ul",
          { id: "sharing-list" },
          types.map((type) => h("li", {}, displayName(type))),
        ),
        h(
          "p",
          { class: "nhsuk-hint" },
          "Your wallet can only share credentials it holds. If it says one of these is not available, cancel " +
            "in the wallet and change what you share.",
        ),
        h(
          "button",
          {
            type: "button",
            class: "nhsuk-button nhsuk-button--secondary",
            onclick: () => void changeSelection(),
          },
          "Change what I share",
        ),
      ]),
    ],
  });
  show(...qr.nodes);
  qr.setStatus("Waiting for you to scan the QR code.");
  /** When the portal first saw the wallet open the request; a presentation normally follows within seconds. */
  let scannedAt: number | undefined;
  while (current === screen) {
    await sleep(POLL_MS);
    if (current !== screen) return;
    let view: ShareView;
    try {
      view = await api.readShare(token, started.shareId);
    } catch (error) {
      if (handleSessionError(error)) return;
      qr.setStatus(errorText(error), "error");
      continue;
    }
    if (view.status === "pending") continue;
    if (view.status === "scanned") {
      scannedAt ??= Date.now();
      if (Date.now() - scannedAt < STALLED_MS) {
        qr.setStatus(`QR code scanned. Choose Share in ${walletName()}.`);
      } else {
        qr.setStatus(
          "Your wallet has not shared the credentials. If it says a credential is not available, it cannot " +
            "present one of those listed below: cancel in the wallet, choose Change what I share, deselect the " +
            "credential your wallet named and share the rest.",
          "error",
        );
      }
    } else if (view.status === "shared") return shared(view);
    else if (view.status === "expired") {
      qr.retire();
      qr.setStatus("This QR code has expired.", "error");
      qr.setActions(
        h(
          "button",
          { class: "nhsuk-button", type: "button", onclick: () => void share(types) },
          "Get a new QR code",
        ),
      );
      return;
    } else if (view.status === "failed") {
      qr.setStatus(
        `The credentials were not shared: ${view.error?.message ?? "the presentation failed."}`,
        "error",
      );
      qr.setActions(
        h(
          "button",
          { class: "nhsuk-button", type: "button", onclick: () => void credentials() },
          "Back to credentials",
        ),
      );
      return;
    } else if (view.status === "cancelled") return void credentials("That share was cancelled.");
  }
}

function shared(view: ShareView): void {
  next();
  show(
    h("div", { id: "confirmation" }, [
      h("div", { class: "nhsuk-panel" }, [
        h("h1", { class: "nhsuk-panel__title" }, "Credentials shared"),
        h(
          "p",
          { class: "nhsuk-panel__body", role: "status" },
          `The listed credentials have been shared with ${trustNameOf(view.trustId)}.`,
        ),
      ]),
      h(
        "ul",
        { class: "nhsuk-list nhsuk-list--bullet" },
        (view.credentials ?? []).map((credential) =>
          h("li", {}, decisionText(credential.type, credential.decision)),
        ),
      ),
      missingNote(view),
    ]),
    h(
      "p",
      {},
      link("Your share history", () => void history()),
    ),
    h(
      "p",
      {},
      link("Back to the start", () => home()),
    ),
  );
}

async function history(): Promise<void> {
  const current = next();
  const token = session;
  if (token === undefined) return accessKeyQuestion();
  let shares: ShareView[];
  try {
    if (credentialTypes.length === 0) credentialTypes = await api.credentialTypes();
    shares = await api.history(token);
  } catch (error) {
    if (handleSessionError(error)) return;
    return home(errorText(error), "error");
  }
  if (current !== screen) return;
  const receiptLink = (entry: ShareView) =>
    link(
      "Download receipt",
      () => void download((token) => api.receipt(token, entry.shareId), `receipt-${entry.shareId}.jwt`),
      {
        class: "receipt",
        "aria-label": `Download receipt of the share with ${trustNameOf(entry.trustId)} on ${when(entry.sharedAt ?? entry.createdAt)}`,
      },
    );
  show(
    h("h1", {}, "Your share history"),
    shares.length === 0
      ? h("p", {}, "You have not shared anything yet.")
      : h("table", { class: "nhsuk-table", id: "history" }, [
          h("caption", { class: "nhsuk-u-visually-hidden" }, "Shares, newest first"),
          h(
            "thead",
            {},
            h("tr", {}, [
              h("th", { scope: "col" }, "When"),
              h("th", { scope: "col" }, "With"),
              h("th", { scope: "col" }, "Status"),
              h("th", { scope: "col" }, "Credentials"),
            ]),
          ),
          h(
            "tbody",
            {},
            shares.map((entry) =>
              h("tr", {}, [
                // Beside when it was shared, its receipt: only a shared share has one, attesting what went to the
                // trust. In this cell rather than a column of its own, so that the table still fits a phone.
                h("td", {}, [
                  when(entry.sharedAt ?? entry.createdAt),
                  entry.status === "shared" ? h("div", {}, receiptLink(entry)) : undefined,
                ]),
                h("td", {}, trustNameOf(entry.trustId)),
                h(
                  "td",
                  {},
                  h("strong", { class: `nhsuk-tag ${STATUS_TAGS[entry.status] ?? ""}` }, entry.status),
                ),
                h("td", {}, [
                  entry.credentialTypes.map(displayName).join(", "),
                  decisionList(entry),
                  missingNote(entry),
                ]),
              ]),
            ),
          ),
        ]),
    h(
      "p",
      {},
      link("Back to the start", () => home()),
    ),
  );
}

/** The trust's decisions on a share's credentials, one line each; nothing before it has made any. */
function decisionList(view: ShareView): HTMLElement | undefined {
  const decided = (view.credentials ?? []).filter((credential) => credential.decision !== undefined);
  if (decided.length === 0) return undefined;
  return h(
    "ul",
    { class: "decisions" },
    decided.map((credential) =>
      h("li", { class: credential.decision?.decision }, decisionText(credential.type, credential.decision)),
    ),
  );
}

chooseTrust();
