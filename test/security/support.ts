// What the security suite's files share: one local system per file, the seed's shareable types, and a
// presentation_verified body shaped by hand from a wallet's own credentials.
import { decodeJwt } from "jose";
import type { LocalSystem } from "../../local/system.js";
import { requestIdOf, type Urls, walletOf } from "../support/journeys.js";

export const IDENTITY = "StaffPassportIdentity";
export const DBS = "StaffPassportDbsCheck";

export const urlsOf = (system: LocalSystem): Urls => ({
  api: `${system.urls.host}/api`,
  sim: system.urls.verifiedId,
});

export const subjectOf = (session: string) => decodeJwt(session).sub ?? "";

/** A presentation_verified body for a share, as the Request Service would send it. */
export async function verifiedShareBody(
  urls: Urls,
  share: { shareId: string; url: string },
  subject: string,
  walletId: string,
  types: readonly string[],
) {
  const { credentials } = await walletOf(urls, walletId);
  return {
    requestId: requestIdOf(share.url),
    requestStatus: "presentation_verified",
    state: share.shareId,
    subject,
    verifiedCredentialsData: types.map((type) => {
      const found = credentials.find((credential) => credential.type === type);
      if (!found) throw new Error(`${walletId} holds no ${type}`);
      return {
        issuer: found.issuer,
        type: ["VerifiableCredential", type],
        claims: found.claims,
        credentialState: { revocationStatus: "VALID" },
      };
    }),
  };
}
