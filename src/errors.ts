// Errors the service raises on purpose. Each has a stable `code` that callers branch on; the HTTP layer maps
// codes to problem+json responses in one place (src/http/problem.ts).

export class ServiceError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }

  /** Identifiers and codes worth a log line (never secrets, tokens or claims); subclasses add theirs. */
  logDetails(): Readonly<Record<string, string | number | boolean | undefined>> {
    return {};
  }
}
