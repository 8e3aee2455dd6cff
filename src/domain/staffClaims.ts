// The staff claims a session and a share carry from the access key, in a module of their own so that the share
// event, the login and the acceptance rules can all name them without importing one another.
import type { ACCESS_KEY_STAFF_CLAIMS } from "./catalogue.js";

export type StaffClaimName = (typeof ACCESS_KEY_STAFF_CLAIMS)[number];

/** The access key's staff claims that were present as strings; nothing else from the key. */
export type StaffClaims = { readonly [name in StaffClaimName]?: string };
