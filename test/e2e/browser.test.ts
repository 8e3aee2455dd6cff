// The seed user guide's journey in a real browser: headless Chromium drives the demo portal, the demo wallet
// page and the demo trust's page against the whole local system. Skipped when no Chromium binary is found
// (.ci/run installs Debian's `chromium`). Screenshots of each screen go to .local/screenshots (git-ignored).
import { copyFileSync, mkdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalSystem } from "../../local/system.js";
import { services } from "../../src/composition.js";
import { Browser, findChromium, type Page } from "../support/browser.js";
import { startTestSystem } from "../support/system.js";

const CHROMIUM = findChromium();
const SCREENSHOTS = ".local/screenshots";
const OXFORD = "Oxford University Hospitals NHS Foundation Trust";
const MANCHESTER = "Manchester University NHS Foundation Trust";
const DESKTOP = { width: 1024, height: 900 };
const PHONE = { width: 375, height: 800 };

let system: LocalSystem;
let browser: Browser;
let portal: Page;
let wallet: Page;
const pages: Page[] = [];

/** The screens README shows; `README_SCREENS=1` copies them to docs/screens after a run. */
const README_SCREENS = [
  "3-login-qr-code",
  "4-wallet-choose-access-key",
  "8-shared",
  "11-wallet-credential-not-available",
  "14-phone-qr-code",
];

const shot = (page: Page, name: string) => page.screenshot(`${SCREENSHOTS}/${name}.png`);

/** Searches the portal for a trust and selects it. */
async function chooseTrust(search: string, name: string): Promise<void> {
  await portal.fill("#search", search);
  await portal.click('form button[type="submit"]');
  await portal.clickText(name);
  await portal.waitFor(`document.querySelector("h1")?.innerText === ${JSON.stringify(name)}`);
}

/** Answers "Yes" to having an access key and waits for the QR code; returns its openid-vc:// link. */
async function openLoginQrCode(): Promise<string> {
  await portal.click("#has-key-yes");
  await portal.click('form button[type="submit"]');
  return qrLink();
}

async function qrLink(): Promise<string> {
  await portal.waitFor('document.querySelector("img.qr") && document.querySelector("a[data-openid-link]")');
  return portal.eval<string>('document.querySelector("a[data-openid-link]").getAttribute("href")');
}

/** Opens the link in the demo wallet page as that wallet, as the portal's demo link does. */
async function openInWallet(walletId: string, link: string): Promise<void> {
  await wallet.goto(`${system.urls.verifiedId}/?wallet=${walletId}&request=${encodeURIComponent(link)}`);
  await wallet.waitForText("is asking");
}

async function status(): Promise<string> {
  return portal.text("#qr-status");
}

async function logIn(walletId: string): Promise<void> {
  await chooseTrust("Oxford", OXFORD);
  await openInWallet(walletId, await openLoginQrCode());
  await wallet.clickText("Share");
  await portal.waitForText(`You are logged in to ${OXFORD}.`);
}

/** Ticks exactly these credentials (by type), ticks "Yes, connect to my wallet", continues; returns the link. */
async function shareQrCode(types: string[]): Promise<string> {
  await portal.waitFor('document.querySelector("input[name=credential]")');
  await portal.eval(
    `document.querySelectorAll("input[name=credential]").forEach((box) => { box.checked = ${JSON.stringify(types)}.includes(box.value); })`,
  );
  await portal.click('form button[type="submit"]');
  await portal.waitForText("Yes, connect to my wallet");
  await portal.click("#connect");
  await portal.click('form button[type="submit"]');
  return qrLink();
}

const TITLE =
  CHROMIUM === undefined
    ? "the journey in a browser (skipped: no Chromium binary; install Debian's chromium or set CHROMIUM_PATH)"
    : "the journey in a browser";

if (CHROMIUM === undefined) console.warn(`Skipping ${TITLE}`);

describe.skipIf(CHROMIUM === undefined)(TITLE, () => {
  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    system = await startTestSystem({ pages: true });
    browser = await Browser.launch(CHROMIUM ?? "");
    portal = await browser.newPage(DESKTOP);
    wallet = await browser.newPage(DESKTOP);
    pages.push(portal, wallet);
    await portal.goto(`${system.urls.host}/`);
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
    expect(await portal.text("h1")).toBe("Which organisation do you want to share your credentials with?");
    await portal.fill("#search", "Oxford");
    await portal.click('form button[type="submit"]');
    await portal.waitForText("Select your organisation");
    await shot(portal, "1-choose-trust");
    await portal.clickText(OXFORD);
    await portal.waitForText("Do you already have an access key for this organisation?");
    await portal.click("#has-key-no");
    await portal.click('form button[type="submit"]');
    await portal.waitFor('document.querySelector("#no-key")');
    expect(await portal.text("#no-key")).toContain(
      `You will need to get an access key for ${OXFORD} before you can share credentials with it.`,
    );
    await shot(portal, "2-no-access-key");
  });

  it("logs in with the access key the person picks in the wallet, the QR code's status following the wallet", async () => {
    const link = await openLoginQrCode();
    expect(link).toMatch(/^openid-vc:\/\/\?request_uri=/);
    expect(await status()).toBe("Waiting for you to scan the QR code.");

    await openInWallet("demo", link);
    expect(await wallet.text("#request")).toContain(`${OXFORD} is asking`);
    expect(await wallet.text("#request")).toContain(`Log in to the ${OXFORD} staff passport portal`);
    // The demo wallet holds an access key for every seeded trust: it asks which one, offering this trust's.
    expect(await wallet.text("#request legend")).toBe(
      "You hold 5 of these: which one do you want to present?",
    );
    expect(
      await wallet.eval<string>('document.querySelector("input[type=radio]:checked").labels[0].innerText'),
    ).toBe("Access key for RTH");
    await portal.waitForText("QR code scanned. Share your access key in Microsoft Authenticator.");
    await shot(portal, "3-login-qr-code");
    await wallet.eval('document.getElementById("request").scrollIntoView()');
    await shot(wallet, "4-wallet-choose-access-key");

    await wallet.clickText("Share");
    await wallet.waitForText("Your credentials were shared. You can return to the previous application.");
    await portal.waitForText(`You are logged in to ${OXFORD}.`);
    await shot(portal, "5-logged-in");
  });

  it("shares the selected credentials after the summary, then shows them in the history and at the trust", async () => {
    await portal.clickText("Credentials");
    await portal.waitForText("Select the credentials to share with");
    await shot(portal, "6-credentials");
    await portal.eval(
      'document.querySelectorAll("input[name=credential]").forEach((box) => { box.checked = ["StaffPassportIdentity", "StaffPassportDbsCheck"].includes(box.value); })',
    );
    await portal.click('form button[type="submit"]');
    await portal.waitForText("Yes, connect to my wallet");
    const listed = await portal.text("#summary-list");
    expect(listed.split("\n")).toHaveLength(2);
    // "Continue" without "Yes, connect to my wallet" stays on the summary and says why.
    await portal.click('form button[type="submit"]');
    await portal.waitForText("Choose 'Yes, connect to my wallet' to go on.");
    await portal.click("#connect");
    await shot(portal, "7-summary");
    await portal.click('form button[type="submit"]');
    const link = await qrLink();

    await openInWallet("demo", link);
    expect((await wallet.text("#requested")).split("\n").filter(Boolean)).toEqual(
      expect.arrayContaining(["Identity", "Dbs check"]),
    );
    await wallet.clickText("Share");
    await portal.waitFor('document.querySelector("#confirmation")');
    expect(await portal.text("#confirmation")).toContain(
      `The listed credentials have been shared with ${OXFORD}.`,
    );
    expect((await portal.text("#confirmation ul")).split("\n")).toEqual(listed.split("\n"));
    await shot(portal, "8-shared");

    await portal.clickText("Your share history");
    await portal.waitFor('document.querySelector("#history")');
    const firstRow = await portal.text("#history tbody tr");
    expect(firstRow).toContain(OXFORD);
    expect(firstRow).toContain("shared");
    await shot(portal, "9-history");

    const trustPage = await browser.newPage(DESKTOP);
    pages.push(trustPage);
    await trustPage.goto(`${system.urls.demoTrust}/`);
    await trustPage.waitForText("Signature verified against the service's keys", 30_000);
    const events = await trustPage.text("#events");
    expect(events).toContain("Event 1 for RTH");
    expect(events).toContain("Identity");
    expect(events).toContain("Dbs check");
    await shot(trustPage, "10-trust-events");
  });

  it("meets 'credential not available': the wallet refuses, the person deselects it and shares the rest", async () => {
    await portal.goto(`${system.urls.host}/`);
    await logIn("partial");
    await portal.clickText("Credentials");
    const link = await shareQrCode(["StaffPassportIdentity", "StaffPassportOccupationalHealth"]);

    await openInWallet("partial", link);
    expect(await wallet.text("#not-available")).toContain("Credential not available: Occupational health.");
    expect(
      await wallet.eval<boolean>(
        '[...document.querySelectorAll("button")].find((b) => b.innerText === "Share").disabled',
      ),
    ).toBe(true);
    await wallet.eval('document.getElementById("request").scrollIntoView()');
    await shot(wallet, "11-wallet-credential-not-available");
    await wallet.clickText("Cancel");
    await wallet.waitForText("Nothing was shared.");

    await portal.waitForText("QR code scanned. Choose Share in Microsoft Authenticator.");
    await shot(portal, "12-share-waiting");
    await portal.clickText("Change what I share");
    await portal.waitForText("That share was cancelled. Deselect any credential your wallet does not have");
    // The previous selection is kept, so the person only deselects the missing one.
    expect(
      await portal.eval<boolean>(
        'document.querySelector("#credential-StaffPassportOccupationalHealth").checked',
      ),
    ).toBe(true);
    const retry = await shareQrCode(["StaffPassportIdentity"]);
    await openInWallet("partial", retry);
    await wallet.clickText("Share");
    await portal.waitFor('document.querySelector("#confirmation")');
    expect(await portal.text("#confirmation ul")).toBe("Identity");

    await portal.clickText("Your share history");
    await portal.waitFor('document.querySelector("#history")');
    const rows = (await portal.text("#history tbody")).split("\n");
    expect(rows[0]).toContain("shared");
    expect(rows[1]).toContain("cancelled");
  });

  it("says 'this access key is for another organisation' when the wallet presents another trust's key", async () => {
    await portal.clickText("Back to the start");
    await portal.clickText("Go to a different organisation");
    await chooseTrust("Manchester", MANCHESTER);
    const link = await openLoginQrCode();
    await openInWallet("demo", link);
    await wallet.eval(
      '[...document.querySelectorAll("input[type=radio]")].find((r) => r.labels[0].innerText === "Access key for RTH").click()',
    );
    await wallet.clickText("Share");
    await portal.waitForText("This access key is for another organisation.");
    expect(await status()).toBe(
      `This access key is for another organisation. Choose your access key for ${MANCHESTER} in your wallet.`,
    );
    await shot(portal, "13-another-trusts-key");
    await portal.clickText("Try again");
    await qrLink();
  });

  it("reads at 375 px without sideways scrolling, with the green button that opens the wallet link", async () => {
    const phone = await browser.newPage(PHONE);
    pages.push(phone);
    await phone.goto(`${system.urls.host}/`);
    await phone.fill("#search", "Oxford");
    await phone.click('form button[type="submit"]');
    await phone.clickText(OXFORD);
    await phone.click("#has-key-yes");
    await phone.click('form button[type="submit"]');
    await phone.waitFor('document.querySelector("img.qr")');
    const button = await phone.eval<{ display: string; href: string; text: string; colour: string }>(
      `(() => { const a = document.querySelector("a.wallet-button"); const s = getComputedStyle(a);
        return { display: s.display, href: a.getAttribute("href"), text: a.innerText, colour: s.backgroundColor }; })()`,
    );
    expect(button).toMatchObject({ text: "Open Microsoft Authenticator", colour: "rgb(0, 127, 59)" });
    expect(button.display).not.toBe("none");
    expect(button.href).toMatch(/^openid-vc:\/\//);
    expect(await phone.eval<boolean>("document.documentElement.scrollWidth <= window.innerWidth")).toBe(true);
    await shot(phone, "14-phone-qr-code");
    // On a wide screen the button is not shown: the QR code is scanned with the phone instead.
    expect(
      await portal.eval<string>('getComputedStyle(document.querySelector("a.wallet-button")).display'),
    ).toBe("none");
  });

  it("says when the QR code has expired and gives a new one on request", async () => {
    await portal.goto(`${system.urls.host}/`);
    await chooseTrust("Oxford", OXFORD);
    const first = await openLoginQrCode();
    const clock = services().clock;
    // The service's clock moves past the login's expiry; the portal's next poll sees "expired".
    services().clock = () => new Date(Date.now() + 10 * 60_000);
    try {
      await portal.waitForText("This QR code has expired.");
      expect(await portal.eval<boolean>('document.querySelector("img.qr") === null')).toBe(true);
      await shot(portal, "15-qr-code-expired");
    } finally {
      services().clock = clock;
    }
    await portal.clickText("Get a new QR code");
    const second = await qrLink();
    expect(second).not.toBe(first);
    expect(await status()).toBe("Waiting for you to scan the QR code.");
  });

  it("logged no console error and requested nothing outside the local stack", () => {
    const local = (url: string) => /^(https?:\/\/127\.0\.0\.1:\d+\/|data:|about:)/.test(url);
    for (const page of pages) {
      expect(page.errors).toEqual([]);
      expect(page.requests.filter((url) => !local(url))).toEqual([]);
    }
  });
});
