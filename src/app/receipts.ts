// A share's receipt (API.md section 11): what the staff member shared with which trust and when, the event and how
// far its delivery has got, signed by the service so that anyone can check it against the JWKS.
import { MINTED_ID } from "../domain/secrets.js";
import type { DeliveryStatus } from "../domain/shareDelivery.js";
import { ServiceError } from "../errors.js";
import type { Clock, Session, ShareEventStore, ShareStore } from "./ports.js";
import { ShareNotFound } from "./shares.js";

/** What a receipt states: identifiers, types and times only, never a claim value. */
export type ShareReceipt = {
  readonly subject: string;
  readonly shareId: string;
  readonly trustId: string;
  readonly credentialTypes: readonly string[];
  readonly sharedAt: string;
  readonly eventId: string;
  /** The delivery so far; `at` once the trust has acknowledged the event. */
  readonly delivery: { readonly status: DeliveryStatus; readonly at?: string };
};

/** Signs a receipt as a compact JWS with the service's current key. */
export type ReceiptSigner = (receipt: ShareReceipt, now: Date) => Promise<string>;

export type ReceiptDeps = {
  shares: Pick<ShareStore, "get">;
  events: Pick<ShareEventStore, "get">;
  signReceipt: ReceiptSigner;
  clock: Clock;
};

/** Only a shared share has something to attest: types that went to the trust, an event and its delivery. */
export class ShareNotShared extends ServiceError {
  constructor() {
    super("share_not_shared", "The share has not been shared, so there is nothing to give a receipt for.");
  }
}

/**
 * The signed receipt of one of the session subject's shares. Another staff member's share is as unknown as one
 * that does not exist (as GET /api/shares/{shareId} answers). Until the record consumer has stored the event, its
 * delivery is `pending`: the outbox still holds it and will publish it.
 */
export async function shareReceipt(deps: ReceiptDeps, session: Session, shareId: string): Promise<string> {
  // An id we could never have minted is unknown without asking the store.
  const stored = MINTED_ID.test(shareId) ? await deps.shares.get(session.subject, shareId) : undefined;
  if (stored === undefined) throw new ShareNotFound();
  const share = stored.value;
  if (share.progress.status !== "shared") throw new ShareNotShared();
  const { eventId, sharedAt } = share.progress;
  const event = await deps.events.get(share.trustId, eventId);
  const delivery = event?.value.delivery;
  return deps.signReceipt(
    {
      subject: share.subject,
      shareId: share.id,
      trustId: share.trustId,
      credentialTypes: share.credentialTypes,
      sharedAt,
      eventId,
      delivery:
        delivery === undefined
          ? { status: "pending" }
          : {
              status: delivery.status,
              ...(delivery.status === "delivered" && delivery.deliveredAt !== undefined
                ? { at: delivery.deliveredAt }
                : {}),
            },
    },
    deps.clock(),
  );
}
