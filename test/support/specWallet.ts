// A standard wallet read from the specifications (OpenID4VP 1.0, HAIP 1.0, SD-JWT RFC 9901, SD-JWT VC), not from
// the service's or the simulator's code, so that the two readings meet only at the wire; its knobs break one rule
// at a time for the refusal tests.
import "../../local/openid4vp/reflectMetadata.js";
import { createHash, webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { Disclosure } from "@sd-jwt/core";
import { digest, ES256, generateSalt } from "@sd-jwt/crypto-nodejs";
import { SDJwtVcInstance } from "@sd-jwt/sd-jwt-vc";
import {
  base64url,
  CompactEncrypt,
  type CryptoKey,
  calculateJwkThumbprint,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importJWK,
  importX509,
  type JWK,
  jwtVerify,
  SignJWT,
} from "jose";
import { vctOf } from "../../src/domain/catalogue.js";
import { call, type JsonResponse } from "./system.js";

x509.cryptoProvider.set(webcrypto);

/** The `aud` of a request object under static discovery (OpenID4VP 1.0 section 5.8). */
const SELF_ISSUED_AUDIENCE = "https://self-issued.me/v2";

export type HolderKey = { readonly publicJwk: JWK; readonly privateKey: CryptoKey };

/** A fresh P-256 key pair: the key a credential is bound to (its `cnf.jwk`) and the KB-JWT is signed with. */
export async function newHolderKey(): Promise<HolderKey> {
  const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
  const { kty = "EC", crv, x, y } = await exportJWK(publicKey);
  return { publicJwk: { kty, crv, x, y } as JWK, privateKey };
}

/** The subject an OpenID4VP login gives a holder: the RFC 7638 thumbprint of its access key's `cnf.jwk`. */
export async function subjectOfKey(key: HolderKey): Promise<string> {
  return `urn:ietf:params:oauth:jwk-thumbprint:sha-256:${await calculateJwkThumbprint(key.publicJwk, "sha256")}`;
}

/** An SD-JWT VC the wallet holds, with the key its `cnf` names. */
export type HeldCredential = { readonly sdJwt: string; readonly key: HolderKey };

export type DcqlClaim = { path: (string | number | null)[]; values?: unknown[] };
export type DcqlCredentialQuery = {
  id: string;
  format: string;
  meta: { vct_values?: string[] };
  claims?: DcqlClaim[];
};

/** The request object's claims the wallet reads (OpenID4VP 1.0 sections 5 and 8, HAIP 1.0 section 5). */
export type RequestObject = {
  aud: string;
  client_id: string;
  response_type: string;
  response_mode: string;
  response_uri: string;
  nonce: string;
  state: string;
  dcql_query: { credentials: DcqlCredentialQuery[] };
  client_metadata: {
    jwks: { keys: JWK[] };
    encrypted_response_enc_values_supported?: string[];
    vp_formats_supported?: Record<string, unknown>;
  };
};

/** A request as the wallet took it: verified, with the link it came from. */
export type ScannedRequest = {
  readonly url: string;
  readonly clientId: string;
  readonly requestUri: string;
  readonly object: RequestObject;
};

/** Ways to break one rule of a response, for the refusal tests. Without knobs the response follows the specs. */
export type Knobs = {
  /** The KB-JWT's nonce instead of the request's. */
  nonce?: string;
  /** The KB-JWT's aud instead of the client id. */
  aud?: string;
  /** Signs the KB-JWT with this key instead of the credential's `cnf` key. */
  kbKey?: CryptoKey;
  /** Presents without a KB-JWT (the SD-JWT ends with `~`). */
  withoutKeyBinding?: boolean;
  /** Adds to each presentation a well-formed disclosure whose digest is nowhere in the credential. */
  foreignDisclosure?: boolean;
  /** Presents these credentials under these query ids, whatever the query asks, instead of choosing by `vct`. */
  under?: Record<string, HeldCredential>;
  /** The JWE's content encryption, one of those the verifier lists. */
  enc?: "A128GCM" | "A256GCM";
};

/** A response ready to post: the form body `response=<JWE>` and where the request said to post it. */
export type PreparedResponse = { readonly responseUri: string; readonly body: string };

const hasher = (data: string | ArrayBuffer, alg: string) => digest(data, alg);

/** The SD-JWT library, configured for a holder: it selects disclosures; the KB-JWT is made here with jose. */
const sdJwt = new SDJwtVcInstance({ hasher, hashAlg: "sha-256", saltGenerator: generateSalt });

export class SpecWallet {
  readonly credentials: HeldCredential[] = [];

  /** `rootPem` is the verifier trust anchor the wallet was configured with (locally `GET /api/openid4vp/root.pem`). */
  constructor(private readonly rootPem: string) {}

  hold(...credentials: HeldCredential[]): this {
    this.credentials.push(...credentials);
    return this;
  }

  /**
   * Parses an `openid4vp://` link, fetches its request object and verifies it as a HAIP wallet must: signed
   * ES256 by the `x5c` leaf, that chain ending at the configured root (not included), the client id the
   * `x509_hash` of the leaf and the same in the link and the object, `aud` the self-issued audience.
   */
  async scan(url: string): Promise<ScannedRequest> {
    const link = new URL(url);
    if (link.protocol !== "openid4vp:") throw new Error(`not an openid4vp link: ${link.protocol}`);
    const clientId = link.searchParams.get("client_id");
    const requestUri = link.searchParams.get("request_uri");
    if (!clientId || !requestUri) throw new Error("the link lacks client_id or request_uri");
    const response = await fetch(requestUri);
    if (response.status !== 200) throw new Error(`the request object answered ${response.status}`);
    const contentType = response.headers.get("content-type") ?? "";
    if (!contentType.startsWith("application/oauth-authz-req+jwt")) {
      throw new Error(`the request object came as ${contentType}`);
    }
    const jws = await response.text();

    const header = decodeProtectedHeader(jws);
    if (header.typ !== "oauth-authz-req+jwt") throw new Error(`request object typ ${String(header.typ)}`);
    if (header.alg !== "ES256") throw new Error(`request object alg ${String(header.alg)}`);
    const chain = header.x5c;
    if (!Array.isArray(chain) || chain.length === 0) throw new Error("the request object has no x5c");
    const leaf = await verifyChain(chain, this.rootPem);

    const expectedClientId = `x509_hash:${base64url.encode(createHash("sha256").update(new Uint8Array(leaf.rawData)).digest())}`;
    if (clientId !== expectedClientId)
      throw new Error("the link's client_id is not the x509_hash of the leaf");

    const { payload } = await jwtVerify(jws, await importX509(leaf.toString("pem"), "ES256"), {
      algorithms: ["ES256"],
      typ: "oauth-authz-req+jwt",
      audience: SELF_ISSUED_AUDIENCE,
    });
    const object = payload as unknown as RequestObject;
    if (object.client_id !== clientId) throw new Error("the object's client_id differs from the link's");
    if (object.response_type !== "vp_token") throw new Error(`response_type ${object.response_type}`);
    if (object.response_mode !== "direct_post.jwt") throw new Error(`response_mode ${object.response_mode}`);
    if (typeof object.nonce !== "string" || object.nonce === "") throw new Error("the request has no nonce");
    if (typeof object.response_uri !== "string") throw new Error("the request has no response_uri");
    encryptionKeyOf(object);
    return { url, clientId, requestUri, object };
  }

  /**
   * The response to a request: for each credential query the held credential of its `vct` (and `values`),
   * presented with the disclosures of the query's claims only and a KB-JWT for this request, the whole
   * `{ vp_token, state }` encrypted to the request's key with ECDH-ES.
   */
  async prepare(request: ScannedRequest, knobs: Knobs = {}): Promise<PreparedResponse> {
    const vpToken: Record<string, string[]> = {};
    const queries = request.object.dcql_query.credentials;
    const chosen: [string, HeldCredential, DcqlCredentialQuery | undefined][] = knobs.under
      ? Object.entries(knobs.under).map(([id, held]) => [id, held, queries.find((query) => query.id === id)])
      : queries.map((query) => [query.id, this.choose(query), query]);
    for (const [id, held, query] of chosen) {
      vpToken[id] = [await presentation(held, query, request, knobs)];
    }

    const key = encryptionKeyOf(request.object);
    const jwe = await new CompactEncrypt(
      new TextEncoder().encode(JSON.stringify({ vp_token: vpToken, state: request.object.state })),
    )
      .setProtectedHeader({ alg: "ECDH-ES", enc: knobs.enc ?? "A128GCM", kid: key.kid ?? "" })
      .encrypt(await importJWK(key, "ECDH-ES"));
    return {
      responseUri: request.object.response_uri,
      body: new URLSearchParams({ response: jwe }).toString(),
    };
  }

  /** Posts a prepared response form-encoded, to its own response_uri or (a knob) to another. */
  async post(prepared: PreparedResponse, responseUri = prepared.responseUri): Promise<JsonResponse<unknown>> {
    const response = await fetch(responseUri, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: prepared.body,
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
  }

  /** Scans, prepares and posts: what a person's wallet does once they accept. */
  async present(url: string, knobs: Knobs = {}): Promise<JsonResponse<unknown>> {
    return this.post(await this.prepare(await this.scan(url), knobs));
  }

  /** The first held credential of the query's `vct` whose claims meet the query's `values`. */
  private choose(query: DcqlCredentialQuery): HeldCredential {
    const found = this.credentials.find((held) => {
      const payload = decodeJwt(issuerJwtOf(held.sdJwt));
      if (!query.meta.vct_values?.includes(String(payload.vct))) return false;
      return (query.claims ?? []).every(
        (claim) =>
          claim.values === undefined || claim.values.includes(disclosedValue(held.sdJwt, claim.path)),
      );
    });
    if (!found) throw new Error(`the wallet holds nothing for the query ${query.id}`);
    return found;
  }
}

/** The issuer-signed JWT of an SD-JWT (everything before the first `~`). */
export const issuerJwtOf = (sdJwtText: string) => sdJwtText.split("~")[0] ?? "";

/** A top-level claim's value among the SD-JWT's disclosures (the only kind the local issuer makes). */
function disclosedValue(sdJwtText: string, path: DcqlClaim["path"]): unknown {
  const [name] = path;
  for (const encoded of sdJwtText.split("~").slice(1, -1)) {
    const [, key, value] = JSON.parse(new TextDecoder().decode(base64url.decode(encoded))) as unknown[];
    if (key === name) return value;
  }
  return undefined;
}

/** The one encryption key of the request's `client_metadata`, as HAIP requires it. */
function encryptionKeyOf(object: RequestObject): JWK {
  const key = object.client_metadata?.jwks?.keys?.[0];
  if (key?.kty !== "EC" || key.crv !== "P-256" || key.alg !== "ECDH-ES" || !key.kid) {
    throw new Error("the request's client_metadata holds no P-256 ECDH-ES key with a kid");
  }
  return key;
}

/**
 * Verifies that the `x5c` chain (leaf first, root never included) is signed link by link and ends at the root,
 * each certificate within its dates; answers the leaf.
 */
export async function verifyChain(x5c: readonly string[], rootPem: string): Promise<x509.X509Certificate> {
  const root = new x509.X509Certificate(rootPem);
  const certificates = x5c.map((der) => new x509.X509Certificate(Buffer.from(der, "base64")));
  const now = new Date();
  for (const [index, certificate] of certificates.entries()) {
    if (certificate.equal(root)) throw new Error("x5c includes the trust anchor");
    if (now < certificate.notBefore || now > certificate.notAfter)
      throw new Error("a certificate is out of date");
    const signer = certificates[index + 1] ?? root;
    if (!(await certificate.verify({ publicKey: signer.publicKey, signatureOnly: true }))) {
      throw new Error(`x5c[${index}] is not signed by the next certificate`);
    }
  }
  const [leaf] = certificates;
  if (!leaf) throw new Error("x5c is empty");
  return leaf;
}

/**
 * One presentation (RFC 9901 section 4): the issuer JWT, the disclosures of the query's claims, and a KB-JWT
 * over them (section 4.3) whose `sd_hash` covers exactly what precedes it.
 */
async function presentation(
  held: HeldCredential,
  query: DcqlCredentialQuery | undefined,
  request: ScannedRequest,
  knobs: Knobs,
): Promise<string> {
  const frame = Object.fromEntries(
    (query?.claims ?? []).map((claim) => [String(claim.path[0]), true] as const),
  );
  let presented = await sdJwt.present(held.sdJwt, frame);
  if (!presented.endsWith("~")) presented = `${presented}~`;
  if (knobs.foreignDisclosure) {
    // Well formed, with a fresh salt, but its digest is in no `_sd` array of the credential.
    const foreign = new Disclosure([generateSalt(16), "givenName", "Mallory"]).encode();
    presented = `${presented}${foreign}~`;
  }
  if (knobs.withoutKeyBinding) return presented;
  const sdHash = base64url.encode(digest(presented, "sha-256"));
  const kbJwt = await new SignJWT({
    nonce: knobs.nonce ?? request.object.nonce,
    aud: knobs.aud ?? request.clientId,
    sd_hash: sdHash,
  })
    .setProtectedHeader({ typ: "kb+jwt", alg: "ES256" })
    .setIssuedAt()
    .sign(knobs.kbKey ?? held.key.privateKey);
  return `${presented}${kbJwt}`;
}

/** Asks the local issuer (API.md section 9) for an SD-JWT VC bound to the holder key. */
export async function issueLocally(
  simulator: string,
  request: {
    type: string;
    claims: Record<string, unknown>;
    key: HolderKey;
    validFrom?: string;
    validUntil?: string;
  },
): Promise<HeldCredential> {
  const { key, ...rest } = request;
  const response = await call<{ credential: string }>(`${simulator}/issuer/credentials`, {
    body: { ...rest, holderJwk: key.publicJwk },
  });
  if (response.status !== 201) {
    throw new Error(`the local issuer answered ${response.status}: ${JSON.stringify(response.body)}`);
  }
  return { sdJwt: response.body.credential, key };
}

/** Sets a locally issued credential's entry in its Token Status List. */
export async function setLocalStatus(
  simulator: string,
  credential: HeldCredential,
  status: "valid" | "revoked",
): Promise<void> {
  const response = await call(`${simulator}/issuer/status`, {
    body: { credential: credential.sdJwt, status },
  });
  if (response.status !== 200) throw new Error(`the local issuer's status answered ${response.status}`);
}

const ECDSA_SHA256 = { name: "ECDSA", hash: "SHA-256" } as const;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * An issuer the service has never heard of: its own root and a leaf naming the issuer URL, so its credentials
 * carry a well-formed `x5c` whose chain ends at a root outside the service's issuer anchors.
 */
export async function rogueIssuer(issuerUrl: string): Promise<{
  rootPem: string;
  issue(type: string, claims: Record<string, unknown>, key: HolderKey): Promise<HeldCredential>;
}> {
  const now = Date.now();
  const notBefore = new Date(now - DAY_MS);
  const notAfter = new Date(now + 365 * DAY_MS);
  const rootKeys = await generateKeyPair("ES256", { extractable: true });
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name: "CN=Rogue issuer root",
    notBefore,
    notAfter,
    keys: rootKeys,
    signingAlgorithm: ECDSA_SHA256,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  const leafKeys = await generateKeyPair("ES256", { extractable: true });
  const host = new URL(issuerUrl).host;
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: "02",
    subject: `CN=${host}`,
    issuer: root.subject,
    notBefore,
    notAfter,
    signingKey: rootKeys.privateKey,
    publicKey: leafKeys.publicKey,
    signingAlgorithm: ECDSA_SHA256,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.SubjectAlternativeNameExtension([
        { type: "dns", value: host },
        { type: "url", value: issuerUrl },
      ]),
    ],
  });
  const signingJwk = await exportJWK(leafKeys.privateKey);
  const issuer = new SDJwtVcInstance({
    hasher,
    hashAlg: "sha-256",
    saltGenerator: generateSalt,
    signer: await ES256.getSigner(signingJwk),
    signAlg: "ES256",
  });
  return {
    rootPem: root.toString("pem"),
    async issue(type, claims, key) {
      const iat = Math.floor(Date.now() / 1000);
      const sdJwtText = await issuer.issue(
        {
          iss: issuerUrl,
          vct: vctOf(type),
          iat,
          nbf: iat,
          exp: iat + 365 * 24 * 60 * 60,
          cnf: { jwk: key.publicJwk },
          ...claims,
        },
        // Every claim given is selectively disclosable; the registered ones never are (SD-JWT VC section 3.2.2.2).
        { _sd: Object.keys(claims) } as never,
        { header: { typ: "dc+sd-jwt", x5c: [Buffer.from(leaf.rawData).toString("base64")] } },
      );
      return { sdJwt: sdJwtText, key };
    },
  };
}
