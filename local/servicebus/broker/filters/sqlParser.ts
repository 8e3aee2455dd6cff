// Parses the subset of Service Bus SQL filter syntax that real rules use into a small expression tree:
// comparisons, AND/OR/NOT, IN, LIKE, IS [NOT] NULL and EXISTS over application and `sys.` properties.
import type { FilterValue } from "./properties.js";
import { SqlSyntaxError, type Token, tokenize } from "./sqlLexer.js";

export type SqlNode =
  | { kind: "literal"; value: FilterValue }
  | { kind: "property"; scope: "sys" | "user"; name: string }
  | { kind: "compare"; op: string; left: SqlNode; right: SqlNode }
  | { kind: "and" | "or"; left: SqlNode; right: SqlNode }
  | { kind: "not"; operand: SqlNode }
  | { kind: "isNull"; operand: SqlNode; negate: boolean }
  | { kind: "in"; operand: SqlNode; values: SqlNode[]; negate: boolean }
  | { kind: "like"; operand: SqlNode; pattern: string; negate: boolean }
  | { kind: "exists"; property: SqlNode };

/** The operators that compare; "+" and "-" only sign number literals (arithmetic is not supported). */
const COMPARISONS = new Set(["=", "<>", "<", ">", "<=", ">="]);

class Parser {
  private position = 0;

  constructor(private readonly tokens: Token[]) {}

  parse(): SqlNode {
    const node = this.or();
    const extra = this.peek();
    if (extra) throw new SqlSyntaxError(`unexpected '${String(extra.value)}'`);
    return node;
  }

  private peek(): Token | undefined {
    return this.tokens[this.position];
  }

  private isKeyword(word: string): boolean {
    const token = this.peek();
    return token?.type === "keyword" && token.value === word;
  }

  private isPunct(value: string): boolean {
    const token = this.peek();
    return token?.type === "punct" && token.value === value;
  }

  private expectPunct(value: string): void {
    if (!this.isPunct(value)) throw new SqlSyntaxError(`expected '${value}'`);
    this.position += 1;
  }

  private or(): SqlNode {
    let left = this.and();
    while (this.isKeyword("OR")) {
      this.position += 1;
      left = { kind: "or", left, right: this.and() };
    }
    return left;
  }

  private and(): SqlNode {
    let left = this.not();
    while (this.isKeyword("AND")) {
      this.position += 1;
      left = { kind: "and", left, right: this.not() };
    }
    return left;
  }

  private not(): SqlNode {
    if (this.isKeyword("NOT")) {
      this.position += 1;
      return { kind: "not", operand: this.not() };
    }
    return this.predicate();
  }

  private predicate(): SqlNode {
    if (this.isKeyword("EXISTS")) {
      this.position += 1;
      const parenthesised = this.isPunct("(");
      if (parenthesised) this.position += 1;
      const property = this.operand();
      if (parenthesised) this.expectPunct(")");
      return { kind: "exists", property };
    }
    const left = this.operand();
    const token = this.peek();
    if (token?.type === "op" && COMPARISONS.has(token.value)) {
      this.position += 1;
      return { kind: "compare", op: token.value, left, right: this.operand() };
    }
    if (this.isKeyword("IS")) {
      this.position += 1;
      const negate = this.isKeyword("NOT");
      if (negate) this.position += 1;
      if (!this.isKeyword("NULL")) throw new SqlSyntaxError("expected NULL after IS");
      this.position += 1;
      return { kind: "isNull", operand: left, negate };
    }
    const negate = this.isKeyword("NOT");
    if (negate) this.position += 1;
    if (this.isKeyword("IN")) {
      this.position += 1;
      this.expectPunct("(");
      const values = [this.operand()];
      while (this.isPunct(",")) {
        this.position += 1;
        values.push(this.operand());
      }
      this.expectPunct(")");
      return { kind: "in", operand: left, values, negate };
    }
    if (this.isKeyword("LIKE")) {
      this.position += 1;
      const pattern = this.peek();
      if (pattern?.type !== "string") throw new SqlSyntaxError("LIKE needs a string pattern");
      this.position += 1;
      return { kind: "like", operand: left, pattern: pattern.value, negate };
    }
    if (negate) throw new SqlSyntaxError("expected IN or LIKE after NOT");
    return left;
  }

  private operand(): SqlNode {
    const token = this.peek();
    if (!token) throw new SqlSyntaxError("unexpected end of expression");
    this.position += 1;
    switch (token.type) {
      case "string":
      case "number":
        return { kind: "literal", value: token.value };
      case "keyword":
        if (token.value === "TRUE" || token.value === "FALSE")
          return { kind: "literal", value: token.value === "TRUE" };
        if (token.value === "NULL") return { kind: "literal", value: null };
        throw new SqlSyntaxError(`unexpected ${token.value}`);
      case "ident":
        return property(token.value);
      case "punct":
        if (token.value === "(") {
          const inner = this.or();
          this.expectPunct(")");
          return inner;
        }
        throw new SqlSyntaxError(`unexpected '${token.value}'`);
      case "op": {
        // A sign before a number literal: "attempt > -1".
        const next = this.peek();
        if ((token.value === "-" || token.value === "+") && next?.type === "number") {
          this.position += 1;
          return { kind: "literal", value: token.value === "-" ? -next.value : next.value };
        }
        throw new SqlSyntaxError(`unexpected '${token.value}'`);
      }
    }
  }
}

function property(identifier: string): SqlNode {
  const dot = identifier.indexOf(".");
  const prefix = dot > 0 ? identifier.slice(0, dot).toLowerCase() : "";
  if (prefix === "sys") return { kind: "property", scope: "sys", name: identifier.slice(dot + 1) };
  if (prefix === "user") return { kind: "property", scope: "user", name: identifier.slice(dot + 1) };
  return { kind: "property", scope: "user", name: identifier };
}

export function parseSqlFilter(expression: string): SqlNode {
  return new Parser(tokenize(expression)).parse();
}

export { SqlSyntaxError };
