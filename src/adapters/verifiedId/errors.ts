// The typed error for a failed call to the Verified ID Request Service. Its message is built only from status
// and codes, never from the request, the token or the service's free text, so it is safe to log and to surface.
import * as z from "zod";
import { ServiceError } from "../../errors.js";

/** Why the call failed: the service refused it, it stayed unavailable, no token, or it answered nonsense. */
export type VerifiedIdFailure = "rejected" | "unavailable" | "token" | "invalid_response";

export type VerifiedIdErrorDetails = {
  readonly reason: VerifiedIdFailure;
  /** HTTP status of the last response; absent when no response arrived. */
  readonly status?: number;
  /** The service's `error.code`, e.g. `badRequest`, `tooManyRequests`. */
  readonly serviceCode?: string;
  /** The service's `error.innererror.code`, e.g. `badOrMissingField`, `transientError`. */
  readonly innerCode?: string;
  /** The request field the service named, e.g. `callback.url`. */
  readonly target?: string;
  /** The service's own correlation id, for support requests to Microsoft. */
  readonly serviceRequestId?: string;
  readonly attempts: number;
};

export class VerifiedIdError extends ServiceError {
  readonly reason: VerifiedIdFailure;
  readonly status: number | undefined;
  readonly serviceCode: string | undefined;
  readonly innerCode: string | undefined;
  readonly target: string | undefined;
  readonly serviceRequestId: string | undefined;
  readonly attempts: number;

  constructor(details: VerifiedIdErrorDetails, options?: { cause?: unknown }) {
    // One stable code for the HTTP layer (502 to the portal); `reason` and the service codes carry the detail.
    super("verified_id_failed", describe(details), options);
    this.reason = details.reason;
    this.status = details.status;
    this.serviceCode = details.serviceCode;
    this.innerCode = details.innerCode;
    this.target = details.target;
    this.serviceRequestId = details.serviceRequestId;
    this.attempts = details.attempts;
  }

  override logDetails() {
    return {
      reason: this.reason,
      status: this.status,
      serviceCode: this.serviceCode,
      innerCode: this.innerCode,
      target: this.target,
      serviceRequestId: this.serviceRequestId,
      attempts: this.attempts,
    };
  }
}

function describe(details: VerifiedIdErrorDetails): string {
  const parts = [`Verified ID request ${details.reason}`];
  if (details.status !== undefined) parts.push(`status ${details.status}`);
  if (details.serviceCode !== undefined) parts.push(`code ${details.serviceCode}`);
  if (details.innerCode !== undefined) parts.push(`inner ${details.innerCode}`);
  if (details.target !== undefined) parts.push(`target ${details.target}`);
  parts.push(`after ${details.attempts} attempt${details.attempts === 1 ? "" : "s"}`);
  return parts.join(", ");
}

// Codes are short identifiers; anything else the service might put there is not copied into our message.
const code = z
  .string()
  .max(100)
  .regex(/^[A-Za-z0-9_.-]+$/);
const fieldPath = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9_.[\]-]+$/);

const serviceErrorBodySchema = z.object({
  requestId: code.optional().catch(undefined),
  error: z.object({
    code: code.optional().catch(undefined),
    innererror: z
      .object({
        code: code.optional().catch(undefined),
        target: fieldPath.optional().catch(undefined),
      })
      .optional()
      .catch(undefined),
  }),
});

export type ServiceErrorBody = {
  readonly serviceCode?: string;
  readonly innerCode?: string;
  readonly target?: string;
  readonly serviceRequestId?: string;
};

/** Reads the service's error body (`error.code`, `error.innererror.code`, `innererror.target`); tolerant of absence. */
export function readServiceErrorBody(text: string): ServiceErrorBody {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return {};
  }
  const parsed = serviceErrorBodySchema.safeParse(json);
  if (!parsed.success) return {};
  const { error, requestId } = parsed.data;
  return {
    ...(error.code !== undefined ? { serviceCode: error.code } : {}),
    ...(error.innererror?.code !== undefined ? { innerCode: error.innererror.code } : {}),
    ...(error.innererror?.target !== undefined ? { target: error.innererror.target } : {}),
    ...(requestId !== undefined ? { serviceRequestId: requestId } : {}),
  };
}
