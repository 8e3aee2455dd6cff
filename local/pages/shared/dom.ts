// A few DOM helpers for the demo pages: build elements without innerHTML (so no text is ever parsed as markup)
// and replace a screen's content, moving focus to its heading so screen readers hear the change.
import { ErrorSummary } from "nhsuk-frontend";
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
 * An action inside the page that moves to another screen: a link, as the design system styles one, that runs
 * `onclick` instead of following its address (the pages are one document; there is nowhere to go).
 */
export function link(text: string, onclick: () => void, attributes: Attributes = {}): HTMLElement {
  const classes = ["nhsuk-link", attributes.class].filter(Boolean).join(" ");
  return h(
    "a",
    {
      href: "#",
      ...attributes,
      class: classes,
      onclick: (event: Event) => {
        event.preventDefault();
        onclick();
      },
    },
    text,
  );
}

/** The design system's back link, above a screen's heading, as the button its component offers for scripts. */
export function backLink(onclick: () => void, text = "Back"): HTMLElement {
  return h("button", { class: "nhsuk-back-link", type: "button", onclick }, text);
}

/** One of the design system's radios or checkboxes: the input, its label and, when given, its hint under it. */
export function choice(
  kind: "radio" | "checkbox",
  options: {
    name: string;
    id: string;
    value: string;
    label: string;
    checked?: boolean;
    hint?: string;
    onchange?: (event: Event) => void;
  },
): HTMLElement {
  const block = kind === "radio" ? "nhsuk-radios" : "nhsuk-checkboxes";
  const hintId = options.hint === undefined ? undefined : `${options.id}-hint`;
  return h("div", { class: `${block}__item` }, [
    h("input", {
      class: `${block}__input`,
      type: kind,
      name: options.name,
      id: options.id,
      value: options.value,
      checked: options.checked,
      onchange: options.onchange,
      "aria-describedby": hintId,
    }),
    h("label", { class: `nhsuk-label ${block}__label`, for: options.id }, options.label),
    hintId === undefined
      ? undefined
      : h("div", { class: `nhsuk-hint ${block}__hint`, id: hintId }, options.hint),
  ]);
}

/** A form's question: label, hint and control in the design system's form group, which marks it when wrong. */
export function formGroup(...children: Children[]): HTMLElement {
  return h("div", { class: "nhsuk-form-group" }, ...children);
}

const ERROR_CLASSES: Readonly<Record<string, string>> = {
  INPUT: "nhsuk-input--error",
  TEXTAREA: "nhsuk-textarea--error",
  SELECT: "nhsuk-select--error",
};

/** A field at fault: its id and the region, between its hint and the control, that holds its message. */
export type ProblemField = { readonly id: string; readonly region: HTMLElement };

/**
 * Says what is wrong the design system's way: an error summary under the screen's h1, which takes the focus so it
 * is read out at once. For a field at fault the summary links to the field, whose form group is marked in error
 * with the message in it, read with the field. Without one (the service refused the action as a whole, or the
 * action has no field) the summary alone says it.
 */
export function showProblem(message: string, field?: ProblemField): void {
  clearProblem();
  const control = field === undefined ? null : document.getElementById(field.id);
  if (field !== undefined && control !== null) {
    const messageId = `${field.id}-error`;
    field.region.replaceChildren(
      h(
        "p",
        { class: "nhsuk-error-message", id: messageId },
        h("span", { class: "nhsuk-u-visually-hidden" }, "Error: "),
        message,
      ),
    );
    field.region.closest(".nhsuk-form-group")?.classList.add("nhsuk-form-group--error");
    const errorClass = ERROR_CLASSES[control.tagName];
    if (errorClass !== undefined) control.classList.add(errorClass);
    // A radio or checkbox is read with its fieldset's legend: the message goes with the fieldset.
    const described = control.closest("fieldset") ?? control;
    const ids = (described.getAttribute("aria-describedby") ?? "").split(" ").filter(Boolean);
    described.setAttribute("aria-describedby", [...ids, messageId].join(" "));
  }
  const summary = h(
    "div",
    {
      class: "nhsuk-error-summary",
      "data-module": "nhsuk-error-summary",
      "aria-labelledby": "error-summary-title",
      role: "alert",
    },
    h("h2", { class: "nhsuk-error-summary__title", id: "error-summary-title" }, "There is a problem"),
    h(
      "div",
      { class: "nhsuk-error-summary__body" },
      control === null
        ? h("p", {}, message)
        : h(
            "ul",
            { class: "nhsuk-list nhsuk-error-summary__list" },
            h("li", {}, h("a", { href: `#${control.id}` }, message)),
          ),
    ),
  );
  document.querySelector("#main h1")?.after(summary);
  // The design system's own script: it focuses the summary, and its links move the focus to the field with the
  // field's question scrolled into view (a plain link to the id would leave the question above the screen).
  new ErrorSummary(summary);
}

/** Takes away the error summary and every field's error once the answer is right. */
export function clearProblem(): void {
  for (const summary of document.querySelectorAll(".nhsuk-error-summary")) summary.remove();
  for (const group of document.querySelectorAll(".nhsuk-form-group--error"))
    group.classList.remove("nhsuk-form-group--error");
  for (const errorClass of Object.values(ERROR_CLASSES))
    for (const field of document.querySelectorAll(`.${errorClass}`)) field.classList.remove(errorClass);
  for (const message of document.querySelectorAll(".nhsuk-error-message[id]")) {
    for (const described of document.querySelectorAll(`[aria-describedby~="${message.id}"]`)) {
      const ids = (described.getAttribute("aria-describedby") ?? "")
        .split(" ")
        .filter((id) => id !== message.id);
      if (ids.length === 0) described.removeAttribute("aria-describedby");
      else described.setAttribute("aria-describedby", ids.join(" "));
    }
    message.remove();
  }
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
