// Evaluating the ARM expressions a compiled template names its resources with, for given parameters, so that a test
// can check each name Azure would be asked for against that service's naming rules.
import { createHash } from "node:crypto";
import type { ArmModule, ArmTemplate, ArmValue } from "./armTemplate.js";

type Scope = {
  parameter(name: string): ArmValue;
  variable(name: string): ArmValue;
};

/** A well-formed stand-in for what only a deployment knows. */
const SUBSCRIPTION = { id: "/subscriptions/00000000-0000-0000-0000-000000000000", tenantId: "tenant" };

/**
 * uniqueString's shape without its hash: 13 characters of base32 (lowercase letters and 2-7), as Azure's are, the
 * same for the same arguments.
 */
function uniqueString(...parts: string[]): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  const digest = createHash("sha256").update(parts.join("|")).digest();
  return Array.from({ length: 13 }, (_, index) => alphabet[(digest[index] ?? 0) % 32]).join("");
}

function text(value: ArmValue, what: string): string {
  if (typeof value !== "string") throw new Error(`${what}: expected a string, got ${JSON.stringify(value)}`);
  return value;
}

const FUNCTIONS: Record<string, (scope: Scope, args: ArmValue[]) => ArmValue> = {
  parameters: (scope, [name]) => scope.parameter(text(name, "parameters()")),
  variables: (scope, [name]) => scope.variable(text(name, "variables()")),
  format: (_, [template, ...args]) =>
    text(template, "format()").replace(/\{(\d+)\}/g, (_match, index: string) => String(args[Number(index)])),
  concat: (_, args) => (args.every(Array.isArray) ? args.flat() : args.map(String).join("")),
  toLower: (_, [value]) => text(value, "toLower()").toLowerCase(),
  toUpper: (_, [value]) => text(value, "toUpper()").toUpperCase(),
  take: (_, [value, count]) => (Array.isArray(value) ? value : text(value, "take()")).slice(0, Number(count)),
  replace: (_, [value, find, by]) => text(value, "replace()").split(text(find, "replace()")).join(String(by)),
  string: (_, [value]) => (typeof value === "string" ? value : JSON.stringify(value)),
  uniqueString: (_, args) => uniqueString(...args.map((arg) => text(arg, "uniqueString()"))),
  subscription: () => SUBSCRIPTION,
  resourceGroup: () => ({ id: `${SUBSCRIPTION.id}/resourceGroups/rg`, location: "uksouth" }),
  environment: () => ({ suffixes: { storage: "core.windows.net" } }),
};

/** A recursive-descent reader of one expression (the text between the brackets). */
function evaluateExpression(source: string, scope: Scope): ArmValue {
  let at = 0;
  const fail = (message: string): never => {
    throw new Error(`${message} at ${at} in [${source}]`);
  };
  const skipSpaces = () => {
    while (source[at] === " ") at += 1;
  };
  const expect = (char: string) => {
    skipSpaces();
    if (source[at] !== char) fail(`expected "${char}"`);
    at += 1;
  };

  function primary(): ArmValue {
    skipSpaces();
    if (source[at] === "'") {
      let value = "";
      at += 1;
      for (;;) {
        if (at >= source.length) fail("unterminated string");
        if (source[at] === "'") {
          if (source[at + 1] === "'") {
            value += "'";
            at += 2;
            continue;
          }
          at += 1;
          return value;
        }
        value += source[at];
        at += 1;
      }
    }
    const number = source.slice(at).match(/^-?\d+/)?.[0];
    if (number !== undefined) {
      at += number.length;
      return Number(number);
    }
    const name = source.slice(at).match(/^[A-Za-z_][\w.]*?(?=\()/)?.[0] ?? fail("expected a function call");
    at += name.length;
    expect("(");
    const args: ArmValue[] = [];
    skipSpaces();
    if (source[at] !== ")") {
      for (;;) {
        args.push(expression());
        skipSpaces();
        if (source[at] === ",") at += 1;
        else break;
      }
    }
    expect(")");
    const fn = FUNCTIONS[name] ?? fail(`no stand-in for ${name}()`);
    return fn(scope, args);
  }

  function expression(): ArmValue {
    let value = primary();
    for (;;) {
      if (source[at] === ".") {
        at += 1;
        const property = source.slice(at).match(/^\w+/)?.[0] ?? fail("expected a property");
        at += property.length;
        value = (value as Record<string, ArmValue>)[property];
      } else if (source[at] === "[") {
        at += 1;
        const index = expression();
        expect("]");
        value = (value as Record<string, ArmValue>)[String(index)];
      } else return value;
    }
  }

  const value = expression();
  skipSpaces();
  if (at !== source.length) fail("unexpected text");
  return value;
}

/** A template value with its expressions evaluated: strings in brackets, and objects and arrays throughout. */
export function evaluate(value: ArmValue, scope: Scope): ArmValue {
  if (typeof value === "string") {
    if (value.startsWith("[[")) return value.slice(1);
    if (value.startsWith("[") && value.endsWith("]")) return evaluateExpression(value.slice(1, -1), scope);
    return value;
  }
  if (Array.isArray(value)) return value.map((item) => evaluate(item, scope));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, evaluate(item, scope)]));
  }
  return value;
}

/** Main's scope: the parameters given, else their defaults. */
export function mainScope(main: ArmTemplate, parameters: Record<string, ArmValue>): Scope {
  const scope: Scope = {
    parameter: (name) =>
      name in parameters ? parameters[name] : evaluate(main.parameters?.[name]?.defaultValue, scope),
    variable: (name) => evaluate(main.variables?.[name], scope),
  };
  return scope;
}

/** A module's scope: what main passes it (evaluated in main's scope), else its defaults. */
export function moduleScope(module: ArmModule, main: Scope): Scope {
  if (module.name === "main") return main;
  const scope: Scope = {
    parameter: (name) => {
      const passed = module.parameters[name];
      if (passed !== undefined && "value" in passed) return evaluate(passed.value, main);
      return evaluate(module.template.parameters?.[name]?.defaultValue, scope);
    },
    variable: (name) => evaluate(module.template.variables?.[name], scope),
  };
  return scope;
}
