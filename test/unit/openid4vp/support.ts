// What the OpenID4VP verifier's unit tests share: a local certificate authority in a folder of its own, the local
// SD-JWT VC issuer on a clock the test moves, a holder key, and a status fetch answered by that issuer's own
// status list route, so that credentials, chains and status list tokens are the real ones and need no network.
import { createHash, webcrypto } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { IncomingMessage } from "node:http";
import { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHeaderAndPayload, StatusList } from "@owf/token-status-list";
import { digest, generateSalt } from "@sd-jwt/crypto-nodejs";
import { SDJwtVcInstance, type SdJwtVcPayload } from "@sd-jwt/sd-jwt-vc";
import { base64url, exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { ensureLocalCertificates, type LocalCertificates } from "../../../local/openid4vp/ca.js";
import { createSdJwtIssuer, type SdJwtIssuer } from "../../../local/verifiedid/sdJwtIssuer.js";
import type { OutboundResult } from "../../../src/adapters/net/publicFetch.js";

/** A clock the test moves by hand, starting at the real time. */
export function testClock() {
  let at = Date.now();
  return {
    now: () => new Date(at),
    advance: (seconds: number) => {
      at += seconds * 1000;
    },
  };
}

/** Folders made for certificate authorities, removed by `removeFolders`. */
const folders: string[] = [];

/** A fresh local certificate authority in a folder of its own; `now` dates its certificates. */
export async function freshAuthority(now: () => Date = () => new Date()): Promise<LocalCertificates> {
  const dir = await mkdtemp(join(tmpdir(), "openid4vp-ca-"));
  folders.push(dir);
  return ensureLocalCertificates(dir, { now });
}

export async function removeFolders(): Promise<void> {
  await Promise.all(folders.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

/** The simulator's status list URIs start with this; nothing listens there, the fetch below answers. */
export const SIMULATOR_URL = "https://simulator.test";

export type LocalIssuer = {
  readonly issuer: SdJwtIssuer;
  /** A StatusFetch answered by the issuer's own GET /issuer/status-lists/{listId} route. */
  readonly fetch: (url: string) => Promise<OutboundResult>;
  /** The URLs fetched, in order. */
  readonly fetched: string[];
};

export function localIssuer(certificates: LocalCertificates, now: () => Date): LocalIssuer {
  const issuer = createSdJwtIssuer({ certificates, baseUrl: () => SIMULATOR_URL, now });
  const fetched: string[] = [];
  const fetch = async (url: string): Promise<OutboundResult> => {
    fetched.push(url);
    const path = url.startsWith(SIMULATOR_URL) ? url.slice(SIMULATOR_URL.length) : url;
    const route = issuer.routes.find(
      (candidate) => candidate.method === "GET" && candidate.pattern.test(path),
    );
    const match = route?.pattern.exec(path);
    if (route === undefined || match === null || match === undefined) {
      return { kind: "response", status: 404, contentType: undefined, body: "", truncated: false };
    }
    const reply = await route.handle({
      request: new IncomingMessage(new Socket()),
      params: match.slice(1).map((part) => decodeURIComponent(part)),
      text: "",
    });
    return {
      kind: "response",
      status: reply.status,
      contentType: reply.headers?.["content-type"],
      body: reply.text ?? JSON.stringify(reply.body),
      truncated: false,
    };
  };
  return { issuer, fetch, fetched };
}

export type Holder = { readonly publicJwk: JWK; readonly privateKey: webcrypto.CryptoKey };

export async function holderKey(): Promise<Holder> {
  const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
  const { x, y } = await exportJWK(publicKey);
  if (x === undefined || y === undefined) throw new Error("The holder key has no coordinates.");
  return { publicJwk: { kty: "EC", crv: "P-256", x, y }, privateKey };
}

/** A JWS signer for the SD-JWT libraries: base64url of the r||s ECDSA signature, as ES256 wants. */
export function es256Signer(privateKey: webcrypto.CryptoKey) {
  return async (data: string) =>
    base64url.encode(
      new Uint8Array(
        await webcrypto.subtle.sign(
          { name: "ECDSA", hash: "SHA-256" },
          privateKey,
          new TextEncoder().encode(data),
        ),
      ),
    );
}

/** The SD-JWT library as a wallet uses it: presents the named claims, with a key binding JWT when `kb` is given. */
export async function present(
  credential: string,
  claims: readonly string[],
  holder: Holder,
  kb?: { readonly aud: string; readonly nonce: string; readonly iat: number },
): Promise<string> {
  const instance = new SDJwtVcInstance({
    hasher: digest,
    kbSigner: es256Signer(holder.privateKey),
    kbSignAlg: "ES256",
  });
  const frame = Object.fromEntries(claims.map((claim) => [claim, true]));
  return instance.present(credential, frame, kb === undefined ? undefined : { kb: { payload: kb } });
}

/** RFC 9901 section 4.3.1: base64url SHA-256 of the SD-JWT as presented, up to and including its last `~`. */
export function sdHashOf(sdJwt: string): string {
  return createHash("sha256").update(sdJwt).digest("base64url");
}

/** A key binding JWT made by hand with jose, so that each of its parts can be wrong on purpose. */
export async function keyBindingJwt(
  sdJwt: string,
  key: webcrypto.CryptoKey,
  claims: { aud: string; nonce: string; iat: number; sd_hash?: string },
  typ = "kb+jwt",
): Promise<string> {
  return new SignJWT({ sd_hash: sdHashOf(sdJwt), ...claims })
    .setProtectedHeader({ alg: "ES256", typ })
    .sign(key);
}

/**
 * An SD-JWT VC signed with any certified key and any header, for credentials the local issuer would never make:
 * another `typ`, or an `iss` its certificate does not name.
 */
export async function signedSdJwtVc(options: {
  readonly signer: { readonly x5c: readonly string[]; readonly privateKey: webcrypto.CryptoKey };
  readonly payload: SdJwtVcPayload;
  readonly disclosed: readonly string[];
  readonly typ?: string;
}): Promise<string> {
  const instance = new SDJwtVcInstance({
    signer: es256Signer(options.signer.privateKey),
    signAlg: "ES256",
    hasher: digest,
    hashAlg: "sha-256",
    saltGenerator: generateSalt,
  });
  const frame = { _sd: [...options.disclosed] } as Parameters<typeof instance.issue<SdJwtVcPayload>>[1];
  return instance.issue(options.payload, frame, {
    header: { typ: options.typ ?? "dc+sd-jwt", x5c: [...options.signer.x5c] },
  });
}

/** A status list token made with the status list library and signed by any certified key. */
export async function statusListToken(options: {
  readonly signer: { readonly x5c: readonly string[]; readonly privateKey: webcrypto.CryptoKey };
  readonly sub: string;
  readonly statuses: readonly number[];
  readonly iat: number;
}): Promise<string> {
  const { header, payload } = createHeaderAndPayload(
    new StatusList([...options.statuses], 1),
    { sub: options.sub, iat: options.iat, exp: options.iat + 86_400, ttl: 300 },
    { alg: "ES256", typ: "statuslist+jwt", x5c: [...options.signer.x5c] },
  );
  return new SignJWT(payload)
    .setProtectedHeader({ ...header, alg: "ES256", typ: "statuslist+jwt", x5c: [...options.signer.x5c] })
    .sign(options.signer.privateKey);
}

/** The issuer-signed JWT's payload of an SD-JWT. */
export function issuerPayloadOf(sdJwt: string): Record<string, unknown> {
  const [, payload] = (sdJwt.split("~")[0] ?? "").split(".");
  return JSON.parse(new TextDecoder().decode(base64url.decode(payload ?? ""))) as Record<string, unknown>;
}
