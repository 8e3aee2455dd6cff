// Signing keys of the simulated parties: each wallet's holder key (its DID is did:jwk of the public key) and the
// issuers' keys, generated in memory at start so that nothing secret is ever written to disk.
import { base64url, type CryptoKey, exportJWK, generateKeyPair, type JWK } from "jose";

export const SIGNING_ALG = "ES256";

export type SigningKey = {
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
  /** The DID URL of the verification method, used as the JWS `kid`. */
  readonly kid: string;
};

export async function newKeyPair(): Promise<{ readonly privateKey: CryptoKey; readonly publicJwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair(SIGNING_ALG);
  const { kty, crv, x, y } = await exportJWK(publicKey);
  if (kty === undefined || crv === undefined || x === undefined || y === undefined) {
    throw new Error("Unexpected public key export");
  }
  return { privateKey, publicJwk: { kty, crv, x, y } };
}

/** did:jwk (https://github.com/quartzjer/did-jwk): the DID is the public key, so it resolves without a network. */
export function didJwkOf(publicJwk: JWK): string {
  const { kty, crv, x, y } = publicJwk;
  return `did:jwk:${base64url.encode(JSON.stringify({ crv, kty, x, y }))}`;
}

/** The public key a did:jwk names (its single verification method is `<did>#0`). */
export function publicJwkOfDidJwk(did: string): JWK {
  if (!did.startsWith("did:jwk:")) throw new TypeError("Not a did:jwk");
  const encoded = did.slice("did:jwk:".length).split("#")[0] ?? "";
  return JSON.parse(new TextDecoder().decode(base64url.decode(encoded))) as JWK;
}

/** The simulator is the only issuer: one key per issuer DID, made the first time that issuer signs. */
export class IssuerKeys {
  readonly #keys = new Map<string, Promise<SigningKey>>();

  keyFor(issuerDid: string): Promise<SigningKey> {
    let key = this.#keys.get(issuerDid);
    if (key === undefined) {
      key = newKeyPair().then(({ privateKey, publicJwk }) => ({
        privateKey,
        publicJwk,
        kid: `${issuerDid}#key-1`,
      }));
      this.#keys.set(issuerDid, key);
    }
    return key;
  }

  async list(): Promise<{ readonly did: string; readonly kid: string; readonly publicJwk: JWK }[]> {
    const entries = await Promise.all(
      [...this.#keys].map(async ([did, key]) => {
        const { kid, publicJwk } = await key;
        return { did, kid, publicJwk };
      }),
    );
    return entries.sort((a, b) => a.did.localeCompare(b.did));
  }
}
