// One SD-JWT VC presentation, checked as API.md section 9 lists (RFC 9901 section 7, SD-JWT VC -13, OpenID4VP
// B.3): the issuer's signature by an x5c leaf chained to the configured roots and naming `iss`, `typ` dc+sd-jwt,
// the `vct` the query asked for, every disclosure in the digests, the key binding JWT by the `cnf` key with this
// nonce, audience, a fresh iat and the right sd_hash, and the status list entry. Each refusal has its own code.
import { createHash, type X509Certificate } from "node:crypto";
import { SDJwt } from "@sd-jwt/core";
import { digest } from "@sd-jwt/crypto-nodejs";
import { base64url, calculateJwkThumbprintUri, compactVerify, importJWK, type JWK } from "jose";
import { catalogueClaimName, didOfIssuerUrl, typeOfVct } from "../../domain/catalogue.js";
import type { PresentedCredential } from "../../domain/presentation.js";
import type { RequestError } from "../../domain/requestProgress.js";
import type { CredentialQuery } from "../../domain/walletQuery.js";
import { type ChainChecker, checkChain, leafNamesIssuer } from "./certificateChains.js";
import type { StatusReader } from "./statusLists.js";

export const SD_JWT_VC_TYPE = "dc+sd-jwt";
const KEY_BINDING_TYPE = "kb+jwt";
/** A key binding JWT older than this, or this far ahead of our clock, is not fresh. */
export const KEY_BINDING_MAX_AGE_SECONDS = 300;
/** The claims SD-JWT VC registers (section 3.2.2): never a disclosed claim, never passed on as one. */
const REGISTERED_CLAIMS = new Set([
  "iss",
  "nbf",
  "exp",
  "iat",
  "cnf",
  "vct",
  "vct#integrity",
  "status",
  "sub",
  "_sd_alg",
]);

export type PresentationContext = {
  readonly nonce: string;
  readonly clientId: string;
  readonly now: Date;
  readonly issuerRoots: readonly X509Certificate[];
  readonly status: StatusReader;
  /** Checks issuer chains against `issuerRoots`; checkChain itself unless a caller keeps a cache of them. */
  readonly checkIssuerChain?: ChainChecker;
};

export type CheckedPresentation =
  | {
      readonly ok: true;
      readonly credential: PresentedCredential;
      /** RFC 9278 URI of the RFC 7638 thumbprint of the holder key (`cnf.jwk`). */
      readonly holder: string;
    }
  | { readonly ok: false; readonly error: RequestError };

const hasher = (data: string | ArrayBuffer, alg: string) => digest(data, alg);

/** Checks one presentation against the query it answers. */
export async function checkSdJwtPresentation(
  presented: string,
  query: CredentialQuery,
  context: PresentationContext,
): Promise<CheckedPresentation> {
  const what = `The ${query.type} credential`;
  const sdJwt = await SDJwt.fromEncode(presented, hasher).catch(() => undefined);
  const header = sdJwt?.jwt?.header;
  const payload = sdJwt?.jwt?.payload;
  if (sdJwt === undefined || header === undefined || payload === undefined) {
    return refuse("response_invalid", `${what} is not an SD-JWT.`);
  }
  if (header.typ !== SD_JWT_VC_TYPE) {
    return refuse("credential_type_mismatch", `${what} is not an SD-JWT VC (typ ${SD_JWT_VC_TYPE}).`);
  }
  // The issuer: a leaf certificate that chains to a configured root and names `iss`.
  const iss = typeof payload.iss === "string" ? payload.iss : "";
  const chain =
    context.checkIssuerChain?.(header.x5c, context.now) ??
    checkChain(header.x5c, context.issuerRoots, context.now);
  if (!chain.ok || !leafNamesIssuer(chain.leaf, iss)) {
    return refuse("issuer_not_accepted", `${what} is not signed by an issuer this service trusts.`);
  }
  const issuerJwt = presented.slice(0, presented.indexOf("~"));
  const signed = await compactVerify(issuerJwt, chain.leaf.publicKey, { algorithms: ["ES256"] }).catch(
    () => undefined,
  );
  if (signed === undefined) return refuse("signature_invalid", `${what}'s issuer signature does not verify.`);
  if (payload.vct !== query.vct) {
    return refuse("credential_type_mismatch", `${what} presented is of another type (vct).`);
  }
  // Every disclosure must be referenced by a digest the issuer signed (RFC 9901 section 7.1 step 3.3.5).
  const claims = await sdJwt.getClaims<Record<string, unknown>>(hasher).catch(() => undefined);
  if (claims === undefined) {
    return refuse("disclosure_invalid", `${what} carries a disclosure its issuer did not sign.`);
  }
  const holderJwk = holderKeyOf(payload.cnf);
  if (holderJwk === undefined) return refuse("key_binding_invalid", `${what} names no holder key (cnf.jwk).`);
  const binding = await checkKeyBinding(sdJwt, presented, holderJwk, context, what);
  if (binding !== undefined) return { ok: false, error: binding };

  // DCQL (section 6.3): a credential matches a query only with every claim it names, so one without is not it.
  const absent = query.claims.find((claim) => !(claim.name in claims));
  if (absent !== undefined) {
    return refuse("claims_missing", `${what} does not disclose ${absent.name}, which was asked for.`);
  }

  const issuer = didOfIssuerUrl(iss);
  const type = typeOfVct(query.vct);
  if (issuer === undefined || type === undefined) {
    return refuse("issuer_not_accepted", `${what} is not signed by an issuer this service trusts.`);
  }
  const revocationStatus = await context.status(iss, payload.status);
  // The trust reads every claim under the catalogue's name, whichever wallet presented it.
  const disclosed = Object.fromEntries(
    Object.entries(claims)
      .filter(([name]) => !REGISTERED_CLAIMS.has(name))
      .map(([name, value]) => [catalogueClaimName(type, name), value]),
  );
  const issuedAt = secondsToIso(payload.nbf) ?? secondsToIso(payload.iat);
  const expiresAt = secondsToIso(payload.exp);
  const credential: PresentedCredential = {
    issuer,
    type: ["VerifiableCredential", type],
    claims: disclosed,
    revocationStatus,
    format: SD_JWT_VC_TYPE,
    presentation: withoutKeyBinding(presented),
    ...(issuedAt === undefined ? {} : { issuanceDate: issuedAt }),
    ...(expiresAt === undefined ? {} : { expirationDate: expiresAt }),
  };
  return { ok: true, credential, holder: await calculateJwkThumbprintUri(holderJwk) };
}

/** The key binding JWT (RFC 9901 section 4.3 and 7.3; OpenID4VP B.3.6), or the refusal. */
async function checkKeyBinding(
  sdJwt: SDJwt,
  presented: string,
  holderJwk: JWK,
  context: PresentationContext,
  what: string,
): Promise<RequestError | undefined> {
  const kb = sdJwt.kbJwt;
  if (kb?.header === undefined || kb.payload === undefined) {
    return { code: "key_binding_missing", message: `${what} was presented without a key binding JWT.` };
  }
  if (kb.payload.nonce !== context.nonce) {
    return { code: "nonce_mismatch", message: `${what} was presented for another request (nonce).` };
  }
  const invalid = (why: string): RequestError => ({
    code: "key_binding_invalid",
    message: `${what}'s key binding JWT ${why}.`,
  });
  if (kb.header.typ !== KEY_BINDING_TYPE) return invalid(`is not typed ${KEY_BINDING_TYPE}`);
  const holderKey = await importJWK(holderJwk, "ES256").catch(() => undefined);
  const kbJwt = presented.slice(presented.lastIndexOf("~") + 1);
  const verified =
    holderKey === undefined
      ? undefined
      : await compactVerify(kbJwt, holderKey, { algorithms: ["ES256"] }).catch(() => undefined);
  if (verified === undefined) return invalid("is not signed by the credential's holder key");
  if (kb.payload.aud !== context.clientId) return invalid("is for another verifier (aud)");
  const iat = kb.payload.iat;
  const nowSeconds = context.now.getTime() / 1000;
  if (typeof iat !== "number" || Math.abs(nowSeconds - iat) > KEY_BINDING_MAX_AGE_SECONDS) {
    return invalid("is not fresh (iat)");
  }
  // sd_hash covers the SD-JWT as presented, up to and including the `~` before the key binding JWT.
  const algorithm = typeof sdJwt.jwt?.payload?._sd_alg === "string" ? sdJwt.jwt.payload._sd_alg : "sha-256";
  if (algorithm !== "sha-256") return invalid(`uses a digest other than sha-256 (${algorithm})`);
  const expected = base64url.encode(createHash("sha256").update(withoutKeyBinding(presented)).digest());
  if (kb.payload.sd_hash !== expected) return invalid("does not cover these disclosures (sd_hash)");
  return undefined;
}

/** The SD-JWT without its key binding JWT: everything up to and including the last `~`. */
function withoutKeyBinding(presented: string): string {
  return presented.slice(0, presented.lastIndexOf("~") + 1);
}

/** A public P-256 JWK from `cnf.jwk`; anything else (a private key among it) is no holder key. */
function holderKeyOf(cnf: unknown): JWK | undefined {
  if (typeof cnf !== "object" || cnf === null) return undefined;
  const jwk = (cnf as { jwk?: unknown }).jwk;
  if (typeof jwk !== "object" || jwk === null) return undefined;
  const { kty, crv, x, y, d } = jwk as Record<string, unknown>;
  if (kty !== "EC" || crv !== "P-256" || typeof x !== "string" || typeof y !== "string" || d !== undefined) {
    return undefined;
  }
  return { kty, crv, x, y };
}

function secondsToIso(value: unknown): string | undefined {
  return typeof value === "number" && Number.isFinite(value)
    ? new Date(value * 1000).toISOString()
    : undefined;
}

function refuse(code: string, message: string): CheckedPresentation {
  return { ok: false, error: { code, message } };
}
