// What the security suite's files share: one local system per file, the seed's shareable types, and a
// presentation_verified body shaped by hand from a wallet's own credentials.
import type { LocalSystem } from "../../local/system.js";
import { presentedCredential, verifiedShareBody as shareBody, type Urls } from "../support/journeys.js";

export const IDENTITY = "StaffPassportIdentity";
export const DBS = "StaffPassportDbsCheck";

export const urlsOf = (system: LocalSystem): Urls => ({
  api: `${system.urls.host}/api`,
  sim: system.urls.verifiedId,
});

export { subjectOf } from "../support/journeys.js";

/** A presentation_verified body for a share, from the wallet's own credentials of these types. */
export async function verifiedShareBody(
  urls: Urls,
  share: { shareId: string; url: string },
  subject: string,
  walletId: string,
  types: readonly string[],
) {
  const credentials = await Promise.all(types.map((type) => presentedCredential(urls, walletId, type)));
  return shareBody(share, subject, credentials);
}
