// Trust keys and tokens as a trust's HR system makes them (API.md section 7), for the tests of the trust API:
// a P-256 key pair with its public JWK, and a token signed with it whose every claim and header a test can change.
import { randomUUID } from "node:crypto";
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from "jose";
import { services } from "../../src/composition.js";

export type TrustKey = { kid: string; privateKey: CryptoKey; jwk: JWK & { kid: string } };

export async function trustKey(kid = `test-${randomUUID()}`): Promise<TrustKey> {
  const { privateKey, publicKey } = await generateKeyPair("ES256");
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" } };
}

export type TokenOptions = {
  /** Claims that replace the defaults (`undefined` removes one). */
  claims?: Record<string, unknown>;
  header?: Record<string, unknown>;
  now?: Date;
};

/** A token signed as the trust: iss = sub = trustId, the audience given, five minutes or less, a fresh jti. */
export async function trustToken(
  key: TrustKey,
  trustId: string,
  audience: string,
  options: TokenOptions = {},
): Promise<string> {
  const iat = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const defaults: JWTPayload = {
    iss: trustId,
    sub: trustId,
    aud: audience,
    iat,
    exp: iat + 120,
    jti: randomUUID(),
  };
  const claims = Object.fromEntries(
    Object.entries({ ...defaults, ...options.claims }).filter(([, value]) => value !== undefined),
  );
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "ES256", kid: key.kid, typ: "JWT", ...options.header } as never)
    .sign(key.privateKey);
}

const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** An unsigned token (`alg: none`) with the claims of a genuine one. */
export function unsignedToken(claims: Record<string, unknown>): string {
  return `${encode({ alg: "none", typ: "JWT" })}.${encode(claims)}.`;
}

/** A token with the claims given, MACed with HS256 under a key an attacker knows (e.g. a public JWK). */
export async function hs256Token(claims: Record<string, unknown>, secret: string): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .sign(new TextEncoder().encode(secret));
}

/** Registers the key on the trust's document in the running system's directory, in place of its jwksUri. */
export async function registerTrustKey(trustId: string, key: TrustKey): Promise<void> {
  const trust = await services().trusts.get(trustId);
  if (trust === undefined) throw new Error(`the seed has no ${trustId}`);
  const { jwksUri: _uri, ...rest } = trust;
  await services().trusts.upsertAll([{ ...rest, jwks: { keys: [key.jwk as never] } }]);
}
