// Splits a Service Bus SQL filter expression into tokens: identifiers, literals, operators and punctuation.

export type Token =
  | { type: "ident"; value: string }
  | { type: "keyword"; value: string }
  | { type: "string"; value: string }
  | { type: "number"; value: number }
  | { type: "op"; value: string }
  | { type: "punct"; value: "(" | ")" | "," };

const KEYWORDS = new Set([
  "AND",
  "OR",
  "NOT",
  "IN",
  "IS",
  "NULL",
  "EXISTS",
  "LIKE",
  "TRUE",
  "FALSE",
  "ESCAPE",
]);

export class SqlSyntaxError extends Error {}

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text.charAt(i);
    if (/\s/.test(ch)) {
      i += 1;
    } else if (ch === "'") {
      let value = "";
      i += 1;
      for (;;) {
        if (i >= text.length) throw new SqlSyntaxError("unterminated string literal");
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i += 1;
          break;
        }
        value += text[i];
        i += 1;
      }
      tokens.push({ type: "string", value });
    } else if (/[0-9]/.test(ch) || (ch === "." && /[0-9]/.test(text.charAt(i + 1)))) {
      const match = /^[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?/.exec(text.slice(i));
      const literal = match?.[0] ?? ch;
      tokens.push({ type: "number", value: Number(literal) });
      i += literal.length;
    } else if (ch === "[") {
      const end = text.indexOf("]", i);
      if (end < 0) throw new SqlSyntaxError("unterminated [identifier]");
      tokens.push({ type: "ident", value: text.slice(i + 1, end) });
      i = end + 1;
    } else if (/[A-Za-z_@$]/.test(ch)) {
      const match = /^[A-Za-z_@$][A-Za-z0-9_@$]*(?:\.[A-Za-z_@$][A-Za-z0-9_@$-]*)?/.exec(text.slice(i));
      const word = match?.[0] ?? ch;
      if (KEYWORDS.has(word.toUpperCase())) tokens.push({ type: "keyword", value: word.toUpperCase() });
      else tokens.push({ type: "ident", value: word });
      i += word.length;
    } else if (ch === "(" || ch === ")" || ch === ",") {
      tokens.push({ type: "punct", value: ch });
      i += 1;
    } else {
      const two = text.slice(i, i + 2);
      if (two === "<>" || two === "!=" || two === "<=" || two === ">=") {
        tokens.push({ type: "op", value: two === "!=" ? "<>" : two });
        i += 2;
      } else if (ch === "=" || ch === "<" || ch === ">" || ch === "-" || ch === "+") {
        tokens.push({ type: "op", value: ch });
        i += 1;
      } else {
        throw new SqlSyntaxError(`unexpected character '${ch}' at ${i}`);
      }
    }
  }
  return tokens;
}
