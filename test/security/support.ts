// What the security suite's files share beyond their one local system (test/support/suiteSystem.ts): the seed's
// shareable types, and a presentation_verified body shaped by hand from a wallet's own credentials.
import { presentedCredential, verifiedShareBody as shareBody, type Urls } from "../support/journeys.js";

export const IDENTITY = "StaffPassportIdentity";
export const DBS = "StaffPassportDbsCheck";

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
