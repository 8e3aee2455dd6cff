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

/**
 * A trust document in the directory does not have the shape of a trust (operators write them by hand). It is
 * answered as an unavailable dependency (503): the directory needs an operator, and the caller can only retry.
 */
export class TrustDocumentInvalid extends ServiceError {
  readonly trustId: string;
  /** The paths of the fields that are wrong; never their values. */
  readonly invalidFields: string;

  constructor(trustId: string, invalidFields: string) {
    super("dependency_unavailable", "A trust document in the directory is not valid.");
    this.trustId = trustId;
    this.invalidFields = invalidFields;
  }

  override logDetails() {
    return { trustId: this.trustId, invalidFields: this.invalidFields };
  }
}
