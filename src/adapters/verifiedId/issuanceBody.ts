// The createIssuanceRequest body, as Microsoft documents it for the ID token hint flow (the one flow that takes
// claims, a PIN and an expiration date), built from typed input so the callback URL and key are always ours.
import type { IssuanceRequestInput } from "../../app/ports.js";
import { callbackUrlFor } from "./requestBody.js";

export type IssuanceRequestBody = {
  authority: string;
  includeQRCode: boolean;
  registration: { clientName: string };
  callback: { url: string; state: string; headers: { "api-key": string } };
  type: string;
  manifest: string;
  pin: { value: string; length: number };
  claims: Record<string, string>;
  expirationDate: string;
};

/** Microsoft's bounds for a PIN's length. */
const PIN = /^[0-9]{4,16}$/;

export function buildIssuanceRequestBody(
  settings: { readonly callbackUrl: string; readonly apiKey: string },
  input: IssuanceRequestInput,
): IssuanceRequestBody {
  // Checked here too: a PIN the service would refuse must never leave as a request the person cannot complete.
  if (!PIN.test(input.pin)) throw new TypeError("A PIN is 4 to 16 digits");
  return {
    authority: input.authority,
    includeQRCode: true,
    registration: { clientName: input.clientName },
    callback: {
      url: callbackUrlFor(settings.callbackUrl, input.state),
      state: input.state,
      headers: { "api-key": settings.apiKey },
    },
    type: input.type,
    manifest: input.manifest,
    pin: { value: input.pin, length: input.pin.length },
    claims: { ...input.claims },
    expirationDate: input.expirationDate.toISOString(),
  };
}
