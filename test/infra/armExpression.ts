// Evaluating the ARM expressions a compiled template names and configures its resources with, for given parameters, so
// that a test can check each name Azure would be asked for against that service's naming rules, and what each would get.
import { createHash } from "node:crypto";
import type { ArmFunctions, ArmModule, ArmTemplate, ArmValue } from "./armTemplate.js";

type Scope = {
  parameter(name: string): ArmValue;
  variable(name: string): ArmValue;
  /** copyIndex() inside a resource loop, and the lambda variables in scope inside map() and filter(). */
  copyIndex?: number;
  lambdas?: Record<string, ArmValue>;
  /** The template's user-defined functions, called as namespace.name(). */
  functions?: ArmFunctions;
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

/** What only the deployment knows (a module's output): a path that reads further, never a value. */
export class Deferred {
  constructor(readonly path: string) {}
  toString(): string {
    return `<${this.path}>`;
  }
}

const FUNCTIONS: Record<string, (scope: Scope, args: ArmValue[]) => ArmValue> = {
  parameters: (scope, [name]) => scope.parameter(text(name, "parameters()")),
  variables: (scope, [name]) => scope.variable(text(name, "variables()")),
  reference: (_, [name]) => new Deferred(`reference ${String(name)}`),
  format: (_, [template, ...args]) =>
    text(template, "format()").replace(/\{(\d+)\}/g, (_match, index: string) => String(args[Number(index)])),
  concat: (_, args) => (args.every(Array.isArray) ? args.flat() : args.map(String).join("")),
  toLower: (_, [value]) => text(value, "toLower()").toLowerCase(),
  take: (_, [value, count]) => (Array.isArray(value) ? value : text(value, "take()")).slice(0, Number(count)),
  replace: (_, [value, find, by]) => text(value, "replace()").split(text(find, "replace()")).join(String(by)),
  string: (_, [value]) => (typeof value === "string" ? value : JSON.stringify(value)),
  bool: (_, [value]) => value === true || value === "true",
  not: (_, [value]) => value !== true,
  equals: (_, [a, b]) => JSON.stringify(a) === JSON.stringify(b),
  empty: (_, [value]) =>
    value === "" ||
    (Array.isArray(value) && value.length === 0) ||
    (value !== null &&
      typeof value === "object" &&
      !(value instanceof Deferred) &&
      Object.keys(value).length === 0),
  null: () => null,
  createArray: (_, args) => args,
  createObject: (_, args) =>
    Object.fromEntries(
      Array.from({ length: args.length / 2 }, (_unused, index) => [
        String(args[2 * index]),
        args[2 * index + 1],
      ]),
    ),
  union: (_, args) => Object.assign({}, ...args),
  uniqueString: (_, args) => uniqueString(...args.map((arg) => text(arg, "uniqueString()"))),
  // guid()'s shape without Azure's algorithm: the same GUID for the same arguments, a different one otherwise.
  guid: (_, args) => {
    const hex = createHash("sha256").update(args.map(String).join("|")).digest("hex");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20, 32)].join(
      "-",
    );
  },
  contains: (_, [container, item]) => {
    if (Array.isArray(container))
      return container.some((value) => JSON.stringify(value) === JSON.stringify(item));
    if (typeof container === "string") return container.includes(text(item, "contains()"));
    return container !== null && typeof container === "object" && String(item) in container;
  },
  subscription: () => SUBSCRIPTION,
  resourceGroup: () => ({ id: `${SUBSCRIPTION.id}/resourceGroups/rg`, location: "uksouth" }),
  environment: () => ({ suffixes: { storage: "core.windows.net" } }),
  length: (_, [value]) =>
    Array.isArray(value) || typeof value === "string" ? value.length : Object.keys(value ?? {}).length,
  copyIndex: (scope) => {
    if (scope.copyIndex === undefined) throw new Error("copyIndex() outside a loop");
    return scope.copyIndex;
  },
  lambdaVariables: (scope, [name]) => scope.lambdas?.[text(name, "lambdaVariables()")],
  // A resource group's resource id: the provider namespace, then each type segment with its name.
  resourceId: (_, [type, ...names]) => {
    const [namespace, ...types] = text(type, "resourceId()").split("/");
    const path = types.map((segment, index) => `${segment}/${String(names[index])}`).join("/");
    return `${SUBSCRIPTION.id}/resourceGroups/rg/providers/${namespace}/${path}`;
  },
  subscriptionResourceId: (_, [type, name]) => `${SUBSCRIPTION.id}/providers/${String(type)}/${String(name)}`,
};

/** A resource loop's scope for one of its iterations. */
export function atCopyIndex(scope: Scope, copyIndex: number): Scope {
  return { ...scope, copyIndex };
}

type Node =
  | { kind: "literal"; value: ArmValue }
  | { kind: "call"; name: string; args: Node[] }
  | { kind: "property"; of: Node; name: string }
  | { kind: "index"; of: Node; index: Node };

/** Reads one expression (the text between the brackets) into a tree. */
function parse(source: string): Node {
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

  function primary(): Node {
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
          return { kind: "literal", value };
        }
        value += source[at];
        at += 1;
      }
    }
    const number = source.slice(at).match(/^-?\d+/)?.[0];
    if (number !== undefined) {
      at += number.length;
      return { kind: "literal", value: Number(number) };
    }
    const name = source.slice(at).match(/^[A-Za-z_][\w.]*?(?=\()/)?.[0] ?? fail("expected a function call");
    at += name.length;
    expect("(");
    const args: Node[] = [];
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
    return { kind: "call", name, args };
  }

  function expression(): Node {
    let node = primary();
    for (;;) {
      if (source[at] === ".") {
        at += 1;
        const name = source.slice(at).match(/^\w+/)?.[0] ?? fail("expected a property");
        at += name.length;
        node = { kind: "property", of: node, name };
      } else if (source[at] === "[") {
        at += 1;
        const index = expression();
        expect("]");
        node = { kind: "index", of: node, index };
      } else return node;
    }
  }

  const node = expression();
  skipSpaces();
  if (at !== source.length) fail("unexpected text");
  return node;
}

function member(value: ArmValue, key: string): ArmValue {
  if (value instanceof Deferred) return new Deferred(`${value.path}.${key}`);
  return (value as Record<string, ArmValue> | undefined)?.[key];
}

function run(node: Node, scope: Scope): ArmValue {
  switch (node.kind) {
    case "literal":
      return node.value;
    case "property":
      return member(run(node.of, scope), node.name);
    case "index":
      return member(run(node.of, scope), String(run(node.index, scope)));
    case "call": {
      // map() runs its lambda's body once per element, with the element under the lambda's variable name.
      if (node.name === "map") {
        const [list, lambda] = node.args;
        const [variable, body] = lambda?.kind === "call" && lambda.name === "lambda" ? lambda.args : [];
        if (!list || variable?.kind !== "literal" || !body)
          throw new Error("map() takes a list and a lambda");
        const items = run(list, scope);
        if (!Array.isArray(items)) throw new Error("map() over something that is not a list");
        return items.map((item) =>
          run(body, { ...scope, lambdas: { ...scope.lambdas, [String(variable.value)]: item } }),
        );
      }
      // filter() keeps the elements its lambda's body is true for.
      if (node.name === "filter") {
        const [list, lambda] = node.args;
        const [variable, body] = lambda?.kind === "call" && lambda.name === "lambda" ? lambda.args : [];
        if (!list || variable?.kind !== "literal" || !body)
          throw new Error("filter() takes a list and a lambda");
        const items = run(list, scope);
        if (!Array.isArray(items)) throw new Error("filter() over something that is not a list");
        return items.filter(
          (item) =>
            run(body, { ...scope, lambdas: { ...scope.lambdas, [String(variable.value)]: item } }) === true,
        );
      }
      // A user-defined function: its output, with its parameters as the arguments (it sees nothing else).
      const [namespace, member] = node.name.split(".");
      if (namespace !== undefined && member !== undefined) {
        const definition = scope.functions?.find((entry) => entry.namespace === namespace)?.members[member];
        if (!definition) throw new Error(`no user-defined function ${node.name}()`);
        const args = node.args.map((arg) => run(arg, scope));
        const names = (definition.parameters ?? []).map((parameter) => parameter.name);
        const inner: Scope = {
          parameter: (name) => args[names.indexOf(name)],
          variable: (name) => {
            throw new Error(`${node.name}() reads variable ${name}, which a function cannot`);
          },
        };
        return evaluate(definition.output.value, inner);
      }
      // if() evaluates only the branch it takes, as ARM does.
      if (node.name === "if") {
        const [condition, then, otherwise] = node.args;
        if (!condition || !then || !otherwise) throw new Error("if() takes three arguments");
        return run(run(condition, scope) === true ? then : otherwise, scope);
      }
      const fn = FUNCTIONS[node.name];
      if (!fn) throw new Error(`no stand-in for ${node.name}()`);
      return fn(
        scope,
        node.args.map((arg) => run(arg, scope)),
      );
    }
  }
}

/** A template value with its expressions evaluated: strings in brackets, and objects and arrays throughout. */
export function evaluate(value: ArmValue, scope: Scope): ArmValue {
  if (typeof value === "string") {
    if (value.startsWith("[[")) return value.slice(1);
    if (value.startsWith("[") && value.endsWith("]")) return run(parse(value.slice(1, -1)), scope);
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
    functions: main.functions ?? [],
  };
  return scope;
}

/** A module's scope: what main passes it (evaluated in main's scope), else its defaults. */
export function moduleScope(module: ArmModule, main: Scope): Scope {
  if (module.name === "main") return main;
  const scope: Scope = {
    parameter: (name) => {
      const passed = module.parameters[name];
      if (passed === undefined) return evaluate(module.template.parameters?.[name]?.defaultValue, scope);
      // Either { value } or, when main chooses between values, an expression that makes one.
      if (typeof passed === "string") return member(evaluate(passed, main), "value");
      if ("value" in passed) return evaluate(passed.value, main);
      throw new Error(`${module.name}.${name}: cannot read what main passes (${JSON.stringify(passed)})`);
    },
    variable: (name) => evaluate(module.template.variables?.[name], scope),
    functions: module.template.functions ?? [],
  };
  return scope;
}
