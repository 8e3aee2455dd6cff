// RFC 9457 problem details: the one place where errors become HTTP responses.
import { ServiceError } from "../errors.js";

export type FieldError = { path: string; message: string };

export type Problem = {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: FieldError[];
};

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** Status and title for each stable error code. Codes not listed are server errors. */
const PROBLEMS: Readonly<Record<string, { status: number; title: string; detail?: string }>> = {
  validation_failed: { status: 400, title: "The request is not valid" },
  malformed_json: { status: 400, title: "The body is not valid JSON" },
  endpoint_refused: { status: 400, title: "The push endpoint is not one the service sends to" },
  presentation_refused: { status: 400, title: "The wallet's presentation was refused" },
  response_invalid: { status: 400, title: "The wallet's response cannot be taken" },
  unauthorized: { status: 401, title: "Authentication is required" },
  invalid_session: { status: 401, title: "The session is missing, invalid or expired" },
  invalid_trust_token: { status: 401, title: "The trust token is missing, invalid or expired" },
  invalid_callback: { status: 401, title: "The callback is not authorised" },
  trust_inactive: { status: 403, title: "The session's trust is no longer active" },
  not_found: { status: 404, title: "Not found" },
  unknown_trust: { status: 404, title: "No active trust has that id" },
  method_not_allowed: { status: 405, title: "Method not allowed" },
  conflict: { status: 409, title: "The request conflicts with the resource's state" },
  share_not_shared: { status: 409, title: "The share has not been shared" },
  payload_too_large: { status: 413, title: "The body is too large" },
  unsupported_media_type: { status: 415, title: "Unsupported media type" },
  rate_limited: { status: 429, title: "Too many requests" },
  // Server-side failures carry a fixed detail: the error's own message (codes, hosts) goes to the log only.
  verified_id_failed: {
    status: 502,
    title: "Verified ID could not create the request",
    detail: "Microsoft Entra Verified ID did not accept or answer the request. Try again shortly.",
  },
  dependency_unavailable: {
    status: 503,
    title: "A dependency is unavailable",
    detail: "A service this API depends on did not answer. Try again shortly.",
  },
  openid4vp_unavailable: {
    status: 503,
    title: "Standard wallets are unavailable",
    detail: "The service cannot make or check OpenID4VP requests at the moment. Try again shortly.",
  },
  signing_key_unavailable: {
    status: 503,
    title: "The signing keys are unavailable",
    detail: "The keys that sign session tokens could not be read. Try again shortly.",
  },
};

export function problemType(code: string): string {
  return `urn:nhs:staff-passport:problem:${code}`;
}

/** Builds the problem for a known code. */
export function problem(
  code: string,
  detail: string,
  extra?: { errors?: FieldError[]; instance?: string },
): Problem {
  const known = PROBLEMS[code] ?? { status: 500, title: "Internal server error" };
  return { type: problemType(code), title: known.title, status: known.status, detail, ...extra };
}

/** The problem for any thrown value. Unknown errors become a bare 500 that reveals nothing about the cause. */
export function problemFromError(error: unknown, instance?: string): Problem {
  const at = instance === undefined ? {} : { instance };
  const known = error instanceof ServiceError ? PROBLEMS[error.code] : undefined;
  if (error instanceof ServiceError && known) {
    const errors = (error as { errors?: FieldError[] }).errors;
    return problem(error.code, known.detail ?? error.message, errors ? { ...at, errors } : at);
  }
  return problem("internal_error", "The service could not complete the request.", at);
}

/** Thrown by endpoints to answer with a specific problem. */
export class HttpProblem extends ServiceError {
  readonly errors: FieldError[] | undefined;

  constructor(code: string, detail: string, errors?: FieldError[]) {
    super(code, detail);
    this.errors = errors;
  }
}
