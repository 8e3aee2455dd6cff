// The simulator's wallets over OpenID4VP 1.0: each test plays the verifier of API.md section 9 with jose (a request
// object signed by a leaf of the local CA, served on its own server, which receives the encrypted response) and
// checks that the wallet refuses what a HAIP wallet must refuse and presents only what it is asked for.
import { createHash, randomBytes, X509Certificate } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getListFromStatusListJWT } from "@owf/token-status-list";
import { decodeSdJwt } from "@sd-jwt/core";
import { digest } from "@sd-jwt/crypto-nodejs";
import {
  base64url,
  type CryptoKey,
  compactDecrypt,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importJWK,
  importPKCS8,
  type JWK,
  jwtVerify,
  SignJWT,
} from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ensureLocalCertificates, type LocalCertificates } from "../../local/openid4vp/ca.js";
import { startVerifiedIdSimulator, type VerifiedIdSimulator } from "../../local/verifiedid/index.js";
import { vctOf } from "../../src/domain/catalogue.js";
import { getJson, postJson } from "./support.js";

type Verifier = {
  readonly origin: string;
  /** Request objects to serve, by request id. */
  readonly objects: Map<string, string>;
  /** Bodies posted to a response_uri, by request id. */
  readonly responses: Map<string, string>;
  close(): Promise<void>;
};

type SdJwtEntry = {
  id: string;
  type: string;
  issuer: string;
  revoked: boolean;
  format: string;
  claims: Record<string, unknown>;
  credential: string;
};
type WalletBody = {
  publicJwk: JWK;
  credentials: { format: string; type: string; claims: Record<string, unknown> }[];
  sdJwtCredentials: SdJwtEntry[];
};

/** The verifier's two endpoints: GET request_uri answers the stored object, POST response_uri records the body. */
async function startVerifier(): Promise<Verifier> {
  const objects = new Map<string, string>();
  const responses = new Map<string, string>();
  const server = createServer((request, response) => {
    const [, kind, id = ""] = /^\/(requests|responses)\/([^/]+)$/.exec(request.url ?? "") ?? [];
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const object = objects.get(id);
      if (kind === "requests" && request.method === "GET" && object !== undefined) {
        response.writeHead(200, { "content-type": "application/oauth-authz-req+jwt" }).end(object);
        return;
      }
      if (kind === "responses" && request.method === "POST") {
        responses.set(id, Buffer.concat(chunks).toString("utf8"));
        response.writeHead(200, { "content-type": "application/json" }).end("{}");
        return;
      }
      response.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    objects,
    responses,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The certificates of a PEM bundle, in order. */
function certificatesOf(pem: string): X509Certificate[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? []).map(
    (block) => new X509Certificate(block),
  );
}

function x509Hash(certificate: X509Certificate): string {
  return `x509_hash:${base64url.encode(createHash("sha256").update(certificate.raw).digest())}`;
}

type Query = { id: string; type: string; claims: { path: [string]; values?: string[] }[] };

type Built = {
  readonly id: string;
  readonly url: string;
  readonly clientId: string;
  readonly nonce: string;
  readonly decryptionKey: CryptoKey;
  readonly kid: string;
};

/**
 * A request as the service makes it (API.md section 9), stored on the verifier; `change` lets a test sign with
 * another key, name another client id or send another chain.
 */
async function buildRequest(
  verifier: Verifier,
  certificates: LocalCertificates,
  queries: Query[],
  change: { signingKey?: CryptoKey; clientId?: string } = {},
): Promise<Built> {
  const id = randomBytes(9).toString("base64url");
  const chain = certificatesOf(certificates.verifier.chainPem);
  const [leaf] = chain;
  if (leaf === undefined) throw new Error("No verifier leaf");
  const clientId = change.clientId ?? x509Hash(leaf);
  const nonce = randomBytes(16).toString("base64url");
  const encryption = await generateKeyPair("ECDH-ES", { crv: "P-256" });
  const kid = `enc-${id}`;
  const publicJwk = { ...(await exportJWK(encryption.publicKey)), use: "enc", alg: "ECDH-ES", kid };
  const signingKey = change.signingKey ?? (await importPKCS8(certificates.verifier.keyPkcs8Pem, "ES256"));
  const now = Math.floor(Date.now() / 1000);
  const object = await new SignJWT({
    aud: "https://self-issued.me/v2",
    client_id: clientId,
    response_type: "vp_token",
    response_mode: "direct_post.jwt",
    response_uri: `${verifier.origin}/responses/${id}`,
    nonce,
    state: id,
    dcql_query: {
      credentials: queries.map((query) => ({
        id: query.id,
        format: "dc+sd-jwt",
        meta: { vct_values: [vctOf(query.type)] },
        claims: query.claims,
      })),
    },
    client_metadata: {
      jwks: { keys: [publicJwk] },
      encrypted_response_enc_values_supported: ["A128GCM", "A256GCM"],
      vp_formats_supported: {
        "dc+sd-jwt": { "sd-jwt_alg_values": ["ES256"], "kb-jwt_alg_values": ["ES256"] },
      },
    },
  })
    .setProtectedHeader({
      alg: "ES256",
      typ: "oauth-authz-req+jwt",
      x5c: chain.map((certificate) => certificate.raw.toString("base64")),
    })
    .setIssuedAt(now)
    .setExpirationTime(now + 300)
    .sign(signingKey);
  verifier.objects.set(id, object);
  const requestUri = `${verifier.origin}/requests/${id}`;
  return {
    id,
    url: `openid4vp://?client_id=${encodeURIComponent(clientId)}&request_uri=${encodeURIComponent(requestUri)}`,
    clientId,
    nonce,
    decryptionKey: encryption.privateKey,
    kid,
  };
}

const ACCESS_KEY_RJ1: Query = {
  id: "StaffPassportAccessKey",
  type: "StaffPassportAccessKey",
  claims: [{ path: ["trustId"], values: ["RJ1"] }, { path: ["staffId"] }],
};
const DBS: Query = {
  id: "StaffPassportDbsCheck",
  type: "StaffPassportDbsCheck",
  claims: [{ path: ["certificateNumber"] }, { path: ["outcome"] }],
};

let directory: string;
let otherDirectory: string;
let certificates: LocalCertificates;
let otherCertificates: LocalCertificates;
let simulator: VerifiedIdSimulator;
let verifier: Verifier;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "openid4vp-wallet-"));
  otherDirectory = await mkdtemp(join(tmpdir(), "openid4vp-other-"));
  certificates = await ensureLocalCertificates(directory);
  // Another authority altogether: its chain leads to a root the wallet does not trust.
  otherCertificates = await ensureLocalCertificates(otherDirectory);
  simulator = await startVerifiedIdSimulator({ port: 0, certificates });
  verifier = await startVerifier();
});
afterAll(async () => {
  await verifier?.close();
  await simulator?.close();
  await rm(directory, { recursive: true, force: true });
  await rm(otherDirectory, { recursive: true, force: true });
});
beforeEach(() => {
  verifier.objects.clear();
  verifier.responses.clear();
});

/** The credential's entry in its issuer's status list, as the list token served now says: 0 valid, 1 revoked. */
async function statusBit(credential: string): Promise<number> {
  const { status } = decodeJwt(credential.split("~")[0] ?? "") as {
    status: { status_list: { idx: number; uri: string } };
  };
  const token = await (await fetch(status.status_list.uri)).text();
  return getListFromStatusListJWT(token).getStatus(status.status_list.idx);
}

const scan = (walletId: string, url: string) =>
  postJson(`${simulator.url}/wallet/wallets/${walletId}/scan`, { url });
const present = (walletId: string, body: Record<string, unknown>) =>
  postJson(`${simulator.url}/wallet/wallets/${walletId}/present`, body);
const walletOf = async (walletId: string) =>
  (await getJson(`${simulator.url}/wallet/wallets/${walletId}`)).body as WalletBody;

describe("the wallets' SD-JWT VCs", () => {
  it("hold every seeded credential also as an SD-JWT VC bound to the wallet's key, each listed with its format", async () => {
    const demo = await walletOf("demo");
    expect(demo.credentials.every((credential) => credential.format === "jwt_vc_json")).toBe(true);
    // Every one, those with a `status` claim too: SD-JWT VC reserves that name, so it travels renamed.
    expect(demo.sdJwtCredentials.map((held) => held.type)).toEqual(
      demo.credentials.map((credential) => credential.type),
    );
    const rightToWork = demo.sdJwtCredentials.find((held) => held.type === "StaffPassportRightToWork");
    expect(rightToWork?.claims).toHaveProperty("rightToWorkStatus");
    expect(rightToWork?.claims).not.toHaveProperty("status");
    for (const held of demo.sdJwtCredentials) {
      expect(held.format).toBe("dc+sd-jwt");
      const payload = decodeJwt(held.credential.split("~")[0] ?? "");
      expect(payload.vct).toBe(vctOf(held.type));
      expect((payload.cnf as { jwk: JWK }).jwk).toMatchObject(demo.publicJwk);
    }
  });

  it("issues a wallet created over HTTP its credentials in both formats, the SD-JWT VC bound to its new key", async () => {
    const dbs = (await walletOf("demo")).credentials.find((c) => c.type === "StaffPassportDbsCheck");
    const created = await postJson(`${simulator.url}/wallet/wallets`, { credentials: [dbs] });
    expect(created.status).toBe(201);
    const body = created.body as WalletBody;
    expect(body.credentials.map((credential) => credential.format)).toEqual(["jwt_vc_json"]);
    expect(body.sdJwtCredentials.map((held) => [held.type, held.format])).toEqual([
      ["StaffPassportDbsCheck", "dc+sd-jwt"],
    ]);
    const [held] = body.sdJwtCredentials;
    const payload = decodeJwt(held?.credential.split("~")[0] ?? "");
    expect((payload.cnf as { jwk: JWK }).jwk).toMatchObject(body.publicJwk);
  });

  it("revokes a credential's SD-JWT VC twin in its status list when the control endpoint revokes the credential", async () => {
    const dbs = (await walletOf("demo")).credentials.find((c) => c.type === "StaffPassportDbsCheck");
    const created = (await postJson(`${simulator.url}/wallet/wallets`, { credentials: [dbs] })).body as {
      walletId: string;
    } & WalletBody;
    const [held] = created.sdJwtCredentials;
    expect(await statusBit(held?.credential ?? "")).toBe(0);
    const revoked = await postJson(`${simulator.url}/control/credentials/revoke`, {
      walletId: created.walletId,
      type: "StaffPassportDbsCheck",
    });
    expect(revoked.status).toBe(200);
    expect(await statusBit(held?.credential ?? "")).toBe(1);
    expect((await walletOf(created.walletId)).sdJwtCredentials[0]?.revoked).toBe(true);
  });

  it("marks the revoked wallet's revoked credential revoked in its issuer's status list, and no other", async () => {
    const revoked = await walletOf("revoked");
    const statuses = await Promise.all(
      revoked.sdJwtCredentials.map(async (held) => {
        return { type: held.type, bit: await statusBit(held.credential) };
      }),
    );
    expect(statuses.filter((entry) => entry.bit === 1).map((entry) => entry.type)).toEqual([
      "StaffPassportDbsCheck",
    ]);
    expect(revoked.sdJwtCredentials.find((held) => held.revoked)?.type).toBe("StaffPassportDbsCheck");
  });
});

describe("opening an openid4vp:// request", () => {
  it("refuses a link without client_id and request_uri, or no URL at all, as requestInvalid", async () => {
    for (const url of ["openid4vp://?client_id=x509_hash%3Aabc", "openid4vp://[", "openid4vp:"]) {
      const answer = await scan("demo", url);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ error: "requestInvalid" });
    }
  });

  it("refuses a request object whose signature does not verify with its x5c leaf", async () => {
    const { privateKey } = await generateKeyPair("ES256");
    const built = await buildRequest(verifier, certificates, [ACCESS_KEY_RJ1], { signingKey: privateKey });
    const answer = await scan("demo", built.url);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: "requestSignatureInvalid" });
  });

  it("refuses a client_id that is not the x509_hash of the leaf that signed the request", async () => {
    const [, intermediate] = certificatesOf(certificates.verifier.chainPem);
    if (intermediate === undefined) throw new Error("No intermediate");
    const built = await buildRequest(verifier, certificates, [ACCESS_KEY_RJ1], {
      clientId: x509Hash(intermediate),
    });
    const answer = await scan("demo", built.url);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: "clientIdMismatch" });
  });

  it("refuses a chain that does not lead to the verifier root it trusts", async () => {
    const built = await buildRequest(verifier, otherCertificates, [ACCESS_KEY_RJ1]);
    const answer = await scan("demo", built.url);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: "untrustedVerifier" });
  });

  it("says per query what it holds and what fits, and refuses to present what it lacks", async () => {
    const built = await buildRequest(verifier, certificates, [
      ACCESS_KEY_RJ1,
      { ...DBS, id: "StaffPassportDbsCheck" },
    ]);
    const answer = await scan("partial", built.url);
    expect(answer.status).toBe(200);
    const body = answer.body as { requestId: string; missing: string[]; requested: string[] };
    expect(body.requested).toEqual(["StaffPassportAccessKey", "StaffPassportDbsCheck"]);
    // The partial wallet holds RTH's access key only, which the query's trustId value excludes.
    expect(body.missing).toEqual(["StaffPassportAccessKey"]);
    expect((await present("partial", { requestId: body.requestId })).status).toBe(409);
    expect(verifier.responses.size).toBe(0);
  });
});

describe("presenting", () => {
  it("sends only the claims asked for, key-bound to the nonce and client_id, encrypted to the request's key", async () => {
    const built = await buildRequest(verifier, certificates, [ACCESS_KEY_RJ1, DBS]);
    const scanned = await scan("demo", built.url);
    expect(scanned.status).toBe(200);
    const { requestId, missing } = scanned.body as { requestId: string; missing: string[] };
    expect(missing).toEqual([]);
    const presented = await present("demo", { requestId });
    expect(presented.status).toBe(200);
    expect(presented.body).toMatchObject({ callbackStatus: 200 });

    const posted = new URLSearchParams(verifier.responses.get(built.id) ?? "");
    const jwe = posted.get("response") ?? "";
    expect(decodeProtectedHeader(jwe)).toMatchObject({ alg: "ECDH-ES", kid: built.kid });
    expect(["A128GCM", "A256GCM"]).toContain(decodeProtectedHeader(jwe).enc);
    const { plaintext } = await compactDecrypt(jwe, built.decryptionKey);
    const response = JSON.parse(new TextDecoder().decode(plaintext)) as {
      vp_token: Record<string, string[]>;
      state: string;
    };
    expect(response.state).toBe(built.id);
    expect(Object.keys(response.vp_token)).toEqual(["StaffPassportAccessKey", "StaffPassportDbsCheck"]);

    const holderKey = await importJWK((await walletOf("demo")).publicJwk, "ES256");
    const asked = { StaffPassportAccessKey: ["staffId", "trustId"], StaffPassportDbsCheck: DBS_CLAIMS };
    for (const [queryId, claims] of Object.entries(asked)) {
      const [presentation = ""] = response.vp_token[queryId] ?? [];
      const decoded = await decodeSdJwt(presentation, digest);
      expect(decoded.disclosures.map((disclosure) => disclosure.key).sort()).toEqual(claims);
      const kbJwt = presentation.slice(presentation.lastIndexOf("~") + 1);
      const { payload, protectedHeader } = await jwtVerify(kbJwt, holderKey, {
        typ: "kb+jwt",
        audience: built.clientId,
      });
      expect(protectedHeader.alg).toBe("ES256");
      expect(payload.nonce).toBe(built.nonce);
      const presented = presentation.slice(0, presentation.lastIndexOf("~") + 1);
      expect(payload.sd_hash).toBe(base64url.encode(createHash("sha256").update(presented).digest()));
    }
  });
});

const DBS_CLAIMS = ["certificateNumber", "outcome"];
