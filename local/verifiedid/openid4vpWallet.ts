// The simulated wallets' OpenID4VP 1.0 side (API.md section 9): open an `openid4vp://` request as a HAIP wallet
// does, match the DCQL query against the wallet's SD-JWT VCs, and answer with key-bound, encrypted presentations.
import { createHash, randomBytes, X509Certificate } from "node:crypto";
import {
  createOpenid4vpAuthorizationResponse,
  resolveOpenid4vpAuthorizationRequest,
  submitOpenid4vpAuthorizationResponse,
} from "@openid4vc/openid4vp";
import { getGlobalConfig, setGlobalConfig } from "@openid4vc/utils";
import { digest } from "@sd-jwt/crypto-nodejs";
import { SDJwtVcInstance } from "@sd-jwt/sd-jwt-vc";
import { DcqlQuery, type DcqlSdJwtVcCredential } from "dcql";
import { base64url, CompactEncrypt, compactVerify, decodeJwt, exportJWK, importJWK, type JWK } from "jose";
import { ACCESS_KEY_TYPE, shareableCredentialType, typeOfVct } from "../../src/domain/catalogue.js";
import type { HeldSdJwt, Wallet } from "./wallets.js";

/** The audience HAIP's signed request objects name when the wallet is not known in advance. */
const SELF_ISSUED_AUDIENCE = "https://self-issued.me/v2";
const REQUEST_OBJECT_TYP = "oauth-authz-req+jwt";
const SIGNING_ALG = "ES256";
const SD_JWT_FORMAT = "dc+sd-jwt";

/** Why a request was refused, as the wallet endpoints' `error` code. */
export type RequestRefusal =
  | "requestUnavailable"
  | "requestSignatureInvalid"
  | "untrustedVerifier"
  | "clientIdMismatch"
  | "requestInvalid";

export class RequestRefused extends Error {
  constructor(
    readonly code: RequestRefusal,
    message: string,
  ) {
    super(message);
  }
}

// The callbacks' types, taken from the functions that take them (they are declared in a package of their own).
type ResolveCallbacks = Parameters<typeof resolveOpenid4vpAuthorizationRequest>[0]["callbacks"];
type VerifyJwtCallback = NonNullable<ResolveCallbacks["verifyJwt"]>;
type JwtSigner = Parameters<VerifyJwtCallback>[0];
type EncryptJweCallback = NonNullable<
  Parameters<typeof createOpenid4vpAuthorizationResponse>[0]["callbacks"]["encryptJwe"]
>;

type ResolvedPayload = Awaited<
  ReturnType<typeof resolveOpenid4vpAuthorizationRequest>
>["authorizationRequestPayload"];
type AuthorizationRequest = Parameters<
  typeof createOpenid4vpAuthorizationResponse
>[0]["authorizationRequestPayload"];
type EcPublicJwk = { kty: string; crv: string; x: string; y: string };

/** A request answered by posting to its response_uri (not the DC API's or an issuance's). */
function answeredByPost(payload: ResolvedPayload): payload is AuthorizationRequest & ResolvedPayload {
  return payload.response_mode === "direct_post.jwt" && typeof payload.client_id === "string";
}

/** A verified request the wallet has opened and not yet answered. */
export type OpenedRequest = {
  readonly requestId: string;
  readonly clientId: string;
  /** Who asks: the leaf certificate's subject common name. */
  readonly clientName: string;
  readonly nonce: string;
  readonly responseUri: string;
  readonly expiry: number | undefined;
  readonly query: DcqlQuery.Output;
  readonly payload: AuthorizationRequest;
  answered: boolean;
};

/** Per DCQL credential query: its id (the catalogue type), the type it names and the claims it asks for. */
export type QueryView = { readonly id: string; readonly type: string; readonly claims: string[] };

/**
 * Fetches and checks the request an `openid4vp://` link names, as a HAIP 1.0 wallet must: a signed request object
 * (`oauth-authz-req+jwt`, ES256) by the `x5c` leaf, a chain to the verifier root it trusts, `client_id` =
 * `x509_hash:` of that leaf in the link and the object alike, the self-issued audience, `vp_token` by
 * `direct_post.jwt`, and a DCQL query. Throws RequestRefused saying which check failed.
 */
export async function openRequest(
  link: string,
  options: { readonly trustedRootPem: string; readonly now: () => Date },
): Promise<OpenedRequest> {
  const url = URL.parse(link);
  const clientId = url?.searchParams.get("client_id") ?? null;
  const requestUri = url?.searchParams.get("request_uri") ?? null;
  if (url?.protocol !== "openid4vp:" || clientId === null || requestUri === null) {
    throw new RequestRefused("requestInvalid", "Not an openid4vp:// link with client_id and request_uri.");
  }
  allowLoopbackHttp(requestUri);
  // The library's checks come after ours; ours say precisely which rule a request broke.
  let refusal: RequestRefused | undefined;
  let leafName = "";
  const verifyJwt: VerifyJwtCallback = async (signer, jwt) => {
    try {
      const leaf = await checkRequestObject(signer, jwt, clientId, options);
      leafName = commonName(leaf);
      return { verified: true, signerJwk: await publicJwkOf(leaf) };
    } catch (error) {
      if (error instanceof RequestRefused) refusal = error;
      return { verified: false };
    }
  };
  let requestStatus: number | undefined;
  let resolved: Awaited<ReturnType<typeof resolveOpenid4vpAuthorizationRequest>>;
  try {
    resolved = await resolveOpenid4vpAuthorizationRequest({
      authorizationRequestPayload: { client_id: clientId, request_uri: requestUri },
      responseMode: { type: "direct_post" },
      callbacks: {
        verifyJwt,
        // HAIP request objects are signed, never encrypted, so there is nothing to decrypt.
        decryptJwe: () => ({ decrypted: false }),
        hash: (data, alg) => createHash(alg.replace("-", "")).update(data).digest(),
        getX509CertificateMetadata: (certificate) => subjectAltNames(certificate),
        fetch: async (input, init) => {
          const response = await fetch(input, init);
          requestStatus = response.status;
          return response;
        },
      },
    });
  } catch (error) {
    if (refusal !== undefined) throw refusal;
    if (requestStatus !== undefined && requestStatus !== 200) {
      throw new RequestRefused(
        "requestUnavailable",
        `The verifier does not offer this request (it answered ${requestStatus}).`,
      );
    }
    throw new RequestRefused("requestInvalid", describe(error));
  }
  const payload = resolved.authorizationRequestPayload;
  const raw = payload as Record<string, unknown>;
  if (raw.aud !== SELF_ISSUED_AUDIENCE) {
    throw new RequestRefused("requestInvalid", `The request object's aud is not ${SELF_ISSUED_AUDIENCE}.`);
  }
  if (payload.response_type !== "vp_token") {
    throw new RequestRefused("requestInvalid", "The request does not ask for a vp_token.");
  }
  if (!answeredByPost(payload) || typeof payload.response_uri !== "string") {
    throw new RequestRefused("requestInvalid", "The request's response_mode is not direct_post.jwt.");
  }
  if (typeof payload.nonce !== "string" || payload.nonce === "") {
    throw new RequestRefused("requestInvalid", "The request carries no nonce.");
  }
  if (payload.client_metadata?.jwks === undefined) {
    throw new RequestRefused("requestInvalid", "The request names no key to encrypt the response to.");
  }
  let query: DcqlQuery.Output;
  try {
    query = DcqlQuery.parse(resolved.dcql?.query as DcqlQuery.Input);
    DcqlQuery.validate(query);
  } catch (error) {
    throw new RequestRefused("requestInvalid", `The request's DCQL query is not valid: ${describe(error)}`);
  }
  const exp = raw.exp;
  return {
    requestId: `oid4vp-${randomBytes(12).toString("base64url")}`,
    clientId,
    clientName: leafName,
    nonce: payload.nonce,
    responseUri: payload.response_uri,
    expiry: typeof exp === "number" ? exp : undefined,
    query,
    payload,
    answered: false,
  };
}

/**
 * The library takes only https URLs, as wallets must; the service run locally answers on http://127.0.0.1, so a
 * loopback http request_uri lifts that rule for this process (the simulator's, never the service's in Azure).
 */
function allowLoopbackHttp(requestUri: string): void {
  let url: URL;
  try {
    url = new URL(requestUri);
  } catch {
    return;
  }
  const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
  if (url.protocol === "http:" && loopback && !getGlobalConfig().allowInsecureUrls) {
    setGlobalConfig({ ...getGlobalConfig(), allowInsecureUrls: true });
  }
}

/** The signature, chain and client id checks, made when the library hands over the request object's JWS. */
async function checkRequestObject(
  signer: JwtSigner,
  jwt: { header: Record<string, unknown>; payload: Record<string, unknown>; compact: string },
  clientId: string,
  options: { readonly trustedRootPem: string; readonly now: () => Date },
): Promise<X509Certificate> {
  if (jwt.header.typ !== REQUEST_OBJECT_TYP) {
    throw new RequestRefused("requestInvalid", `The request object's typ is not ${REQUEST_OBJECT_TYP}.`);
  }
  if (signer.method !== "x5c" || signer.x5c.length === 0) {
    throw new RequestRefused("untrustedVerifier", "The request object carries no x5c chain.");
  }
  const chain = signer.x5c.map((der) => new X509Certificate(Buffer.from(der, "base64")));
  const [leaf] = chain;
  if (leaf === undefined) throw new RequestRefused("untrustedVerifier", "The x5c chain is empty.");
  try {
    await compactVerify(jwt.compact, leaf.publicKey, { algorithms: [SIGNING_ALG] });
  } catch {
    throw new RequestRefused(
      "requestSignatureInvalid",
      "The request object's signature does not verify with its x5c leaf.",
    );
  }
  checkChain(chain, new X509Certificate(options.trustedRootPem), options.now());
  const expected = `x509_hash:${base64url.encode(createHash("sha256").update(leaf.raw).digest())}`;
  if (clientId !== expected || jwt.payload.client_id !== expected) {
    throw new RequestRefused(
      "clientIdMismatch",
      "The client_id is not the x509_hash of the certificate that signed the request.",
    );
  }
  return leaf;
}

/** Each certificate issued and signed by the next, the last by the trusted root, all valid now, the leaf no CA. */
function checkChain(chain: readonly X509Certificate[], root: X509Certificate, now: Date): void {
  const untrusted = (message: string) => new RequestRefused("untrustedVerifier", message);
  if (chain[0]?.ca !== false) throw untrusted("The request's leaf certificate is a CA.");
  for (const [index, certificate] of chain.entries()) {
    const issuer = chain[index + 1] ?? root;
    if (!certificate.checkIssued(issuer) || !certificate.verify(issuer.publicKey)) {
      throw untrusted("The request's certificate chain does not lead to the trusted verifier root.");
    }
    if (index > 0 && !certificate.ca) throw untrusted("An intermediate certificate is not a CA.");
    if (now < new Date(certificate.validFrom) || now > new Date(certificate.validTo)) {
      throw untrusted("A certificate of the request's chain is outside its validity dates.");
    }
  }
  if (now < new Date(root.validFrom) || now > new Date(root.validTo)) {
    throw untrusted("The trusted verifier root is outside its validity dates.");
  }
}

function subjectAltNames(certificateBase64: string): { sanDnsNames: string[]; sanUriNames: string[] } {
  const names = (new X509Certificate(Buffer.from(certificateBase64, "base64")).subjectAltName ?? "")
    .split(", ")
    .filter((name) => name !== "");
  const of = (prefix: string) =>
    names.filter((name) => name.startsWith(prefix)).map((name) => name.slice(prefix.length));
  return { sanDnsNames: of("DNS:"), sanUriNames: of("URI:") };
}

function commonName(certificate: X509Certificate): string {
  const line = certificate.subject.split("\n").find((part) => part.startsWith("CN="));
  return line?.slice("CN=".length) ?? "";
}

async function publicJwkOf(certificate: X509Certificate): Promise<EcPublicJwk> {
  const { kty, crv, x, y } = await exportJWK(certificate.publicKey);
  if (kty !== "EC" || crv === undefined || x === undefined || y === undefined) {
    throw new RequestRefused("requestSignatureInvalid", "The request's leaf key is not an EC key.");
  }
  return { kty, crv, x, y };
}

/** The request's credential queries: the catalogue type each asks for (by its vct) and the claims it names. */
export function queriesOf(request: OpenedRequest): QueryView[] {
  return request.query.credentials.map((credential) => {
    const vct = credential.format === SD_JWT_FORMAT ? credential.meta?.vct_values?.[0] : undefined;
    const type = (vct !== undefined ? typeOfVct(vct) : undefined) ?? credential.id;
    const claims = (credential.claims ?? []).flatMap((claim) =>
      "path" in claim && typeof claim.path[0] === "string" ? [claim.path[0]] : [],
    );
    return { id: credential.id, type, claims };
  });
}

/** Why the catalogue says a type is asked for, as the wallet shows it. */
export function purposeOf(type: string): string {
  if (type === ACCESS_KEY_TYPE) return "To confirm who you are at this trust";
  return shareableCredentialType(type)?.purpose ?? "Requested by the verifier";
}

/** Per query id, the held SD-JWT VCs the DCQL query accepts (by the dcql library's matching). */
export function matchingCredentials(request: OpenedRequest, wallet: Wallet): Map<string, Set<string>> {
  const fits = new Map<string, Set<string>>(request.query.credentials.map((query) => [query.id, new Set()]));
  if (wallet.sdJwts.length === 0) return fits;
  const result = DcqlQuery.query(
    request.query,
    wallet.sdJwts.map((held) => ({
      credential_format: SD_JWT_FORMAT,
      vct: vctOfCredential(held),
      // Claims came in as JSON and are held as such; the library's type says so.
      claims: held.claims as DcqlSdJwtVcCredential["claims"],
      cryptographic_holder_binding: true,
    })),
  );
  for (const [queryId, match] of Object.entries(result.credential_matches)) {
    for (const valid of match.success ? match.valid_credentials : []) {
      const held = wallet.sdJwts[valid.input_credential_index];
      if (held !== undefined) fits.get(queryId)?.add(held.id);
    }
  }
  return fits;
}

function vctOfCredential(held: HeldSdJwt): string {
  const { vct } = decodeJwt(held.credential.split("~")[0] ?? "");
  return typeof vct === "string" ? vct : "";
}

/**
 * Per query, the first fitting credential or the one `choose` names (by id, of that query's type: a person may
 * pick one that does not fit, which the verifier must then refuse). Queries with neither are `missing`.
 */
export function chooseSdJwts(
  request: OpenedRequest,
  wallet: Wallet,
  choose: Readonly<Record<string, string>> = {},
): { readonly chosen: Map<string, HeldSdJwt>; readonly missing: string[]; readonly unknown: string[] } {
  const fits = matchingCredentials(request, wallet);
  const chosen = new Map<string, HeldSdJwt>();
  const missing: string[] = [];
  const unknown: string[] = [];
  for (const query of queriesOf(request)) {
    const named = choose[query.id];
    const match =
      named === undefined
        ? wallet.sdJwts.find((held) => fits.get(query.id)?.has(held.id))
        : wallet.sdJwts.find((held) => held.id === named && held.type === query.type);
    if (match !== undefined) chosen.set(query.id, match);
    else if (named !== undefined) unknown.push(query.id);
    else missing.push(query.id);
  }
  return { chosen, missing, unknown };
}

/**
 * Presents each chosen credential with only the disclosures its query asked for and a key binding JWT (this
 * request's nonce, aud = its client id, iat now, sd_hash), encrypts `{ vp_token, state }` to the request's key and
 * posts it to the response_uri. Returns the verifier's status and, for a refusal, its problem's `code`.
 */
export async function presentAndSubmit(
  request: OpenedRequest,
  wallet: Wallet,
  chosen: ReadonlyMap<string, HeldSdJwt>,
  now: Date,
): Promise<{ readonly status: number | null; readonly code?: string }> {
  const sdJwt = new SDJwtVcInstance({
    hasher: digest,
    kbSigner: wallet.holderSigner,
    kbSignAlg: SIGNING_ALG,
  });
  const claimsByQuery = new Map(queriesOf(request).map((query) => [query.id, query.claims]));
  const vpToken: Record<string, [string]> = {};
  for (const [queryId, held] of chosen) {
    const frame = Object.fromEntries((claimsByQuery.get(queryId) ?? []).map((claim) => [claim, true]));
    vpToken[queryId] = [
      await sdJwt.present(held.credential, frame, {
        kb: {
          payload: {
            iat: Math.floor(now.getTime() / 1000),
            aud: request.clientId,
            nonce: request.nonce,
          },
        },
      }),
    ];
  }
  const encryptJwe: EncryptJweCallback = async (encryptor, data) => {
    const jwe = await new CompactEncrypt(new TextEncoder().encode(data))
      .setProtectedHeader({
        alg: encryptor.alg,
        enc: encryptor.enc,
        ...(encryptor.publicJwk.kid !== undefined ? { kid: encryptor.publicJwk.kid } : {}),
      })
      .setKeyManagementParameters({
        ...(encryptor.apu !== undefined ? { apu: base64url.decode(encryptor.apu) } : {}),
        ...(encryptor.apv !== undefined ? { apv: base64url.decode(encryptor.apv) } : {}),
      })
      .encrypt(await importJWK(encryptor.publicJwk as JWK, encryptor.alg));
    return { encryptionJwk: encryptor.publicJwk, jwe };
  };
  const response = await createOpenid4vpAuthorizationResponse({
    authorizationRequestPayload: request.payload,
    authorizationResponsePayload: { vp_token: vpToken },
    jarm: {
      // No apu: the wallet has no nonce of its own to contribute.
      encryption: { nonce: "" },
      serverMetadata: {
        authorization_signing_alg_values_supported: [],
        authorization_encryption_alg_values_supported: ["ECDH-ES"],
        authorization_encryption_enc_values_supported: ["A128GCM", "A256GCM"],
      },
    },
    callbacks: {
      encryptJwe,
      // The response is encrypted, not signed: HAIP's direct_post.jwt needs no wallet signature.
      signJwt: () => {
        throw new Error("The wallet does not sign its responses");
      },
    },
  });
  if (response.jarm === undefined) throw new Error("The response was not encrypted");
  try {
    const submitted = await submitOpenid4vpAuthorizationResponse({
      authorizationRequestPayload: { response_uri: request.responseUri },
      authorizationResponsePayload: response.authorizationResponsePayload,
      jarm: { responseJwt: response.jarm.responseJwt },
      callbacks: { fetch },
    });
    const text = await submitted.response.text();
    return { status: submitted.response.status, ...problemCode(text) };
  } catch {
    return { status: null };
  }
}

function problemCode(text: string): { code?: string } {
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body === "object" && body !== null && "code" in body && typeof body.code === "string") {
      return { code: body.code };
    }
  } catch {
    // Not JSON: the status says enough.
  }
  return {};
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const detail = (error as { errorResponse?: { error_description?: unknown } }).errorResponse
      ?.error_description;
    return typeof detail === "string" ? detail : error.message;
  }
  return String(error);
}
