// The Verified ID adapter's public surface: the Request Service client, its errors, the callback body schema and
// the local credential used with the simulator.

export {
  callbackReportOf,
  type VerifiedIdCallback,
  type VerifiedIdPresentedCredential,
  type VerifiedIdRequestStatus,
  verifiedIdCallbackSchema,
  verifiedIdRequestStatuses,
} from "./callback.js";
export {
  createVerifiedIdClient,
  type PresentationRequestCreated,
  VERIFIED_ID_BASE_URL,
  type VerifiedIdClient,
  type VerifiedIdClientOptions,
} from "./client.js";
export { VerifiedIdError, type VerifiedIdErrorDetails, type VerifiedIdFailure } from "./errors.js";
export { StaticTokenCredential } from "./localCredential.js";
export type {
  PresentationConstraint,
  PresentationRequestBody,
  PresentationRequestInput,
  RequestedCredentialInput,
} from "./requestBody.js";
export type { RetryOptions } from "./retry.js";
export { VERIFIED_ID_SCOPE } from "./tokenCache.js";
