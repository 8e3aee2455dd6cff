// The body the Request Service POSTs to our callback endpoint, as documented for presentation and issuance
// requests, and the one mapping from it to what the use case reads. Unknown fields are stripped: the service adds fields over time
// and the receipt's format is not fixed. A credential missing a field the acceptance rules need is not a
// malformed body: it becomes a refusal (`presentation_incomplete`), so the request fails instead of hanging.
import * as z from "zod";
import type { CallbackReport, PresentedCredential } from "../../domain/presentation.js";

export const verifiedIdRequestStatuses = [
  "request_retrieved",
  "presentation_verified",
  "presentation_error",
  // An access key's issuance request (API.md section 10); these carry no subject and no claims.
  "issuance_successful",
  "issuance_error",
] as const;

/**
 * Claims are kept as given and stored and signed as JSON later, where a value nested thousands deep overflows
 * the serialiser's stack (a 503 that Verified ID would retry for ever). No credential nests this deep.
 */
export const MAX_CLAIM_DEPTH = 32;

/** True when no array or object inside `value` is nested deeper than `max`; iterative, so depth cannot hurt it. */
export function nestedAtMost(value: unknown, max: number): boolean {
  const pending: [unknown, number][] = [[value, 0]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [item, depth] = next;
    if (typeof item !== "object" || item === null) continue;
    if (depth >= max) return false;
    for (const child of Object.values(item)) pending.push([child, depth + 1]);
  }
  return true;
}

/** What the acceptance rules need of a credential; checked per credential after the body is accepted. */
const presentedCredentialSchema = z.object({
  issuer: z.string().min(1),
  type: z.array(z.string().min(1)).min(1),
  claims: z
    .record(z.string(), z.unknown())
    .refine((claims) => nestedAtMost(claims, MAX_CLAIM_DEPTH), "claims are nested too deeply"),
  credentialState: z.object({ revocationStatus: z.string().min(1) }),
  domainValidation: z.object({ url: z.string() }).optional(),
  issuanceDate: z.string().optional(),
  expirationDate: z.string().optional(),
});

/** Only what identifies the callback and routes it; the credentials' own fields are judged by the rules. */
export const verifiedIdCallbackSchema = z.object({
  requestId: z.string().min(1),
  requestStatus: z.enum(verifiedIdRequestStatuses),
  state: z.string().min(1),
  /** The holder's DID; the same for every presentation from one Authenticator install. */
  subject: z.string().optional(),
  verifiedCredentialsData: z.array(z.unknown()).optional(),
  /** For troubleshooting only (Microsoft); `vp_token` may be one token or several. */
  receipt: z
    .object({
      id_token: z.string().optional(),
      vp_token: z.union([z.string(), z.array(z.string())]).optional(),
    })
    .optional(),
  // Error codes of presentation_error are undocumented; a body without a message is still a failure to record.
  error: z.object({ code: z.string(), message: z.string().optional() }).optional(),
});

export type VerifiedIdCallback = z.infer<typeof verifiedIdCallbackSchema>;
export type VerifiedIdPresentedCredential = z.infer<typeof presentedCredentialSchema>;
export type VerifiedIdRequestStatus = (typeof verifiedIdRequestStatuses)[number];

/** The callback as the use case reads it: its identity, its status, and for a presentation what was presented. */
export function callbackReportOf(callback: VerifiedIdCallback): CallbackReport {
  const base = { requestId: callback.requestId, state: callback.state };
  switch (callback.requestStatus) {
    case "request_retrieved":
      return { ...base, status: "retrieved" };
    case "presentation_error":
      return { ...base, status: "error" };
    case "issuance_successful":
      return { ...base, status: "issued" };
    case "issuance_error":
      return {
        ...base,
        status: "issuanceFailed",
        error: {
          // Kept on the access key for the trust to read, so bounded: the codes are short, the text is free.
          code: (callback.error?.code ?? "issuance_error").slice(0, 100),
          ...(callback.error?.message === undefined ? {} : { message: callback.error.message.slice(0, 500) }),
        },
      };
    case "presentation_verified": {
      const credentials: PresentedCredential[] = [];
      for (const entry of callback.verifiedCredentialsData ?? []) {
        const parsed = presentedCredentialSchema.safeParse(entry);
        if (!parsed.success) return { ...base, status: "verified", presentation: { ok: false } };
        const { issuer, type, claims, credentialState, issuanceDate, expirationDate } = parsed.data;
        credentials.push({
          issuer,
          type,
          claims,
          revocationStatus: credentialState.revocationStatus,
          // What Verified ID issues and presents: W3C VCs as JWTs, as OpenID4VP names the format.
          format: "jwt_vc_json",
          ...(issuanceDate === undefined ? {} : { issuanceDate }),
          ...(expirationDate === undefined ? {} : { expirationDate }),
        });
      }
      return {
        ...base,
        status: "verified",
        presentation: { ok: true, subject: callback.subject ?? "", credentials },
      };
    }
  }
}
