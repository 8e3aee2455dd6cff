// The body the Request Service POSTs to our callback endpoint, as documented for presentation requests. Unknown
// fields are stripped: the service adds fields over time and the receipt's format is not fixed.
import { z } from "zod";

export const verifiedIdRequestStatuses = [
  "request_retrieved",
  "presentation_verified",
  "presentation_error",
] as const;

const presentedCredentialSchema = z.object({
  issuer: z.string().min(1),
  type: z.array(z.string().min(1)).min(1),
  claims: z.record(z.string(), z.unknown()),
  credentialState: z.object({ revocationStatus: z.string().min(1) }),
  domainValidation: z.object({ url: z.string() }).optional(),
  issuanceDate: z.string().optional(),
  expirationDate: z.string().optional(),
});

export const verifiedIdCallbackSchema = z.object({
  requestId: z.string().min(1),
  requestStatus: z.enum(verifiedIdRequestStatuses),
  state: z.string().min(1),
  /** The holder's DID; the same for every presentation from one Authenticator install. */
  subject: z.string().min(1).optional(),
  verifiedCredentialsData: z.array(presentedCredentialSchema).optional(),
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
