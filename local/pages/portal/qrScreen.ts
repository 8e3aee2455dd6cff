// The QR code screen shared by login and share: the code, its openid-vc:// link as the green button on a phone,
// a link to the demo wallet, and a status line that polling updates and screen readers announce.
import { h } from "../shared/dom.js";

export type QrScreen = {
  readonly nodes: HTMLElement[];
  /** Updates the announced status line; `tone` colours its edge. */
  setStatus(text: string, tone?: "ok" | "error"): void;
  /** Puts extra controls (try again, new QR code) under the status. */
  setActions(...nodes: HTMLElement[]): void;
  /** Takes away the QR code and its links once the request can no longer be answered. */
  retire(): void;
};

/**
 * The demo wallet page lives at the origin of the request_uri inside the openid-vc:// link. An openid4vp:// link's
 * request_uri is the service's own, so it says nothing of where the demo wallet is: no link then.
 */
export function demoWalletLink(url: string): string | undefined {
  try {
    if (new URL(url).protocol !== "openid-vc:") return undefined;
    const requestUri = new URL(url).searchParams.get("request_uri");
    if (requestUri === null) return undefined;
    return `${new URL(requestUri).origin}/?request=${encodeURIComponent(url)}`;
  } catch {
    return undefined;
  }
}

export function qrScreen(options: {
  heading: string;
  intro: string;
  qrCode: string;
  url: string;
  /** The wallet to scan with, as the screen names it: "Microsoft Authenticator" or "your wallet app". */
  wallet: string;
  extra?: HTMLElement[];
}): QrScreen {
  const status = h(
    "p",
    { class: "nhsuk-inset-text status", id: "qr-status", role: "status", "aria-live": "polite" },
    "Waiting",
  );
  const actions = h("div", { id: "qr-actions" });
  const walletPage = demoWalletLink(options.url);
  const nodes = [
    h("h1", {}, options.heading),
    h("div", { class: "nhsuk-card nhsuk-card__content" }, [
      h("p", {}, options.intro),
      h("img", {
        class: "qr",
        src: options.qrCode,
        alt: `QR code to scan with ${options.wallet}`,
        width: "240",
        height: "240",
      }),
      h(
        "a",
        { class: "nhsuk-button wallet-button", href: options.url, "data-openid-link": options.url },
        `Open ${options.wallet}`,
      ),
      status,
      actions,
    ]),
    ...(options.extra ?? []),
    walletPage
      ? h(
          "p",
          { class: "demo-aid" },
          "Demo: no phone? ",
          h(
            "a",
            { href: walletPage, target: "_blank", rel: "noopener" },
            "Open this request in the demo wallet",
          ),
          " (opens in a new tab).",
        )
      : undefined,
  ].filter((node): node is HTMLElement => node !== undefined);
  return {
    nodes,
    setStatus(text, tone) {
      // Rewriting the same words would have them announced again on every poll.
      if (status.textContent !== text) status.textContent = text;
      status.className = `nhsuk-inset-text status${tone ? ` ${tone}` : ""}`;
    },
    setActions(...controls) {
      actions.replaceChildren(...controls);
    },
    retire() {
      for (const node of document.querySelectorAll(".qr, .wallet-button, .demo-aid")) node.remove();
    },
  };
}
