// A few DOM helpers for the demo pages: build elements without innerHTML (so no text is ever parsed as markup)
// and replace a screen's content, moving focus to its heading so screen readers hear the change.
import { ACCESS_KEY_TYPE, shareableCredentialType } from "../../../src/domain/catalogue.js";

type Child = Node | string | false | null | undefined;
type Children = Child | readonly Children[];
type Attributes = Record<string, string | boolean | ((event: Event) => void) | undefined>;

export function h(tag: string, attributes: Attributes = {}, ...children: Children[]): HTMLElement {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (typeof value === "function") element.addEventListener(name.replace(/^on/, ""), value);
    else element.setAttribute(name, value === true ? "" : value);
  }
  const append = (child: Children): void => {
    if (Array.isArray(child)) for (const inner of child as readonly Children[]) append(inner);
    else if (child !== false && child !== null && child !== undefined) element.append(child as Node | string);
  };
  append(children);
  return element;
}

/** Replaces the main element's content with a screen and focuses its h1. */
export function show(...nodes: Child[]): void {
  const main = document.getElementById("main");
  if (main === null) return;
  main.replaceChildren(...nodes.filter((node): node is Node | string => Boolean(node)));
  const heading = main.querySelector("h1");
  if (heading !== null) {
    heading.setAttribute("tabindex", "-1");
    heading.focus();
  }
}

/**
 * Says what is wrong with a form's answer the design system's way: the message by the field (in `region`) and an
 * error summary under the screen's h1 linking to the field, which takes the focus so it is read out at once.
 */
export function showProblem(region: HTMLElement, fieldId: string, message: string): void {
  region.replaceChildren(
    h(
      "p",
      { class: "nhsuk-error-message" },
      h("span", { class: "nhsuk-u-visually-hidden" }, "Error: "),
      message,
    ),
  );
  const summary = h(
    "div",
    { class: "nhsuk-error-summary", "aria-labelledby": "error-summary-title", role: "alert", tabindex: "-1" },
    h("h2", { class: "nhsuk-error-summary__title", id: "error-summary-title" }, "There is a problem"),
    h(
      "div",
      { class: "nhsuk-error-summary__body" },
      h(
        "ul",
        { class: "nhsuk-list nhsuk-error-summary__list" },
        h("li", {}, h("a", { href: `#${fieldId}` }, message)),
      ),
    ),
  );
  clearProblem();
  document.querySelector("#main h1")?.after(summary);
  summary.focus();
}

/** Takes away the error summary once the answer is right. */
export function clearProblem(): void {
  for (const summary of document.querySelectorAll(".nhsuk-error-summary")) summary.remove();
}

/**
 * A credential type's name for people, the one the portal lists (the service's catalogue), so that what the
 * wallet says is missing reads exactly like the box to deselect in the portal. An unknown type is spelt out:
 * StaffPassportSomethingNew → "Something new".
 */
export function credentialName(type: string): string {
  if (type === ACCESS_KEY_TYPE) return "Access key";
  const known = shareableCredentialType(type)?.displayName;
  if (known !== undefined) return known;
  const words = type
    .replace(/^StaffPassport/, "")
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
