// The seed user guide's journey in a real browser: playwright-core drives Debian's Chromium through the demo
// portal, the demo wallet page and the demo trust's page against the whole local system. Skipped, with the reason,
// when no Chromium binary is found (.ci/run installs Debian's `chromium`). Every screen is checked (headings in
// order, labelled controls, no sideways scrolling) and saved to .local/screenshots (git-ignored); README_SCREENS=1
// also refreshes README's screens in docs/screens. The portal polls on a timer: each test moves the browser's clock
// on by a poll interval instead of waiting for it, so the service, the wallet and the trust run in real time.
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { delimiter, join } from "node:path";
import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from "jose";
import {
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  chromium,
  type Locator,
  type Page,
} from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { POLL_MS, STALLED_MS } from "../../local/pages/portal/timing.js";
import type { LocalSystem } from "../../local/system.js";
import { services } from "../../src/composition.js";
import { startTestSystem } from "../support/system.js";

/** CHROMIUM_PATH, else the first `chromium` on PATH (Debian's package installs /usr/bin/chromium). */
function findChromium(): string | undefined {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv !== undefined && fromEnv !== "") return existsSync(fromEnv) ? fromEnv : undefined;
  const folders = (process.env.PATH ?? "").split(delimiter).filter(Boolean);
  return folders
    .flatMap((folder) => ["chromium", "chromium-browser"].map((name) => join(folder, name)))
    .find((path) => existsSync(path));
}

const CHROMIUM = findChromium();
const SCREENSHOTS = ".local/screenshots";
const OXFORD = "Oxford University Hospitals NHS Foundation Trust";
/** The staff id on the demo wallet's access key for Oxford (RTH). */
const OXFORD_STAFF_ID = "RTH-2205117";
const MANCHESTER = "Manchester University NHS Foundation Trust";
/** RJ1 takes both Microsoft Authenticator and standard (OpenID4VP) wallets. */
const GUYS = "Guy's and St Thomas' NHS Foundation Trust";
const BIRMINGHAM = "University Hospitals Birmingham NHS Foundation Trust";
const TRUST_PAGE = "Access keys, share events and credential requests";
const DESKTOP = { width: 900, height: 800 };
const PHONE = { width: 375, height: 740 };
/** Far enough for the service to call a QR code expired (minutes), not far enough to end a session (15). */
const PAST_QR_EXPIRY_MS = 10 * 60_000;
const PAST_SESSION_EXPIRY_MS = 20 * 60_000;

/** The screens README shows; `README_SCREENS=1` copies them to docs/screens after a run. */
const README_SCREENS = [
  "03-login-qr-code",
  "04-wallet-choose-access-key",
  "08-shared",
  "11-wallet-credential-not-available",
  "12-share-not-presented",
  "16-phone-qr-code",
  "27-history-decisions",
];

let system: LocalSystem;
let browser: Browser;

/**
 * A browser window (a context of its own: a page in a background tab is hardly painted, so every step on it would
 * crawl) with what its pages did that they must not: console errors, uncaught exceptions, requests elsewhere.
 * Checked and cleared after each test.
 */
type BrowserWindow = {
  page: Page;
  context: BrowserContext;
  errors: string[];
  outside: string[];
  expectedErrors: RegExp[];
  /** Closed after the test; the desktop windows stay open, since a new one costs seconds on a busy machine. */
  closeAfterTest: boolean;
};
let windows: BrowserWindow[] = [];

const isLocal = (url: string) => /^(https?:\/\/127\.0\.0\.1:\d+\/|data:|about:)/.test(url);

async function openWindow(options: BrowserContextOptions, closeAfterTest: boolean): Promise<BrowserWindow> {
  const context = await browser.newContext(options);
  // The pages' timers run on a clock the test can move on (it flows on its own too).
  await context.clock.install();
  const window: BrowserWindow = {
    page: await context.newPage(),
    context,
    errors: [],
    outside: [],
    expectedErrors: [],
    closeAfterTest,
  };
  context.on("console", (message) => {
    if (message.type() === "error") window.errors.push(`${message.text()} at ${message.location().url}`);
  });
  context.on("weberror", (error) => window.errors.push(String(error.error())));
  context.on("request", (request) => {
    if (!isLocal(request.url())) window.outside.push(request.url());
  });
  windows.push(window);
  return window;
}

/** The portal and, in a window of its own, the demo wallet (the person's phone); `portalWindow` is the portal's. */
type Journey = { portal: Page; wallet: Page; portalWindow: BrowserWindow; walletWindow: BrowserWindow };
let desktop: [BrowserWindow, BrowserWindow] | undefined;

const openPair = (options: BrowserContextOptions, closeAfterTest: boolean) =>
  Promise.all([openWindow(options, closeAfterTest), openWindow(options, closeAfterTest)]);

/** The portal at its first screen: in the desktop windows, or in new ones with these options for this test. */
async function journey(options?: BrowserContextOptions): Promise<Journey> {
  const [portalWindow, wallet] =
    options === undefined && desktop !== undefined
      ? desktop
      : await openPair(options ?? { viewport: DESKTOP }, true);
  await portalWindow.page.goto(`${system.urls.host}/`);
  await heading(
    portalWindow.page,
    "Which organisation do you want to share your credentials with?",
  ).waitFor();
  return { portal: portalWindow.page, wallet: wallet.page, portalWindow, walletWindow: wallet };
}

const heading = (page: Page, name: string) => page.getByRole("heading", { level: 1, name, exact: true });
const button = (page: Page | Locator, name: string) => page.getByRole("button", { name, exact: true });
/** An action that moves to another screen: the design system's link. */
const linkTo = (page: Page | Locator, name: string) => page.getByRole("link", { name, exact: true });
const qrStatus = (portal: Page) => portal.locator("#qr-status");
const statusReading = (portal: Page, text: string) =>
  qrStatus(portal).and(portal.getByText(text, { exact: true }));

/**
 * Waits for what the portal shows after its next polls, moving the browser's clock on by a poll interval at a
 * time rather than waiting for it.
 */
async function afterPolls(portal: Page, shown: Locator): Promise<void> {
  for (let poll = 0; poll < 40; poll += 1) {
    if (await shown.isVisible()) return;
    await portal.clock.fastForward(POLL_MS);
    await shown.waitFor({ timeout: 250 }).catch(() => {});
  }
  await shown.waitFor({ timeout: 1 });
}

/**
 * What every screen must be: one h1 and no skipped heading level, every control and image named, nothing wider
 * than the window. A function's source would be rewritten by the test's compiler, so the check is text.
 */
const SCREEN_PROBLEMS = `(() => {
  const problems = [];
  const shown = (element) => element.getClientRects().length > 0;
  const levels = [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")].filter(shown).map((h) => Number(h.tagName[1]));
  if (levels.filter((level) => level === 1).length !== 1 || levels[0] !== 1) problems.push("headings " + levels.join(" "));
  levels.forEach((level, i) => { if (i > 0 && level > levels[i - 1] + 1) problems.push("heading level skipped: " + levels.join(" ")); });
  for (const control of document.querySelectorAll("input, select, textarea")) {
    if (control.type !== "hidden" && control.labels.length === 0 && !control.getAttribute("aria-label")) problems.push("unlabelled " + control.outerHTML);
  }
  for (const control of document.querySelectorAll("button, a")) {
    if (shown(control) && control.innerText.trim() === "" && !control.getAttribute("aria-label")) problems.push("unnamed " + control.outerHTML);
  }
  for (const image of document.querySelectorAll("img")) if (!image.alt) problems.push("no alt text " + image.outerHTML.slice(0, 80));
  if (document.documentElement.scrollWidth > document.documentElement.clientWidth) problems.push("scrolls sideways: " + document.documentElement.scrollWidth + " px");
  return problems;
})()`;

/** axe-core's browser build, evaluated in the page (its CSP takes no inline script, and the audit is no page's). */
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
/** WCAG 2.2 AA: the level an NHS service must meet. */
const AXE_RUN = `axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] } })
  .then((results) => results.violations.map((violation) => violation.id + " (" + violation.impact + "): "
    + violation.nodes.map((node) => node.target.join(" ")).join(", ")))`;

/** The screen's WCAG 2.2 AA violations by axe-core, one line each: rule, impact and the elements at fault. */
async function accessibilityViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate("typeof window.axe === 'object'"))) await page.evaluate(AXE_SOURCE);
  return page.evaluate(AXE_RUN);
}

/** Checks the screen the page shows and saves a picture of it: the whole page, or only `area` when given. */
async function screen(page: Page, name: string, area?: Locator): Promise<void> {
  expect(await page.evaluate(SCREEN_PROBLEMS)).toEqual([]);
  expect(await accessibilityViolations(page), `axe on ${name}`).toEqual([]);
  const clip = area === undefined ? undefined : await area.boundingBox();
  await page.screenshot({
    path: `${SCREENSHOTS}/${name}.png`,
    fullPage: true,
    scale: "css",
    ...(clip ? { clip } : {}),
  });
}

/**
 * The error summary is shown, has the focus and links its one problem to the field at fault; the field's form
 * group is marked in error and holds the message, which is read with the field (or with its fieldset).
 */
async function problemSummary(page: Page, problem: string, field: string): Promise<void> {
  const summary = page.getByRole("alert").filter({ hasText: "There is a problem" });
  await summary.waitFor();
  expect(await summary.getByRole("link").getAttribute("href")).toBe(field);
  expect(await summary.getByRole("link").textContent()).toBe(problem);
  expect(await page.evaluate('document.activeElement.classList.contains("nhsuk-error-summary")')).toBe(true);
  const marked = page.locator(".nhsuk-form-group--error").filter({ has: page.locator(field) });
  expect(await marked.count()).toBe(1);
  const message = marked.locator(".nhsuk-error-message");
  expect(await message.textContent()).toBe(`Error: ${problem}`);
  const described = await page
    .locator(field)
    .evaluate((element) => (element.closest("fieldset") ?? element).getAttribute("aria-describedby") ?? "");
  expect(described.split(" ")).toContain(await message.getAttribute("id"));
}

/** The error summary says a problem that is no field's (the service refused the action), and has the focus. */
async function actionProblem(page: Page, problem: string | RegExp): Promise<void> {
  const summary = page.getByRole("alert").filter({ hasText: "There is a problem" });
  await summary.waitFor();
  await summary.getByText(problem).waitFor();
  expect(await page.evaluate('document.activeElement.classList.contains("nhsuk-error-summary")')).toBe(true);
}

/** No error summary and no field marked in error. */
async function noProblem(page: Page): Promise<void> {
  expect(await page.locator(".nhsuk-error-summary, .nhsuk-form-group--error").count()).toBe(0);
}

async function chooseTrust(portal: Page, search: string, name: string): Promise<void> {
  await portal.getByLabel("Organisation name").fill(search);
  await button(portal, "Search").click();
  await linkTo(portal, name).click();
  await heading(portal, name).waitFor();
}

/** Answers "Yes" to having an access key and waits for the QR code; returns its openid-vc:// link. */
async function openLoginQrCode(portal: Page): Promise<string> {
  await portal.getByRole("radio", { name: "Yes", exact: true }).check();
  await button(portal, "Continue").click();
  return qrLink(portal);
}

async function qrLink(portal: Page): Promise<string> {
  await portal.locator("img.qr").waitFor();
  return (await portal.locator("a[data-openid-link]").getAttribute("href")) ?? "";
}

/** Opens the link in the demo wallet page as that wallet, as the portal's demo link does. */
async function openInWallet(wallet: Page, walletId: string, link: string): Promise<void> {
  await wallet.goto(`${system.urls.verifiedId}/?wallet=${walletId}&request=${encodeURIComponent(link)}`);
  await wallet.getByRole("heading", { name: "is asking" }).waitFor();
}

async function shareInWallet(wallet: Page): Promise<void> {
  await button(wallet, "Share").click();
  await wallet
    .getByText("Your credentials were shared. You can return to the previous application.")
    .waitFor();
}

/** Logs in to the trust the portal shows, with the wallet's first fitting access key. */
async function logIn({ portal, wallet }: Journey, walletId: string, trustName: string): Promise<void> {
  await openInWallet(wallet, walletId, await openLoginQrCode(portal));
  await shareInWallet(wallet);
  await afterPolls(portal, portal.getByText(`You are logged in to ${trustName}.`, { exact: true }));
}

/** From the home screen: ticks exactly these credentials, confirms "Yes, connect to my wallet"; the link. */
async function shareQrCode(portal: Page, types: string[]): Promise<string> {
  await button(portal, "Credentials").click();
  await heading(portal, "Share credentials").waitFor();
  await tick(portal, types);
  await button(portal, "Continue").click();
  await portal.getByRole("checkbox", { name: "Yes, connect to my wallet" }).check();
  await button(portal, "Continue").click();
  return qrLink(portal);
}

async function tick(portal: Page, types: string[]): Promise<void> {
  for (const box of await portal.locator("input[name=credential]").all()) {
    await box.setChecked(types.includes((await box.getAttribute("value")) ?? ""));
  }
}

/** The items of a list, as text. */
const items = (list: Locator) => list.locator("li").allTextContents();

/** Runs `steps` with the service's clock moved on, as if that much time had passed; puts it back after. */
async function later<T>(ms: number, steps: () => Promise<T>): Promise<T> {
  const clock = services().clock;
  services().clock = () => new Date(Date.now() + ms);
  try {
    return await steps();
  } finally {
    services().clock = clock;
  }
}

const TITLE =
  CHROMIUM === undefined
    ? "the journey in a browser (skipped: no Chromium binary; install Debian's chromium or set CHROMIUM_PATH)"
    : "the journey in a browser, with no console error and no request outside the local stack";

if (CHROMIUM === undefined) console.warn(`Skipping ${TITLE}`);

// A busy machine can make a browser step take seconds; the journeys are long.
describe.skipIf(CHROMIUM === undefined)(TITLE, { timeout: 90_000 }, () => {
  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    // The desktop windows open while the system starts.
    const openBrowser = async () => {
      browser = await chromium.launch({ executablePath: CHROMIUM ?? "" });
      desktop = await openPair({ viewport: DESKTOP }, false);
    };
    [system] = await Promise.all([startTestSystem({ pages: true }), openBrowser()]);
  });
  afterEach(async () => {
    const finished = windows;
    windows = finished.filter((window) => !window.closeAfterTest);
    await Promise.all(
      finished.filter((window) => window.closeAfterTest).map(({ context }) => context.close()),
    );
    const consoleErrors = finished.flatMap((window) =>
      window.errors.filter((error) => !window.expectedErrors.some((expected) => expected.test(error))),
    );
    const outside = finished.flatMap((window) => window.outside);
    for (const window of windows) {
      window.errors = [];
      window.outside = [];
      window.expectedErrors = [];
    }
    expect({ consoleErrors, outside }).toEqual({ consoleErrors: [], outside: [] });
  });
  afterAll(async () => {
    await browser?.close();
    await system?.close();
    if (process.env.README_SCREENS === "1") {
      mkdirSync("docs/screens", { recursive: true });
      for (const name of README_SCREENS)
        copyFileSync(`${SCREENSHOTS}/${name}.png`, `docs/screens/${name}.png`);
    }
  });

  it("finds a trust by name and, for 'No', says to get an access key first", async () => {
    const { portal } = await journey();
    // Keyboard focus is visible: the first Tab lands on the search box, outlined.
    await portal.keyboard.press("Tab");
    const search = portal.getByLabel("Organisation name");
    expect(await portal.evaluate("document.activeElement.id")).toBe("search");
    expect(await portal.evaluate("getComputedStyle(document.activeElement).outlineStyle")).toBe("solid");

    await search.fill("Oxford");
    await button(portal, "Search").click();
    const results = portal.locator("#results");
    expect(await results.getAttribute("aria-live")).toBe("polite");
    await results.getByRole("heading", { name: "Select your organisation" }).waitFor();
    expect(await items(results.getByRole("list"))).toEqual([OXFORD]);
    await screen(portal, "01-choose-trust");

    await linkTo(portal, OXFORD).click();
    await heading(portal, OXFORD).waitFor();
    expect(await portal.getByRole("group").locator("legend").textContent()).toBe(
      "Do you already have an access key for this organisation?",
    );
    // No answer: the error summary says so, takes the focus and links to the first radio.
    await button(portal, "Continue").click();
    await problemSummary(portal, "Choose Yes or No.", "#has-key-yes");
    await screen(portal, "02-access-key-question-unanswered");
    await portal.getByRole("radio", { name: "No", exact: true }).check();
    await button(portal, "Continue").click();
    const noKey = portal.locator("#no-key");
    await noKey.waitFor();
    await noProblem(portal);
    expect(await noKey.getByRole("heading").textContent()).toBe("You need an access key first");
    expect(await noKey.textContent()).toContain(
      `You will need to get an access key for ${OXFORD} before you can share credentials with it.`,
    );
    // What the trust will send: the offer's link or QR code, and a PIN by another channel.
    expect(await items(noKey.locator("#what-you-get"))).toEqual([
      "a link, or a QR code, that adds the access key to your wallet app",
      "a PIN, separately, by text message, email or phone, which your wallet asks for",
    ]);
    expect(await portal.locator("#answer").getAttribute("aria-live")).toBe("polite");
    await screen(portal, "02-no-access-key");

    await linkTo(portal, "Choose another organisation").click();
    await heading(portal, "Which organisation do you want to share your credentials with?").waitFor();
  });

  it("walks to the login QR code with the keyboard alone, the focus on each new screen's heading", async () => {
    const { portal } = await journey();
    const focused = () => portal.evaluate("document.activeElement.textContent.trim()");
    const focusedTag = () => portal.evaluate("document.activeElement.tagName");
    /** Presses Tab until the focus is on `text`; at most `most` times. */
    const tabTo = async (text: string, most = 12) => {
      for (let presses = 0; presses < most && (await focused()) !== text; presses += 1)
        await portal.keyboard.press("Tab");
      expect(await focused()).toBe(text);
    };
    await portal.keyboard.press("Tab");
    expect(await portal.evaluate("document.activeElement.id")).toBe("search");
    await portal.keyboard.type("Oxford");
    await portal.keyboard.press("Enter");
    await linkTo(portal, OXFORD).waitFor();
    await tabTo(OXFORD);
    await portal.keyboard.press("Enter");
    await heading(portal, OXFORD).waitFor();
    expect([await focusedTag(), await focused()]).toEqual(["H1", OXFORD]);
    // Into the radios: Tab reaches "Yes", Space chooses it, Tab goes on to "Continue".
    await portal.keyboard.press("Tab");
    expect(await portal.evaluate("document.activeElement.id")).toBe("has-key-yes");
    await portal.keyboard.press("Space");
    expect(await portal.getByRole("radio", { name: "Yes", exact: true }).isChecked()).toBe(true);
    await tabTo("Continue");
    await portal.keyboard.press("Enter");
    await portal.locator("img.qr").waitFor();
    expect([await focusedTag(), await focused()]).toEqual(["H1", `Log in to ${OXFORD}`]);
    await screen(portal, "03-keyboard-login-qr-code");
  });

  it("shares with the keyboard alone: the error summary's link to the box, the summary's confirmation, the focus on each new screen's heading", async () => {
    const session = await journey();
    const { portal, wallet } = session;
    await chooseTrust(portal, "Oxford", OXFORD);
    await logIn(session, "demo", OXFORD);
    const focused = () => portal.evaluate("document.activeElement.textContent.trim()");
    const focusedId = () => portal.evaluate("document.activeElement.id");
    const focusedHeading = async () => [
      await portal.evaluate("document.activeElement.tagName"),
      await focused(),
    ];
    /** Presses Tab until `reached` says the focus is there; at most `most` times. */
    const tabUntil = async (what: string, reached: () => Promise<boolean>, most = 25) => {
      for (let presses = 0; presses < most && !(await reached()); presses += 1)
        await portal.keyboard.press("Tab");
      expect(await reached(), `Tab reaches ${what}`).toBe(true);
    };
    const onText = (text: string) => async () => (await focused()) === text;
    const onId = (id: string) => async () => (await focusedId()) === id;

    await tabUntil("Credentials", onText("Credentials"));
    await portal.keyboard.press("Enter");
    await heading(portal, "Share credentials").waitFor();
    expect(await focusedHeading()).toEqual(["H1", "Share credentials"]);
    // Continue with nothing ticked: the error summary takes the focus, and its link takes it on to the first box.
    await tick(portal, []);
    await tabUntil("Continue", onText("Continue"));
    await portal.keyboard.press("Enter");
    await problemSummary(
      portal,
      "Select at least one credential to share.",
      "#credential-StaffPassportIdentity",
    );
    await portal.keyboard.press("Tab");
    expect(await focused()).toBe("Select at least one credential to share.");
    await portal.keyboard.press("Enter");
    expect(await focusedId()).toBe("credential-StaffPassportIdentity");
    await portal.keyboard.press("Space");
    await tabUntil("DBS check", onId("credential-StaffPassportDbsCheck"));
    await portal.keyboard.press("Space");
    await tabUntil("Continue", onText("Continue"));
    await portal.keyboard.press("Enter");

    await heading(portal, "Check the credentials you are sharing").waitFor();
    expect(await focusedHeading()).toEqual(["H1", "Check the credentials you are sharing"]);
    expect(await items(portal.locator("#summary-list"))).toEqual(["Identity", "DBS check"]);
    await tabUntil("Yes, connect to my wallet", onId("connect"));
    await portal.keyboard.press("Space");
    await tabUntil("Continue", onText("Continue"));
    await portal.keyboard.press("Enter");
    const link = await qrLink(portal);
    expect(await focusedHeading()).toEqual(["H1", "Scan to share your credentials"]);

    // The phone shares; the confirmation's heading takes the focus, and the history is a Tab and Enter away.
    await openInWallet(wallet, "demo", link);
    await shareInWallet(wallet);
    await afterPolls(portal, portal.locator("#confirmation"));
    expect(await focusedHeading()).toEqual(["H1", "Credentials shared"]);
    await tabUntil("Your share history", onText("Your share history"));
    await portal.keyboard.press("Enter");
    await heading(portal, "Your share history").waitFor();
    expect(await focusedHeading()).toEqual(["H1", "Your share history"]);
    await screen(portal, "05-keyboard-share-history");
  });

  it("logs in with the access key the person picks in the wallet, the QR code's status following the wallet", async () => {
    const session = await journey();
    const { portal, wallet } = session;
    await chooseTrust(portal, "Oxford", OXFORD);
    const link = await openLoginQrCode(portal);
    expect(link).toMatch(/^openid-vc:\/\/\?request_uri=/);
    await heading(portal, `Log in to ${OXFORD}`).waitFor();
    // The status line is one live region, updated in place, so each change is announced.
    const status = await qrStatus(portal).elementHandle();
    expect(await status?.getAttribute("aria-live")).toBe("polite");
    expect(await status?.getAttribute("role")).toBe("status");
    expect(await status?.textContent()).toBe("Waiting for you to scan the QR code.");
    // On a wide screen the QR code is scanned with the phone: no green button.
    expect(await portal.locator("a.wallet-button").isVisible()).toBe(false);

    await openInWallet(wallet, "demo", link);
    const request = wallet.locator("#request");
    expect(await request.getByRole("heading", { level: 2 }).textContent()).toBe(`${OXFORD} is asking`);
    expect(await request.textContent()).toContain(`Log in to the ${OXFORD} staff passport portal`);
    // The demo wallet holds an access key for every seeded trust: it asks which one, offering this trust's.
    expect(await request.locator("legend").textContent()).toBe(
      "You hold 5 of these: which one do you want to present?",
    );
    expect(await request.getByRole("radio", { name: "Access key for RTH" }).isChecked()).toBe(true);
    await afterPolls(
      portal,
      statusReading(portal, "QR code scanned. Share your access key in Microsoft Authenticator."),
    );
    expect(await status?.evaluate((element) => element.isConnected)).toBe(true);
    await screen(portal, "03-login-qr-code");
    await screen(wallet, "04-wallet-choose-access-key", request);

    await shareInWallet(wallet);
    await afterPolls(portal, portal.getByText(`You are logged in to ${OXFORD}.`, { exact: true }));
    expect(await portal.getByRole("status").textContent()).toBe(`You are logged in to ${OXFORD}.`);
    await heading(portal, OXFORD).waitFor();
    await screen(portal, "05-logged-in");

    // The answered request's link again: the wallet cannot open it, and its error summary points at the link.
    session.walletWindow.expectedErrors.push(/status of 4\d\d \(.+\) at \S+\/wallet\/wallets\/demo\/scan$/);
    await wallet.getByLabel("Request link").fill(link);
    await button(wallet, "Open the request").click();
    const summaryLink = wallet.getByRole("alert").getByRole("link");
    await summaryLink.waitFor();
    const problem = (await summaryLink.textContent()) ?? "";
    expect(problem).toMatch(/^This request cannot be opened: .+\.$/);
    await problemSummary(wallet, problem, "#link");
    expect(await wallet.locator("#request").textContent()).toBe("");
    await screen(wallet, "04-wallet-request-cannot-be-opened");
  });

  it("shares the selected credentials after the summary, then shows them in the history and at the trust", async () => {
    const session = await journey();
    const { portal, wallet } = session;
    await chooseTrust(portal, "Oxford", OXFORD);
    await logIn(session, "demo", OXFORD);

    await button(portal, "Credentials").click();
    await portal.getByText(`Select the credentials to share with ${OXFORD}`).waitFor();
    expect(await portal.getByRole("checkbox").count()).toBe(7);
    await screen(portal, "06-credentials");
    // Nothing ticked: the list says so and stays.
    await tick(portal, []);
    await button(portal, "Continue").click();
    await problemSummary(
      portal,
      "Select at least one credential to share.",
      "#credential-StaffPassportIdentity",
    );
    await tick(portal, ["StaffPassportIdentity", "StaffPassportDbsCheck"]);
    await button(portal, "Continue").click();

    await heading(portal, "Check the credentials you are sharing").waitFor();
    expect(await items(portal.locator("#summary-list"))).toEqual(["Identity", "DBS check"]);
    // "Continue" without "Yes, connect to my wallet" stays on the summary and says why.
    await button(portal, "Continue").click();
    await problemSummary(portal, "Choose 'Yes, connect to my wallet' to go on.", "#connect");
    await portal.getByRole("checkbox", { name: "Yes, connect to my wallet" }).check();
    await screen(portal, "07-summary");
    await button(portal, "Continue").click();
    const link = await qrLink(portal);
    await heading(portal, "Scan to share your credentials").waitFor();
    expect(await qrStatus(portal).textContent()).toBe("Waiting for you to scan the QR code.");
    expect(await items(portal.locator("#sharing-list"))).toEqual(["Identity", "DBS check"]);

    await openInWallet(wallet, "demo", link);
    expect(await wallet.locator("#requested li > strong").allTextContents()).toEqual([
      "Identity",
      "DBS check",
    ]);
    await afterPolls(
      portal,
      statusReading(portal, "QR code scanned. Choose Share in Microsoft Authenticator."),
    );
    await shareInWallet(wallet);
    const confirmation = portal.locator("#confirmation");
    await afterPolls(portal, confirmation);
    await heading(portal, "Credentials shared").waitFor();
    expect(await confirmation.getByRole("status").textContent()).toBe(
      `The listed credentials have been shared with ${OXFORD}.`,
    );
    expect(await items(confirmation.getByRole("list"))).toEqual(["Identity", "DBS check"]);
    await screen(portal, "08-shared");

    await linkTo(portal, "Your share history").click();
    await heading(portal, "Your share history").waitFor();
    const newest = portal.locator("#history tbody tr").first();
    expect(await newest.locator("td").allInnerTexts()).toEqual([
      expect.any(String),
      OXFORD,
      "shared",
      "Identity, DBS check",
    ]);
    await screen(portal, "09-history");

    // The second window turns into the trust's HR system (a new window would cost a browser process).
    const trust = wallet;
    await trust.goto(`${system.urls.demoTrust}/`);
    const event = trust
      .locator("article")
      .filter({ hasText: "Identity" })
      .filter({ hasText: "DBS check" })
      .last();
    await event.waitFor({ timeout: 20_000 });
    expect(await event.textContent()).toContain("Signature verified against the service's keys");
    expect(await event.getByRole("heading").textContent()).toMatch(/^Event \d+: Credentials shared for RTH$/);
    await screen(trust, "10-trust-events");
  });

  it("meets 'credential not available': the wallet names it, the portal explains, the person deselects it and shares the rest", async () => {
    const session = await journey();
    const { portal, wallet } = session;
    await chooseTrust(portal, "Oxford", OXFORD);
    await logIn(session, "partial", OXFORD);
    const link = await shareQrCode(portal, ["StaffPassportIdentity", "StaffPassportOccupationalHealth"]);

    // The wallet knows what it lacks and names it, in the words of the portal's list; Share cannot be chosen.
    await openInWallet(wallet, "partial", link);
    expect(await wallet.locator("#not-available").textContent()).toBe(
      "Credential not available: Occupational health. This wallet cannot share the request while it is " +
        "missing. Cancel, go back to the portal, deselect Occupational health and share the rest.",
    );
    expect(await button(wallet, "Share").isDisabled()).toBe(true);
    await screen(wallet, "11-wallet-credential-not-available", wallet.locator("#request"));
    await button(wallet, "Cancel").click();
    await wallet.getByText("Nothing was shared.", { exact: false }).waitFor();

    // The service hears nothing: the share stays scanned. Once it has for a while, the portal explains.
    await afterPolls(
      portal,
      statusReading(portal, "QR code scanned. Choose Share in Microsoft Authenticator."),
    );
    await portal.clock.fastForward(STALLED_MS);
    await afterPolls(
      portal,
      statusReading(
        portal,
        "Your wallet has not shared the credentials. If it says a credential is not available, it cannot " +
          "present one of those listed below: cancel in the wallet, choose Change what I share, deselect the " +
          "credential your wallet named and share the rest.",
      ),
    );
    expect(await items(portal.locator("#sharing-list"))).toEqual(["Identity", "Occupational health"]);
    await screen(portal, "12-share-not-presented");

    await button(portal, "Change what I share").click();
    await portal
      .getByText(
        "That share was cancelled. Deselect the credential your wallet said is not available, then continue to share the rest.",
      )
      .waitFor();
    await screen(portal, "13-change-what-i-share");
    // The previous selection is kept, so the person only deselects the missing one.
    const occupationalHealth = portal.locator("#credential-StaffPassportOccupationalHealth");
    expect(await occupationalHealth.isChecked()).toBe(true);
    expect(await portal.locator("#credential-StaffPassportIdentity").isChecked()).toBe(true);
    await occupationalHealth.uncheck();
    await button(portal, "Continue").click();
    expect(await items(portal.locator("#summary-list"))).toEqual(["Identity"]);
    await portal.getByRole("checkbox", { name: "Yes, connect to my wallet" }).check();
    await button(portal, "Continue").click();

    await openInWallet(wallet, "partial", await qrLink(portal));
    expect(await wallet.locator("#not-available").count()).toBe(0);
    await shareInWallet(wallet);
    const confirmation = portal.locator("#confirmation");
    await afterPolls(portal, confirmation);
    expect(await items(confirmation.getByRole("list"))).toEqual(["Identity"]);

    await linkTo(portal, "Your share history").click();
    const rows = portal.locator("#history tbody tr");
    await rows.first().waitFor();
    expect(await rows.nth(0).locator("td").allInnerTexts()).toEqual([
      expect.any(String),
      OXFORD,
      "shared",
      "Identity",
    ]);
    expect(await rows.nth(1).locator("td").allInnerTexts()).toEqual([
      expect.any(String),
      OXFORD,
      "cancelled",
      "Identity, Occupational health",
    ]);
  });

  it("goes to a different organisation: another trust's access key is refused with a clear message, its own logs in and shares", async () => {
    const session = await journey();
    const { portal, wallet } = session;
    await chooseTrust(portal, "Oxford", OXFORD);
    await logIn(session, "demo", OXFORD);
    await linkTo(portal, "Go to a different organisation").click();
    await chooseTrust(portal, "Manchester", MANCHESTER);

    await openInWallet(wallet, "demo", await openLoginQrCode(portal));
    await wallet.getByRole("radio", { name: "Access key for RTH" }).check();
    await shareInWallet(wallet);
    await afterPolls(
      portal,
      statusReading(
        portal,
        `This access key is for another organisation. Choose your access key for ${MANCHESTER} in your wallet.`,
      ),
    );
    expect(await portal.locator("img.qr").count()).toBe(0);
    await screen(portal, "14-another-trusts-key");

    await button(portal, "Try again").click();
    await openInWallet(wallet, "demo", await qrLink(portal));
    expect(await wallet.getByRole("radio", { name: "Access key for R0A" }).isChecked()).toBe(true);
    await shareInWallet(wallet);
    await afterPolls(portal, portal.getByText(`You are logged in to ${MANCHESTER}.`, { exact: true }));

    await openInWallet(wallet, "demo", await shareQrCode(portal, ["StaffPassportRightToWork"]));
    await shareInWallet(wallet);
    await afterPolls(portal, portal.locator("#confirmation"));
    expect(await portal.locator("#confirmation").getByRole("status").textContent()).toBe(
      `The listed credentials have been shared with ${MANCHESTER}.`,
    );
    await linkTo(portal, "Your share history").click();
    const newest = portal.locator("#history tbody tr").first();
    await newest.waitFor();
    expect(await newest.locator("td").allInnerTexts()).toEqual([
      expect.any(String),
      MANCHESTER,
      "shared",
      "Right to work",
    ]);
  });

  it("reads at 375 px without sideways scrolling, with the green button that opens the wallet link", async () => {
    const session = await journey({ viewport: PHONE, isMobile: true, hasTouch: true });
    const phone = session.portal;
    await chooseTrust(phone, "Oxford", OXFORD);
    await screen(phone, "15-phone-access-key-question");
    const link = await openLoginQrCode(phone);
    const open = phone.getByRole("link", { name: "Open Microsoft Authenticator" });
    expect(await open.isVisible()).toBe(true);
    expect(await open.getAttribute("href")).toBe(link);
    expect(
      await phone.evaluate('getComputedStyle(document.querySelector("a.wallet-button")).backgroundColor'),
    ).toBe("rgb(0, 127, 59)");
    await screen(phone, "16-phone-qr-code");

    // The wallet page and the portal's later screens fit the phone too.
    await openInWallet(session.wallet, "demo", link);
    await screen(session.wallet, "17-phone-wallet");
    await shareInWallet(session.wallet);
    await afterPolls(phone, phone.getByText(`You are logged in to ${OXFORD}.`, { exact: true }));
    await button(phone, "Credentials").click();
    await heading(phone, "Share credentials").waitFor();
    await screen(phone, "18-phone-credentials");
    await button(phone, "Back").click();
    await linkTo(phone, "Your share history").click();
    await heading(phone, "Your share history").waitFor();
    await screen(phone, "19-phone-history");
  });

  it("says when the login QR code has expired and gives a new one on request", async () => {
    const { portal } = await journey();
    await chooseTrust(portal, "Oxford", OXFORD);
    const first = await openLoginQrCode(portal);
    // The service's clock moves past the login's expiry; the portal's next poll sees "expired".
    await later(PAST_QR_EXPIRY_MS, () =>
      afterPolls(portal, statusReading(portal, "This QR code has expired.")),
    );
    expect(await portal.locator("img.qr").count()).toBe(0);
    expect(await portal.locator("a.wallet-button").count()).toBe(0);
    await screen(portal, "20-login-qr-code-expired");

    await button(portal, "Get a new QR code").click();
    const second = await qrLink(portal);
    expect(second).toMatch(/^openid-vc:\/\//);
    expect(second).not.toBe(first);
    expect(await qrStatus(portal).textContent()).toBe("Waiting for you to scan the QR code.");
  });

  it("says when the share QR code has expired and gives a new one for the same credentials", async () => {
    const session = await journey();
    const { portal, wallet } = session;
    await chooseTrust(portal, "Oxford", OXFORD);
    await logIn(session, "demo", OXFORD);
    const first = await shareQrCode(portal, ["StaffPassportProfessionalRegistration"]);
    await later(PAST_QR_EXPIRY_MS, () =>
      afterPolls(portal, statusReading(portal, "This QR code has expired.")),
    );
    expect(await portal.locator("img.qr").count()).toBe(0);
    await screen(portal, "21-share-qr-code-expired");

    await button(portal, "Get a new QR code").click();
    const second = await qrLink(portal);
    expect(second).not.toBe(first);
    expect(await items(portal.locator("#sharing-list"))).toEqual(["Professional registration"]);
    await openInWallet(wallet, "demo", second);
    await shareInWallet(wallet);
    await afterPolls(portal, portal.locator("#confirmation"));
    expect(await items(portal.locator("#confirmation ul"))).toEqual(["Professional registration"]);
  });

  it("takes the person back to the login QR code when the service refuses the session (401)", async () => {
    const session = await journey();
    const { portal, wallet, portalWindow } = session;
    await chooseTrust(portal, "Oxford", OXFORD);
    await logIn(session, "demo", OXFORD);
    // The browser reports the refused request itself; that is the one error this test expects.
    portalWindow.expectedErrors.push(/the server responded with a status of 401/);
    // The home screen's own request (the trust's open requests) must be answered before the clock moves, or it is
    // the one refused, and the screen changes under the click below.
    await portal.waitForLoadState("networkidle");

    // The session token outlives its 15 minutes: the history is refused and the login QR code is back.
    await later(PAST_SESSION_EXPIRY_MS, async () => {
      await linkTo(portal, "Your share history").click();
      await heading(portal, `Log in to ${OXFORD}`).waitFor();
    });
    expect(await portal.locator("#notice").textContent()).toBe(
      "Your session has ended. Scan the QR code to log in again with your access key.",
    );
    expect(await qrStatus(portal).textContent()).toBe("Waiting for you to scan the QR code.");
    await screen(portal, "22-session-ended");

    await openInWallet(wallet, "demo", await qrLink(portal));
    await shareInWallet(wallet);
    await afterPolls(portal, portal.getByText(`You are logged in to ${OXFORD}.`, { exact: true }));
    await linkTo(portal, "Your share history").click();
    await heading(portal, "Your share history").waitFor();
  });
  it("lets the trust ask for two credentials, which the person shares pre-ticked; shows its decisions in the portal, and a decline at the trust", async () => {
    // The second window is the trust's HR system, and the person's wallet when it is time to share.
    const session = await journey();
    const { portal, wallet } = session;
    const trust = wallet;
    const openTrustPage = async () => {
      await trust.goto(`${system.urls.demoTrust}/`);
      await heading(trust, TRUST_PAGE).waitFor();
    };
    const ask = async (types: string[], message: string): Promise<string> => {
      await trust.getByLabel("Trust id").fill("RTH");
      await trust.getByLabel("Staff id").fill(OXFORD_STAFF_ID);
      for (const name of types) await trust.getByRole("checkbox", { name, exact: true }).check();
      await trust.getByLabel("Message (optional)").fill(message);
      await button(trust, "Send the request").click();
      const sent = trust.locator("#request-result").getByText(/^Request \S+ sent\.$/);
      await sent.waitFor();
      const requestId = /^Request (\S+) sent\.$/.exec((await sent.textContent()) ?? "")?.[1] ?? "";
      // The page's form is ready for the next one; its boxes are cleared by a reload.
      await openTrustPage();
      return requestId;
    };
    const requestAtTrust = (requestId: string) => trust.locator(`li[data-request-id="${requestId}"]`);

    await openTrustPage();
    expect(await trust.locator("#request-result").getAttribute("aria-live")).toBe("polite");
    // Nothing ticked: the page says so and asks nothing.
    await trust.getByLabel("Trust id").fill("RTH");
    await trust.getByLabel("Staff id").fill(OXFORD_STAFF_ID);
    await button(trust, "Send the request").click();
    await problemSummary(trust, "Tick at least one credential to ask for.", "#ask-StaffPassportIdentity");
    await screen(trust, "23-trust-request-unticked");
    await openTrustPage();
    const wanted = await ask(["Identity", "DBS check"], "For your new post on ward 7");
    const declined = await ask(["Right to work"], "We still need your right to work");
    await requestAtTrust(wanted).getByText("Status: open").waitFor();
    await screen(trust, "23-trust-request");

    // The person logs in and sees both requests, newest first, each with Share these and Decline.
    await chooseTrust(portal, "Oxford", OXFORD);
    await logIn(session, "demo", OXFORD);
    const requests = portal.locator("#request-list > li");
    await requests.first().waitFor();
    expect(await portal.locator("#requests").getAttribute("aria-live")).toBe("polite");
    expect(await requests.count()).toBe(2);
    expect(await items(requests.nth(0).locator("ul"))).toEqual(["Right to work"]);
    expect(await items(requests.nth(1).locator("ul"))).toEqual(["Identity", "DBS check"]);
    expect(await requests.nth(1).textContent()).toContain("Message: For your new post on ward 7");
    await screen(portal, "24-portal-requests");

    // Answering opens the list with exactly the requested credentials ticked.
    await button(portal, "Share these").nth(1).click();
    await heading(portal, "Share credentials").waitFor();
    const ticked = portal.locator("input[name=credential]:checked");
    expect(await ticked.evaluateAll((boxes) => boxes.map((box) => box.getAttribute("value")))).toEqual([
      "StaffPassportIdentity",
      "StaffPassportDbsCheck",
    ]);
    await screen(portal, "25-answering-request");
    await button(portal, "Continue").click();
    await portal.getByText(/^This answers its request of /).waitFor();
    await portal.getByRole("checkbox", { name: "Yes, connect to my wallet" }).check();
    await button(portal, "Continue").click();
    await openInWallet(wallet, "demo", await qrLink(portal));
    await shareInWallet(wallet);
    await afterPolls(portal, portal.locator("#confirmation"));
    expect(await items(portal.locator("#confirmation ul"))).toEqual(["Identity", "DBS check"]);

    // The trust receives the share answering its request, accepts one credential and rejects the other.
    await openTrustPage();
    await requestAtTrust(wanted)
      .getByText(/^Status: fulfilled by share /)
      .waitFor({ timeout: 20_000 });
    const event = trust.locator("article").filter({ hasText: `Answers request ${wanted}` });
    await event.waitFor({ timeout: 20_000 });
    const credential = (name: string) => event.locator("li.credential").filter({ hasText: name });
    await button(credential("Identity"), "Accept").click();
    await credential("Identity")
      .getByText(/^Accepted on /)
      .waitFor();
    await button(credential("DBS check"), "Reject").click();
    const reason = credential("DBS check").getByLabel("Reason for rejecting DBS check");
    expect(await trust.evaluate("document.activeElement.id")).toBe(await reason.getAttribute("id"));
    // A rejection needs a reason.
    await button(credential("DBS check"), "Reject").click();
    await problemSummary(trust, "Give the reason for rejecting it.", `#${await reason.getAttribute("id")}`);
    await reason.fill("The certificate is older than three years");
    await button(credential("DBS check"), "Reject").click();
    await credential("DBS check")
      .getByText(/^Rejected on .+\. Reason: The certificate is older than three years$/)
      .waitFor();
    expect(await credential("Identity").getByRole("button").count()).toBe(0);
    await screen(trust, "26-trust-decisions");

    // The portal's history shows both decisions, the rejection with its reason.
    await linkTo(portal, "Your share history").click();
    await heading(portal, "Your share history").waitFor();
    const newest = portal.locator("#history tbody tr").first();
    expect(await items(newest.locator("ul.decisions"))).toEqual([
      expect.stringMatching(/^Identity: accepted on /),
      expect.stringMatching(
        /^DBS check: rejected on .+\. Reason: The certificate is older than three years$/,
      ),
    ]);
    await screen(portal, "27-history-decisions", portal.locator("#history"));

    // The other request: declining asks for the reason, which reaches the trust as a declined event.
    await linkTo(portal, "Back to the start").click();
    await requests.first().waitFor();
    expect(await requests.count()).toBe(1);
    await button(portal, "Decline").click();
    await heading(portal, "Decline the request").waitFor();
    expect(await items(portal.locator("#declining-list"))).toEqual(["Right to work"]);
    await button(portal, "Decline the request").click();
    await problemSummary(portal, "Say why you are declining, in at most 500 characters.", "#reason");
    await portal.getByLabel("Why are you declining?").fill("I gave it at my last post; please ask them");
    await screen(portal, "28-decline-request");
    await button(portal, "Decline the request").click();
    await portal.getByText(`You declined the request. ${OXFORD} is told your reason.`).waitFor();
    await portal.locator("#requests").getByText("asks you for credentials").waitFor({ state: "detached" });
    expect(await requests.count()).toBe(0);

    await openTrustPage();
    const declinedEvent = trust.locator("article").filter({ hasText: `Request ${declined}` });
    await declinedEvent.waitFor({ timeout: 20_000 });
    expect(await declinedEvent.getByRole("heading").textContent()).toMatch(
      /^Event \d+: Request declined for RTH$/,
    );
    expect(await declinedEvent.textContent()).toContain("Signature verified against the service's keys");
    expect(await declinedEvent.textContent()).toContain(`Request declined by staff ${OXFORD_STAFF_ID} at `);
    expect(await declinedEvent.textContent()).toContain("Reason: I gave it at my last post; please ask them");
    await requestAtTrust(declined)
      .getByText("Status: declined. Reason: I gave it at my last post; please ask them")
      .waitFor();

    // The trust's page fits a phone too.
    await trust.setViewportSize(PHONE);
    try {
      await screen(trust, "29-phone-trust");
    } finally {
      await trust.setViewportSize(DESKTOP);
    }
  });

  it("logs in and shares with a standard wallet over OpenID4VP where the trust takes both kinds", async () => {
    const session = await journey();
    const { portal, wallet } = session;
    await chooseTrust(portal, "RJ1", GUYS);
    await portal.getByRole("radio", { name: "Yes", exact: true }).check();
    await portal.getByRole("radio", { name: "Another wallet (OpenID4VP)", exact: true }).check();
    await screen(portal, "30-choose-wallet");
    await button(portal, "Continue").click();
    const loginLink = await qrLink(portal);
    expect(loginLink).toMatch(/^openid4vp:\/\/\?client_id=x509_hash%3A/);

    await openInWallet(wallet, "demo", loginLink);
    const request = wallet.locator("#request");
    expect(await request.locator("#protocol").textContent()).toContain("OpenID4VP");
    expect(await request.getByRole("radio", { name: "Access key for RJ1" }).isChecked()).toBe(true);
    await afterPolls(
      portal,
      statusReading(portal, "QR code scanned. Share your access key in your wallet app."),
    );
    await screen(wallet, "31-wallet-openid4vp-login", request);
    await shareInWallet(wallet);
    await afterPolls(portal, portal.getByText(`You are logged in to ${GUYS}.`, { exact: true }));

    const shareLink = await shareQrCode(portal, ["StaffPassportIdentity", "StaffPassportDbsCheck"]);
    expect(shareLink).toMatch(/^openid4vp:\/\//);
    await openInWallet(wallet, "demo", shareLink);
    // The access key (binding the share to the login's wallet) comes first, offered among the five held.
    expect(await wallet.locator("#requested legend").textContent()).toBe(
      "You hold 5 of these: which one do you want to present?",
    );
    expect(await wallet.locator("#requested li > strong").allTextContents()).toEqual([
      "Identity",
      "DBS check",
    ]);
    // Each credential shares only the claims the trust needs, and says which: the access key only its trust.
    expect(await wallet.locator("#requested .disclosed").allTextContents()).toEqual([
      "Shares only: trustId",
      "Shares only: givenName, familyName, dateOfBirth, verificationMethod",
      expect.stringMatching(/^Shares only: /),
    ]);
    await shareInWallet(wallet);
    const confirmation = portal.locator("#confirmation");
    await afterPolls(portal, confirmation);
    await heading(portal, "Credentials shared").waitFor();
    expect(await items(confirmation.getByRole("list"))).toEqual(["Identity", "DBS check"]);
    await screen(portal, "32-openid4vp-shared");
  });
  it("lets the trust issue an access key, which the person adds with its PIN and logs in with, until the trust revokes it", async () => {
    // The second window is the trust's HR system, and the person's phone when it is time to add or present.
    const session = await journey();
    const { portal, wallet } = session;
    const trust = wallet;
    const staffId = `RRK-${Date.now()}`;
    const openTrustPage = async () => {
      await trust.goto(`${system.urls.demoTrust}/`);
      await heading(trust, TRUST_PAGE).waitFor();
    };
    const keyAtTrust = () => trust.locator("li.access-key").filter({ hasText: `staff ${staffId}:` });

    await openTrustPage();
    // Nothing filled in: the service refuses, and the page says so in its error summary, which takes the focus.
    session.walletWindow.expectedErrors.push(/status of 400 \(Bad Request\) at \S+\/control\/access-key$/);
    await button(trust, "Issue an access key").click();
    await actionProblem(trust, /^The service answered 400: /);
    await trust.getByLabel("Issuing trust").fill("RRK");
    await trust.getByLabel("Staff number").fill(staffId);
    await trust.getByLabel("Given name").fill("Mary");
    await trust.getByLabel("Family name").fill("Seacole");
    await trust.getByLabel("Job title").fill("Staff Nurse");
    await button(trust, "Issue an access key").click();
    const offer = trust.locator("#offer");
    await offer.waitFor();
    await noProblem(trust);
    const link = (await offer.locator("#offer-link").textContent()) ?? "";
    const pin = (await offer.locator("#offer-pin").textContent()) ?? "";
    expect(link).toMatch(/^openid-vc:\/\/\?request_uri=/);
    expect(pin).toMatch(/^\d{4,16}$/);
    expect(await offer.getByRole("img", { name: "QR code of the access key offer" }).isVisible()).toBe(true);
    await keyAtTrust()
      .getByText(/^Status: offered until /)
      .waitFor();
    await screen(trust, "33-trust-issue-access-key");

    // The person opens the offer in a wallet without a key for RRK; a wrong PIN says how many tries are left.
    await wallet.goto(`${system.urls.verifiedId}/?wallet=partial&request=${encodeURIComponent(link)}`);
    const request = wallet.locator("#request");
    await request.getByRole("heading", { name: "offers you a credential" }).waitFor();
    expect(await request.textContent()).toContain("Access key");
    // The simulator answers a wrong PIN 400 pinInvalid, which the browser logs.
    session.walletWindow.expectedErrors.push(
      /status of 400 \(Bad Request\) at \S+\/wallet\/wallets\/partial\/accept$/,
    );
    const wrong = pin.startsWith("0") ? `1${pin.slice(1)}` : `0${pin.slice(1)}`;
    await wallet.getByLabel("PIN", { exact: true }).fill(wrong);
    await button(wallet, "Add to wallet").click();
    await problemSummary(wallet, "The PIN is not right. 4 tries left.", "#pin");
    await screen(wallet, "34-wallet-access-key-pin", request);
    await wallet.getByLabel("PIN", { exact: true }).fill(pin);
    await button(wallet, "Add to wallet").click();
    await request.getByRole("heading", { name: "Added to your wallet" }).waitFor();
    expect(await wallet.locator("#held").textContent()).toContain("Access key: Access key for RRK");

    await openTrustPage();
    await keyAtTrust()
      .getByText(/^Status: issued on /)
      .waitFor();

    // The person logs in to Birmingham with the key just added.
    await chooseTrust(portal, "Birmingham", BIRMINGHAM);
    await logIn(session, "partial", BIRMINGHAM);

    // The trust revokes it; the next login with it is refused, and the person is told why.
    await openTrustPage();
    await keyAtTrust()
      .getByRole("button", { name: `Revoke the access key of RRK staff ${staffId}` })
      .click();
    await keyAtTrust()
      .getByText(/^Status: revoked on /)
      .waitFor();
    await screen(trust, "35-trust-revoked-access-key");
    await linkTo(portal, "Go to a different organisation").click();
    await chooseTrust(portal, "Birmingham", BIRMINGHAM);
    await openInWallet(wallet, "partial", await openLoginQrCode(portal));
    // The wallet still holds it, marked revoked, and presents it as Authenticator would.
    expect(await wallet.locator("#held").textContent()).toContain("Access key: Access key for RRK (revoked)");
    await shareInWallet(wallet);
    const refused = `${BIRMINGHAM} has revoked this access key. Ask its staff passport or HR team for a new one.`;
    await afterPolls(portal, statusReading(portal, refused));
    await screen(portal, "36-access-key-revoked");
  });

  it("shows a pushed event's trace at the trust as a waterfall, from the portal's request to the push", async () => {
    const session = await journey();
    const { portal, wallet } = session;
    // The events the demo trust holds already: the share's is the first new one for RTH.
    const before = system.demoTrust.received().length;
    await chooseTrust(portal, "Oxford", OXFORD);
    await logIn(session, "demo", OXFORD);
    await openInWallet(wallet, "demo", await shareQrCode(portal, ["StaffPassportIdentity"]));
    await shareInWallet(wallet);
    await afterPolls(portal, portal.locator("#confirmation"));

    const trust = wallet;
    await trust.goto(`${system.urls.demoTrust}/`);
    await heading(trust, TRUST_PAGE).waitFor();
    const event = trust
      .locator(`#events article:nth-of-type(n+${before + 1})`)
      .filter({ hasText: "Credentials shared for RTH" })
      .first();
    await event.waitFor({ timeout: 20_000 });
    await event.getByText("Show the share's trace", { exact: true }).click();
    const rows = event.getByRole("table").locator("tbody tr");
    const names = () => rows.locator(".span-name").allTextContents();
    // The consumer's spans end after the push is answered: load the trace again until the push is in it.
    const push = rows.locator(".span-name").getByText("POST push", { exact: true });
    for (let attempt = 0; attempt < 40 && !(await push.isVisible()); attempt += 1) {
      await button(event, "Load the trace again").click();
      await push.waitFor({ timeout: 250 }).catch(() => {});
    }
    const shown = await names();
    expect(shown[0]).toBe("POST /api/shares");
    expect(shown).toEqual(expect.arrayContaining(["share callback", "send share-events", "POST push"]));
    expect(await rows.locator("td.service").allTextContents()).toEqual(
      expect.arrayContaining(["startShare", "deliverShareEvent"]),
    );
    const durations = await rows.locator("td.duration").allTextContents();
    expect(durations).toHaveLength(shown.length);
    for (const duration of durations) expect(duration).toMatch(/^\d+\.\d ms$/);
    // Each bar repeats its row's text, so screen readers skip it.
    expect(await rows.locator(".track[aria-hidden=true]").count()).toBe(shown.length);
    // The area's box is read relative to the window, and the picture is of the whole page: from its top they agree.
    await trust.evaluate("window.scrollTo(0, 0)");
    await screen(trust, "37-trust-trace-waterfall", event);
    await trust.setViewportSize(PHONE);
    try {
      expect(await trust.evaluate(SCREEN_PROBLEMS)).toEqual([]);
    } finally {
      await trust.setViewportSize(DESKTOP);
    }
  });

  it("downloads a shared share's signed receipt from the history, which verifies with the service's JWKS, and the person's data from the home screen", async () => {
    const session = await journey();
    const { portal, wallet } = session;
    await chooseTrust(portal, "Oxford", OXFORD);
    await logIn(session, "demo", OXFORD);
    await openInWallet(
      wallet,
      "demo",
      await shareQrCode(portal, ["StaffPassportIdentity", "StaffPassportDbsCheck"]),
    );
    await shareInWallet(wallet);
    await afterPolls(portal, portal.locator("#confirmation"));

    await linkTo(portal, "Your share history").click();
    await heading(portal, "Your share history").waitFor();
    const newest = portal.locator("#history tbody tr").first();
    const receiptButton = newest.getByRole("link", { name: /^Download receipt/ });
    expect(await receiptButton.textContent()).toBe("Download receipt");
    await screen(portal, "38-history-receipt");
    const [download] = await Promise.all([portal.waitForEvent("download"), receiptButton.click()]);
    const chunks: Buffer[] = [];
    for await (const chunk of await download.createReadStream()) chunks.push(Buffer.from(chunk));
    const receipt = Buffer.concat(chunks).toString("utf8");

    // Anyone can check it: jose against the JWKS the service publishes, as its explicit type.
    const jwks = (await (
      await fetch(`${system.urls.host}/api/.well-known/jwks.json`)
    ).json()) as JSONWebKeySet;
    const { payload } = await jwtVerify(receipt, createLocalJWKSet(jwks), {
      typ: "share-receipt+jwt",
      algorithms: ["ES256"],
    });
    expect(payload).toMatchObject({
      trust_id: "RTH",
      credential_types: ["StaffPassportIdentity", "StaffPassportDbsCheck"],
    });
    // It is the receipt of the share the row shows: the person's newest, saved under that share's id.
    const [latest] = await services().shares.history(String(payload.sub), { limit: 1 });
    expect(payload.share_id).toBe(latest?.id);
    expect(download.suggestedFilename()).toBe(`receipt-${latest?.id}.jwt`);
    await noProblem(portal);

    // From the home screen, everything the service holds about the person, as one JSON file.
    await linkTo(portal, "Back to the start").click();
    await heading(portal, OXFORD).waitFor();
    const [exported] = await Promise.all([
      portal.waitForEvent("download"),
      button(portal, "Download your data").click(),
    ]);
    expect(exported.suggestedFilename()).toBe("staff-passport-export.json");
    const parts: Buffer[] = [];
    for await (const chunk of await exported.createReadStream()) parts.push(Buffer.from(chunk));
    const data = JSON.parse(Buffer.concat(parts).toString("utf8")) as {
      subject: string;
      shares: { shareId: string }[];
      auditEntries: { action: string; shareId?: string }[];
    };
    expect(data.subject).toBe(payload.sub);
    expect(data.shares.map((share) => share.shareId)).toContain(latest?.id);
    expect(data.auditEntries).toContainEqual(
      expect.objectContaining({ action: "share.shared", shareId: latest?.id }),
    );
    await noProblem(portal);
  });
});
