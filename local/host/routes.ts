// Route templates as the Functions host reads them: "logins/{loginId}", optional "{id?}", constraints
// "{id:int}", and a trailing catch-all "{*rest}". Matching is case-insensitive on literal segments.

export type RouteMatch = { params: Record<string, string> };
export type CompiledRoute = { template: string; match(path: string): RouteMatch | undefined };

const CONSTRAINTS: Readonly<Record<string, RegExp>> = {
  int: /^-?\d+$/,
  long: /^-?\d+$/,
  bool: /^(true|false)$/i,
  alpha: /^[A-Za-z]+$/,
  guid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
};

type Segment =
  | { kind: "literal"; text: string }
  | { kind: "param"; name: string; optional: boolean; constraint: RegExp | undefined }
  | { kind: "catchAll"; name: string };

function parseSegment(segment: string): Segment {
  const param = /^\{(\*)?([A-Za-z_][A-Za-z0-9_]*)(?::([a-z]+))?(\?)?\}$/.exec(segment);
  if (!param) return { kind: "literal", text: segment.toLowerCase() };
  const [, star, name = "", constraint, optional] = param;
  if (star) return { kind: "catchAll", name };
  if (constraint && !CONSTRAINTS[constraint]) throw new Error(`Unsupported route constraint "${constraint}"`);
  return {
    kind: "param",
    name,
    optional: Boolean(optional),
    constraint: constraint ? CONSTRAINTS[constraint] : undefined,
  };
}

export function compileRoute(template: string): CompiledRoute {
  const segments = template.split("/").filter(Boolean).map(parseSegment);
  return {
    template,
    match(path) {
      const parts = path.split("/").filter(Boolean);
      const params: Record<string, string> = {};
      for (let i = 0; i < segments.length; i++) {
        const segment = segments[i];
        const part = parts[i];
        if (!segment) return undefined;
        if (segment.kind === "catchAll") {
          params[segment.name] = parts.slice(i).map(decodeURIComponent).join("/");
          return { params };
        }
        if (part === undefined) {
          return segment.kind === "param" && segment.optional && i === segments.length - 1
            ? { params }
            : undefined;
        }
        let value: string;
        try {
          value = decodeURIComponent(part);
        } catch {
          return undefined;
        }
        if (segment.kind === "literal") {
          if (value.toLowerCase() !== segment.text) return undefined;
        } else {
          if (segment.constraint && !segment.constraint.test(value)) return undefined;
          params[segment.name] = value;
        }
      }
      return parts.length === segments.length ? { params } : undefined;
    },
  };
}
