// Evaluates a parsed SQL filter against a message with SQL's three-valued logic: a missing property is NULL,
// and only a result of TRUE selects the message.
import type { Message } from "rhea";
import {
  applicationProperty,
  type FilterValue,
  hasApplicationProperty,
  systemProperty,
} from "./properties.js";
import { parseSqlFilter, type SqlNode } from "./sqlParser.js";

function comparable(value: FilterValue): string | number | boolean | null {
  return value instanceof Date ? value.getTime() : value;
}

function compare(op: string, left: FilterValue, right: FilterValue): boolean | null {
  const a = comparable(left);
  const b = comparable(right);
  if (a === null || b === null) return null;
  if (typeof a !== typeof b) return op === "<>" ? true : op === "=" ? false : null;
  switch (op) {
    case "=":
      return a === b;
    case "<>":
      return a !== b;
    case "<":
      return a < b;
    case ">":
      return a > b;
    case "<=":
      return a <= b;
    case ">=":
      return a >= b;
    default:
      return null;
  }
}

function likeToRegExp(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
    .replace(/%/g, ".*")
    .replace(/_/g, ".");
  return new RegExp(`^${escaped}$`, "s");
}

const not = (value: boolean | null): boolean | null => (value === null ? null : !value);

function evaluate(node: SqlNode, message: Message): FilterValue {
  switch (node.kind) {
    case "literal":
      return node.value;
    case "property":
      return node.scope === "sys"
        ? systemProperty(message, node.name)
        : applicationProperty(message, node.name);
    case "compare":
      return compare(node.op, evaluate(node.left, message), evaluate(node.right, message));
    case "and": {
      const left = evaluate(node.left, message);
      if (left === false) return false;
      const right = evaluate(node.right, message);
      if (right === false) return false;
      return left === true && right === true ? true : null;
    }
    case "or": {
      const left = evaluate(node.left, message);
      if (left === true) return true;
      const right = evaluate(node.right, message);
      if (right === true) return true;
      return left === false && right === false ? false : null;
    }
    case "not": {
      const value = evaluate(node.operand, message);
      return typeof value === "boolean" ? !value : null;
    }
    case "isNull": {
      const isNull = evaluate(node.operand, message) === null;
      return node.negate ? !isNull : isNull;
    }
    case "in": {
      const value = evaluate(node.operand, message);
      if (value === null) return null;
      const found = node.values.some(
        (candidate) => compare("=", value, evaluate(candidate, message)) === true,
      );
      return node.negate ? !found : found;
    }
    case "like": {
      const value = evaluate(node.operand, message);
      if (typeof value !== "string") return null;
      const matched = likeToRegExp(node.pattern).test(value);
      return node.negate ? not(matched) : matched;
    }
    case "exists": {
      const property = node.property;
      if (property.kind !== "property") return false;
      return property.scope === "sys"
        ? systemProperty(message, property.name) !== null
        : hasApplicationProperty(message, property.name);
    }
  }
}

/** Compiles an expression once; throws SqlSyntaxError for text outside the supported subset. */
export function compileSqlFilter(expression: string): (message: Message) => boolean {
  const tree = parseSqlFilter(expression);
  return (message) => evaluate(tree, message) === true;
}
