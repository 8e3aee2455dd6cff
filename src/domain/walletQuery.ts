// What an OpenID4VP request asks a standard wallet for (API.md section 9): one query per credential, each naming
// the catalogue's SD-JWT VC type and only the claims a trust needs, so that the wallet discloses nothing else.
import {
  ACCESS_KEY_DISCLOSED_CLAIMS,
  ACCESS_KEY_TRUST_CLAIM,
  ACCESS_KEY_TYPE,
  shareableCredentialType,
  vctOf,
} from "./catalogue.js";

/** One claim asked for, by its top-level name; `values` asks the wallet for a credential holding one of them. */
export type ClaimQuery = { readonly name: string; readonly values?: readonly [string, ...string[]] };

/** One credential asked for: the query id is the catalogue type, which DCQL ids allow (letters only). */
export type CredentialQuery = {
  readonly id: string;
  readonly type: string;
  readonly vct: string;
  readonly claims: readonly ClaimQuery[];
};

/** A login asks for the trust's access key, with the trust claim fixed to the trust and the staff claims. */
export function loginQueries(trustId: string): readonly CredentialQuery[] {
  return [accessKeyQuery(trustId, ACCESS_KEY_DISCLOSED_CLAIMS)];
}

/**
 * A share asks for the trust's access key (its trust claim only) and each chosen type. The access key is what
 * ties the share to the login: a standard wallet may hold each credential under a different key, but the access
 * key is the one credential both requests ask for, so its key must be the session's (see bindingOf).
 */
export function shareQueries(trustId: string, types: readonly string[]): readonly CredentialQuery[] {
  return [
    accessKeyQuery(trustId, [ACCESS_KEY_TRUST_CLAIM]),
    ...types.map((type): CredentialQuery => {
      const entry = shareableCredentialType(type);
      if (entry === undefined) throw new RangeError(`${type} is not a shareable credential type`);
      return { id: type, type, vct: vctOf(type), claims: entry.disclosedClaims.map((name) => ({ name })) };
    }),
  ];
}

function accessKeyQuery(trustId: string, claims: readonly string[]): CredentialQuery {
  return {
    id: ACCESS_KEY_TYPE,
    type: ACCESS_KEY_TYPE,
    vct: vctOf(ACCESS_KEY_TYPE),
    claims: claims.map((name) => (name === ACCESS_KEY_TRUST_CLAIM ? { name, values: [trustId] } : { name })),
  };
}
