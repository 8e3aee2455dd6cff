// The service as an OpenID4VP 1.0 verifier in the HAIP 1.0 profile (API.md section 9): requests by reference,
// signed with the verifier's certificate key (`x509_hash` client id, `x5c` without the root), a DCQL query for
// SD-JWT VCs with only the claims a trust needs, and `direct_post.jwt` responses encrypted to a key made for each
// request. `@openid4vc/openid4vp` reads the response's shape; jose decrypts; each credential is checked in
// sdJwtPresentations.ts.
import type { X509Certificate } from "node:crypto";
import { parseDcqlVpToken, parseOpenid4VpAuthorizationResponsePayload } from "@openid4vc/openid4vp";
import { calculateJwkThumbprint, compactDecrypt, exportJWK, generateKeyPair, importJWK } from "jose";
import type { SigningKey, StandardWallets, WalletRequest, WalletResponse } from "../../app/ports.js";
import { ACCESS_KEY_TYPE } from "../../domain/catalogue.js";
import type { Presentation, PresentedCredential } from "../../domain/presentation.js";
import { mintSecret } from "../../domain/secrets.js";
import type { Openid4vpRecord } from "../../domain/verifiedIdRequest.js";
import type { CredentialQuery } from "../../domain/walletQuery.js";
import { signJwt } from "../keys/signingKeys.js";
import { qrCodeDataUrl } from "../qrCode.js";
import { type ChainChecker, cachedChainCheck, x5cOf, x509HashClientId } from "./certificateChains.js";
import { checkSdJwtPresentation, SD_JWT_VC_TYPE } from "./sdJwtPresentations.js";
import type { StatusReader } from "./statusLists.js";

export const REQUEST_OBJECT_TYPE = "oauth-authz-req+jwt";
/** OpenID4VP 1.0 section 5.8: the audience of a request object for a wallet found by static discovery. */
export const STATIC_DISCOVERY_AUDIENCE = "https://self-issued.me/v2";
const RESPONSE_KEY_ALGORITHM = "ECDH-ES";
/** HAIP 1.0 section 5: a verifier lists both, and the wallet picks. */
const RESPONSE_ENCRYPTIONS = ["A128GCM", "A256GCM"];

export type VerifierOptions = {
  /** The verifier's certificate chain, leaf first, without the root. */
  readonly chain: readonly X509Certificate[];
  /** Signs request objects; its public key is the leaf's. */
  readonly key: SigningKey;
  /** The trust anchors of SD-JWT VC issuers (and of their status lists). */
  readonly issuerRoots: readonly X509Certificate[];
  /** Where the service's own endpoints are: `<origin>`, the request and response URIs go under `/api/openid4vp`. */
  readonly origin: string;
  readonly status: StatusReader;
};

export function openid4vpVerifier(options: VerifierOptions): StandardWallets & { readonly clientId: string } {
  const [leaf] = options.chain;
  if (leaf === undefined) throw new Error("The verifier's certificate chain is empty.");
  const clientId = x509HashClientId(leaf);
  const checkIssuerChain = cachedChainCheck(options.issuerRoots);
  const x5c = x5cOf(options.chain);
  const requestUri = (id: string) => `${options.origin}/api/openid4vp/requests/${id}`;
  const responseUri = (id: string) => `${options.origin}/api/openid4vp/responses/${id}`;

  return {
    clientId,

    async start(id) {
      const { privateKey } = await generateKeyPair(RESPONSE_KEY_ALGORITHM, {
        crv: "P-256",
        extractable: true,
      });
      const jwk = await exportJWK(privateKey);
      const kid = await calculateJwkThumbprint(jwk);
      const responseKey = Object.fromEntries(
        Object.entries({ ...jwk, kid }).filter(
          (entry): entry is [string, string] => typeof entry[1] === "string",
        ),
      );
      const record: Openid4vpRecord = { nonce: mintSecret(), responseKey };
      const query = new URLSearchParams({ client_id: clientId, request_uri: requestUri(id) });
      const url = `openid4vp://?${query.toString()}`;
      return { record, url, qrCode: qrCodeDataUrl(url) };
    },

    async requestObject(request, now) {
      const { d: _private, ...publicKey } = request.record.responseKey;
      const claims = {
        aud: STATIC_DISCOVERY_AUDIENCE,
        client_id: clientId,
        response_type: "vp_token",
        response_mode: "direct_post.jwt",
        response_uri: responseUri(request.id),
        nonce: request.record.nonce,
        state: request.id,
        iat: Math.floor(now.getTime() / 1000),
        exp: Math.floor(request.expiresAt.getTime() / 1000),
        dcql_query: dcqlQueryOf(request.queries),
        client_metadata: {
          jwks: { keys: [{ ...publicKey, use: "enc", alg: RESPONSE_KEY_ALGORITHM }] },
          encrypted_response_enc_values_supported: RESPONSE_ENCRYPTIONS,
          vp_formats_supported: {
            [SD_JWT_VC_TYPE]: { "sd-jwt_alg_values": ["ES256"], "kb-jwt_alg_values": ["ES256"] },
          },
        },
      };
      return signJwt(options.key, { typ: REQUEST_OBJECT_TYPE, x5c }, claims);
    },

    async verifyResponse(request, form, now) {
      const opened = await openResponse(request, form);
      if (opened.kind !== "opened") return opened;
      return checkPresentations(request, opened.vpToken, { clientId, now, checkIssuerChain, ...options });
    },
  };
}

/** DCQL (OpenID4VP 1.0 section 6) for the queries: SD-JWT VCs of the catalogue's `vct`, only the named claims. */
export function dcqlQueryOf(queries: readonly CredentialQuery[]) {
  return {
    credentials: queries.map((query) => ({
      id: query.id,
      format: SD_JWT_VC_TYPE,
      meta: { vct_values: [query.vct] },
      claims: query.claims.map((claim) =>
        claim.values === undefined
          ? { path: [claim.name] }
          : { path: [claim.name], values: [...claim.values] },
      ),
    })),
  };
}

type Opened =
  | { readonly kind: "opened"; readonly vpToken: unknown }
  | Extract<WalletResponse, { kind: "unusable" }>;

/** Decrypts `response` with the request's own key and checks it answers this request (its `state`). */
async function openResponse(request: WalletRequest, form: Readonly<Record<string, string>>): Promise<Opened> {
  const unusable = (message: string): Opened => ({ kind: "unusable", message });
  const jwe = form.response;
  if (jwe === undefined) return unusable("The response holds no `response` parameter.");
  const key = await importJWK(request.record.responseKey, RESPONSE_KEY_ALGORITHM).catch(() => undefined);
  if (key === undefined) return unusable("The request's response key cannot be read.");
  const decrypted = await compactDecrypt(jwe, key, {
    keyManagementAlgorithms: [RESPONSE_KEY_ALGORITHM],
    contentEncryptionAlgorithms: RESPONSE_ENCRYPTIONS,
  }).catch(() => undefined);
  if (decrypted === undefined) return unusable("The response is not encrypted to this request's key.");
  let payload: ReturnType<typeof parseOpenid4VpAuthorizationResponsePayload>;
  try {
    payload = parseOpenid4VpAuthorizationResponsePayload(
      JSON.parse(new TextDecoder().decode(decrypted.plaintext)) as Record<string, unknown>,
    );
  } catch {
    return unusable("The response is not an OpenID4VP authorization response.");
  }
  if (payload.state !== request.id) return unusable("The response answers another request (state).");
  return { kind: "opened", vpToken: payload.vp_token };
}

type CheckContext = VerifierOptions & {
  readonly clientId: string;
  readonly now: Date;
  readonly checkIssuerChain: ChainChecker;
};

/** Every query answered once with one SD-JWT VC that passes every check; the first refusal ends it. */
async function checkPresentations(
  request: WalletRequest,
  vpToken: unknown,
  context: CheckContext,
): Promise<WalletResponse> {
  const refused = (code: string, message: string): WalletResponse => ({
    kind: "refused",
    error: { code, message },
  });
  let answers: Record<string, readonly unknown[]>;
  try {
    answers = parseDcqlVpToken(vpToken);
  } catch {
    return refused("response_invalid", "The vp_token is not an object of presentations by query id.");
  }
  const queries = new Map(request.queries.map((query) => [query.id, query]));
  for (const [id, presented] of Object.entries(answers)) {
    if (!queries.has(id))
      return refused("unexpected_credentials", "A credential was presented that was not asked for.");
    if (presented.length !== 1) {
      return refused("unexpected_credentials", `More than one credential was presented for ${id}.`);
    }
  }
  let subject = "";
  let accessKey: PresentedCredential | undefined;
  const credentials: PresentedCredential[] = [];
  for (const query of request.queries) {
    const [presented] = answers[query.id] ?? [];
    if (presented === undefined) {
      return refused("missing_credentials", `The requested credential ${query.type} was not presented.`);
    }
    if (typeof presented !== "string") return refused("response_invalid", `${query.type} is not an SD-JWT.`);
    const checked = await checkSdJwtPresentation(presented, query, {
      nonce: request.record.nonce,
      clientId: context.clientId,
      now: context.now,
      issuerRoots: context.issuerRoots,
      status: context.status,
      checkIssuerChain: context.checkIssuerChain,
    });
    if (!checked.ok) return { kind: "refused", error: checked.error };
    if (query.type === ACCESS_KEY_TYPE) {
      accessKey = checked.credential;
      subject = checked.holder;
    } else {
      credentials.push(checked.credential);
    }
  }
  const presentation: Presentation = {
    subject,
    credentials,
    ...(accessKey === undefined ? {} : { accessKey }),
  };
  return { kind: "presented", presentation };
}
