// The createPresentationRequest body, built from typed input so that security-relevant fields (issuers,
// revocation, linked domain, callback URL and key) are always set the same way and never taken from a caller.

import type {
  PresentationConstraint,
  PresentationRequestInput,
  RequestedCredentialInput,
} from "../../app/ports.js";

export type { PresentationConstraint, PresentationRequestInput, RequestedCredentialInput };

/** The part of the body that comes from configuration and from the client, never from the caller's input. */
export type PresentationRequestSettings = {
  readonly authority: string;
  /** Our callback endpoint's base; each request's own callback URL is this with the request's `state` after it. */
  readonly callbackUrl: string;
  readonly apiKey: string;
};

export type PresentationRequestBody = {
  authority: string;
  includeQRCode: boolean;
  includeReceipt: boolean;
  registration: { clientName: string; purpose: string };
  callback: { url: string; state: string; headers: { "api-key": string } };
  requestedCredentials: {
    type: string;
    purpose: string;
    acceptedIssuers: string[];
    configuration: { validation: { allowRevoked: true; validateLinkedDomain: true } };
    constraints?: PresentationConstraint[];
  }[];
};

export function buildPresentationRequestBody(
  settings: PresentationRequestSettings,
  input: PresentationRequestInput,
): PresentationRequestBody {
  if (input.requestedCredentials.length === 0) {
    throw new TypeError("A presentation request needs at least one requested credential");
  }
  return {
    authority: settings.authority,
    includeQRCode: input.includeQRCode ?? true,
    includeReceipt: input.includeReceipt ?? false,
    registration: { clientName: input.clientName, purpose: input.purpose },
    callback: {
      url: callbackUrlFor(settings.callbackUrl, input.state),
      state: input.state,
      headers: { "api-key": settings.apiKey },
    },
    requestedCredentials: input.requestedCredentials.map((requested) => {
      // Checked at run time too: a caller that built the tuple with a cast must not widen the issuer set to "any".
      if (
        requested.acceptedIssuers.length === 0 ||
        requested.acceptedIssuers.some((issuer) => issuer === "")
      ) {
        throw new TypeError(`Requested credential ${requested.type} has no accepted issuers`);
      }
      return {
        type: requested.type,
        purpose: requested.purpose,
        acceptedIssuers: [...requested.acceptedIssuers],
        // Revoked credentials are let through so that the service refuses them itself as `credential_revoked`
        // (acceptPresentation) rather than Verified ID failing the presentation without saying why (API.md
        // section 10). The issuer's linked domain is checked; that is off by default.
        configuration: { validation: { allowRevoked: true, validateLinkedDomain: true } },
        ...(requested.constraints !== undefined && requested.constraints.length > 0
          ? { constraints: requested.constraints.map((constraint) => ({ ...constraint })) }
          : {}),
      };
    }),
  };
}

/**
 * The callback URL of one request: the endpoint with our request id as its last segment, so that the callback
 * names the one record whose key it must match before a byte of its body is read (API.md section 2).
 */
export function callbackUrlFor(callbackUrl: string, state: string): string {
  return `${callbackUrl.replace(/\/+$/, "")}/${encodeURIComponent(state)}`;
}
