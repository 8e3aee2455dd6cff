// The subject-access export (API.md section 11, UK GDPR Article 15): everything the service holds about the
// session's subject, across trusts. Its shares (with the trusts' decisions and each event's delivery), the
// credential requests and access keys the trusts addressed to the staff ids the person shared under, and the audit
// entries about them. Claim values are not in it: the service keeps them only until the trust has them.

import { type AccessKeyView, accessKeyView } from "../domain/accessKey.js";
import type { AuditEntry } from "../domain/audit.js";
import { type CredentialRequestView, credentialRequestView } from "../domain/credentialRequest.js";
import { type Share, type ShareView, shareView } from "../domain/share.js";
import type {
  AccessKeyStore,
  AuditTrail,
  Clock,
  CredentialRequestStore,
  Session,
  ShareEventStore,
  ShareStore,
} from "./ports.js";

export type PersonalDataDeps = {
  shares: ShareStore;
  credentialRequests: CredentialRequestStore;
  accessKeys: AccessKeyStore;
  events: Pick<ShareEventStore, "get">;
  auditTrail: AuditTrail;
  clock: Clock;
};

/** A share as exported: as the portal shows it, and how far its event got to the trust. */
export type ExportedShare = ShareView & { delivery?: { status: string; at?: string } };

export type PersonalDataExport = {
  subject: string;
  exportedAt: string;
  /** The staff ids the person shared under, per trust: where the trusts' requests and access keys were found. */
  staffIds: { trustId: string; staffId: string }[];
  shares: ExportedShare[];
  credentialRequests: CredentialRequestView[];
  accessKeys: (AccessKeyView & { trustId: string })[];
  auditEntries: AuditEntry[];
  /** What the export leaves out, and why, in words for the person reading it. */
  notIncluded: string[];
};

/** Pages through the whole history (it is one partition, newest first). */
const PAGE = 100;
/** A bound per trust on what a trust addressed to one staff id. */
const PER_STAFF_ID = 500;

export const NOT_INCLUDED = [
  "The values of your credentials' claims: the service keeps them only until the organisation has received them " +
    "(or for the retention period when it never does), and then deletes them.",
  "Login requests: they expire minutes after the login; the audit entries record each login.",
];

export async function exportPersonalData(
  deps: PersonalDataDeps,
  session: Session,
): Promise<PersonalDataExport> {
  const now = deps.clock();
  const stored: Share[] = [];
  for (let after: string | undefined; ; ) {
    const page = await deps.shares.history(session.subject, {
      ...(after === undefined ? {} : { after }),
      limit: PAGE,
    });
    stored.push(...page);
    if (page.length < PAGE) break;
    after = page.at(-1)?.historyKey;
  }
  const shares = await Promise.all(stored.map((share) => withDelivery(deps, share, now)));

  // The staff ids the person is known by: the session's, and those their shares were made under.
  const known = new Map<string, { trustId: string; staffId: string }>();
  const addStaffId = (trustId: string, staffId: string | undefined) => {
    if (staffId !== undefined) known.set(`${trustId} ${staffId}`, { trustId, staffId });
  };
  addStaffId(session.trustId, session.staff.staffId);
  for (const share of stored) addStaffId(share.trustId, share.staff.staffId);
  const staffIds = [...known.values()];

  const credentialRequests = (
    await Promise.all(
      staffIds.map(({ trustId, staffId }) =>
        deps.credentialRequests.forStaff(trustId, staffId, PER_STAFF_ID),
      ),
    )
  )
    .flat()
    .map(credentialRequestView);
  const accessKeys = (
    await Promise.all(
      staffIds.map(async ({ trustId, staffId }) =>
        (
          await deps.accessKeys.listFor(trustId, staffId, PER_STAFF_ID)
        ).map((key) => ({
          trustId,
          ...accessKeyView(key, now),
        })),
      ),
    )
  ).flat();

  return {
    subject: session.subject,
    exportedAt: now.toISOString(),
    staffIds,
    shares,
    credentialRequests,
    accessKeys,
    auditEntries: await deps.auditTrail.bySubject(session.subject),
    notIncluded: NOT_INCLUDED,
  };
}

async function withDelivery(deps: PersonalDataDeps, share: Share, now: Date): Promise<ExportedShare> {
  const view = shareView(share, now);
  if (share.progress.status !== "shared") return view;
  const event = await deps.events.get(share.trustId, share.progress.eventId);
  if (event === undefined) return { ...view, delivery: { status: "pending" } };
  const { status, deliveredAt } = event.value.delivery;
  return { ...view, delivery: { status, ...(deliveredAt === undefined ? {} : { at: deliveredAt }) } };
}
