// A trust in the directory: who it is, which access key it issues, and where its share events go. The schema is
// the one shape both the seed and a document read from the directory must have.
import * as z from "zod";

/**
 * How a trust receives its share events: pushed to its RFC 8935 endpoint as signed SETs, or read by the trust
 * itself from the `share-events` topic through its own subscription filtered on `trustId`.
 */
export type TrustDelivery =
  | { readonly mode: "push"; readonly endpoint: string }
  | { readonly mode: "subscription" };

export type Trust = {
  /** ODS-style organisation code, e.g. "RBH". */
  readonly id: string;
  readonly name: string;
  readonly active: boolean;
  /** The credential type of this trust's access key (see catalogue ACCESS_KEY_TYPE). */
  readonly accessKeyType: string;
  /** The DIDs that issue this trust's access keys; never empty. */
  readonly issuerDids: readonly [string, ...string[]];
  /** Where share events go; absent for a trust that receives none yet. */
  readonly delivery?: TrustDelivery;
};

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * A push endpoint must be https (RFC 8935 section 5.3: TLS MUST be used); plain http is allowed only on this
 * machine, for the local demo trust.
 */
export function isAllowedDeliveryEndpoint(endpoint: string): boolean {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return false;
  }
  if (url.username !== "" || url.password !== "") return false;
  return url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname));
}

const did = z.string().regex(/^did:[a-z0-9]+:.+$/, "must be a DID");

/** The fields of a trust; `delivery` is strict, so a misspelt delivery field is refused rather than ignored. */
export const trustFields = {
  id: z.string().regex(/^[A-Z0-9]{3,5}$/, "must be an ODS-style code"),
  name: z.string().min(1),
  active: z.boolean(),
  accessKeyType: z.string().min(1),
  issuerDids: z.tuple([did], did),
  delivery: z
    .discriminatedUnion("mode", [
      z.strictObject({
        mode: z.literal("push"),
        endpoint: z
          .url()
          .refine(isAllowedDeliveryEndpoint, "must be https (http only on a loopback address)"),
      }),
      z.strictObject({ mode: z.literal("subscription") }),
    ])
    .exactOptional(),
};

/** A trust as stored; fields it does not know (the store's own among them) are dropped. */
export const trustSchema = z.object(trustFields);

/** The id and name of a trust, as the directory search reads them. */
export const trustSummarySchema = z.object({ id: trustFields.id, name: trustFields.name });
