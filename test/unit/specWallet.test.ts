// The tests' standard wallet against a verifier made here from the specifications: it takes only a request object
// it can verify, and its response carries what OpenID4VP and RFC 9901 require, or, with a knob, one rule broken.
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  base64url,
  type CryptoKey,
  compactDecrypt,
  decodeJwt,
  exportJWK,
  generateKeyPair,
  importJWK,
  importPKCS8,
  type JWK,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureLocalCertificates, type LocalCertificates } from "../../local/openid4vp/ca.js";
import { vctOf } from "../../src/domain/catalogue.js";
import {
  type HeldCredential,
  type HolderKey,
  newHolderKey,
  rogueIssuer,
  SpecWallet,
} from "../support/specWallet.js";

const IDENTITY = "StaffPassportIdentity";

let certificates: LocalCertificates;
/** The certificate folders this file made, removed when it ends. */
const folders: string[] = [];
const newFolder = () => {
  const folder = mkdtempSync(join(tmpdir(), "staff-passport-wallet-ca-"));
  folders.push(folder);
  return folder;
};
let server: Server;
let origin = "";
let x5c: string[] = [];
let clientId = "";
let signingKey: CryptoKey;
let decryptionKey: CryptoKey;
let encryptionJwk: JWK;
let holder: HolderKey;
let credential: HeldCredential;
/** What the verifier serves at /request, made afresh by each test. */
let requestObject = "";
/** The last form body posted to /response. */
let posted = "";

beforeAll(async () => {
  certificates = await ensureLocalCertificates(newFolder());
  x5c = (
    certificates.verifier.chainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ??
    []
  ).map((pem) => pem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, ""));
  clientId = `x509_hash:${base64url.encode(
    createHash("sha256")
      .update(Buffer.from(x5c[0] ?? "", "base64"))
      .digest(),
  )}`;
  signingKey = await importPKCS8(certificates.verifier.keyPkcs8Pem, "ES256");
  const encryption = await generateKeyPair("ECDH-ES", { crv: "P-256" });
  decryptionKey = encryption.privateKey;
  encryptionJwk = await exportJWK(encryption.publicKey);
  holder = await newHolderKey();
  credential = await (await rogueIssuer("https://staffpassport.nhs.uk")).issue(
    IDENTITY,
    { givenName: "Grace", familyName: "Hopper", photo: "data:image/png;base64,AAAA" },
    holder,
  );
  server = createServer((request, response) => {
    if (request.method === "GET") {
      response.setHeader("content-type", "application/oauth-authz-req+jwt");
      response.end(requestObject);
      return;
    }
    let body = "";
    request.on("data", (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on("end", () => {
      posted = body;
      response.setHeader("content-type", "application/json");
      response.end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** A request object as the contract shapes it, with any claim or header member overridden. */
async function signRequest(
  overrides: JWTPayload = {},
  header: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT({
    aud: "https://self-issued.me/v2",
    client_id: clientId,
    response_type: "vp_token",
    response_mode: "direct_post.jwt",
    response_uri: `${origin}/response`,
    nonce: "nonce-1",
    state: "state-1",
    dcql_query: {
      credentials: [
        {
          id: IDENTITY,
          format: "dc+sd-jwt",
          meta: { vct_values: [vctOf(IDENTITY)] },
          claims: [{ path: ["givenName"] }],
        },
      ],
    },
    client_metadata: {
      jwks: { keys: [{ ...encryptionJwk, use: "enc", alg: "ECDH-ES", kid: "enc-1" }] },
      encrypted_response_enc_values_supported: ["A128GCM", "A256GCM"],
    },
    ...overrides,
  })
    .setProtectedHeader({ alg: "ES256", typ: "oauth-authz-req+jwt", x5c, ...header })
    .setIssuedAt()
    .setExpirationTime("5m")
    .sign(signingKey);
}

const link = (id = clientId) =>
  `openid4vp://?client_id=${encodeURIComponent(id)}&request_uri=${encodeURIComponent(`${origin}/request`)}`;

const wallet = () => new SpecWallet(certificates.verifier.rootPem).hold(credential);

/** The posted response decrypted with the verifier's key: the presentation and its parts. */
async function postedPresentation() {
  const jwe = new URLSearchParams(posted).get("response") ?? "";
  const { plaintext } = await compactDecrypt(jwe, decryptionKey);
  const body = JSON.parse(new TextDecoder().decode(plaintext)) as {
    vp_token: Record<string, string[]>;
    state: string;
  };
  const presentation = body.vp_token[IDENTITY]?.[0] ?? "";
  const parts = presentation.split("~");
  return { body, presentation, parts, kb: parts.at(-1) ?? "", disclosed: parts.slice(1, -1) };
}

const disclosureNames = (disclosures: string[]) =>
  disclosures.map((d) => (JSON.parse(new TextDecoder().decode(base64url.decode(d))) as unknown[])[1]);

const sdHashOf = (presentation: string) =>
  base64url.encode(
    createHash("sha256")
      .update(presentation.slice(0, presentation.lastIndexOf("~") + 1))
      .digest(),
  );

describe("the spec wallet", () => {
  it("answers a verified request with the asked disclosure only and a KB-JWT for this nonce, client id and sd_hash", async () => {
    requestObject = await signRequest();
    expect((await wallet().present(link())).status).toBe(200);
    const { body, presentation, kb, disclosed } = await postedPresentation();
    expect(body.state).toBe("state-1");
    expect(disclosureNames(disclosed)).toEqual(["givenName"]);
    const { payload, protectedHeader } = await jwtVerify(kb, await importJWK(holder.publicJwk, "ES256"));
    expect(protectedHeader).toMatchObject({ typ: "kb+jwt", alg: "ES256" });
    expect(payload).toMatchObject({ nonce: "nonce-1", aud: clientId, sd_hash: sdHashOf(presentation) });
  });

  it("refuses a request object whose chain ends at a root it was not given", async () => {
    requestObject = await signRequest();
    const other = await ensureLocalCertificates(newFolder());
    await expect(new SpecWallet(other.verifier.rootPem).scan(link())).rejects.toThrow(/not signed/);
  });

  it("refuses a link whose client_id is not the x509_hash of the leaf", async () => {
    requestObject = await signRequest();
    await expect(wallet().scan(link("x509_hash:another"))).rejects.toThrow(/x509_hash/);
  });

  it("refuses a request object whose client_id differs from the link's", async () => {
    requestObject = await signRequest({ client_id: "x509_hash:another" });
    await expect(wallet().scan(link())).rejects.toThrow(/differs/);
  });

  it("refuses a request object of another typ", async () => {
    requestObject = await signRequest({}, { typ: "JWT" });
    await expect(wallet().scan(link())).rejects.toThrow(/typ/);
  });

  it("refuses a request object for another audience", async () => {
    requestObject = await signRequest({ aud: "https://verifier.example" });
    await expect(wallet().scan(link())).rejects.toThrow(/aud/);
  });

  it("adds a disclosure outside the digests when told, with an sd_hash that still covers it", async () => {
    requestObject = await signRequest();
    await wallet().present(link(), { foreignDisclosure: true });
    const { presentation, kb, disclosed } = await postedPresentation();
    expect(disclosed).toHaveLength(2);
    const digests = (decodeJwt(credential.sdJwt.split("~")[0] ?? "")._sd ?? []) as string[];
    const foreign = disclosed[1] ?? "";
    expect(digests).not.toContain(base64url.encode(createHash("sha256").update(foreign).digest()));
    expect(decodeJwt(kb).sd_hash).toBe(sdHashOf(presentation));
  });

  it("drops the KB-JWT when told, the presentation ending with ~", async () => {
    requestObject = await signRequest();
    await wallet().present(link(), { withoutKeyBinding: true });
    const { presentation } = await postedPresentation();
    expect(presentation.endsWith("~")).toBe(true);
  });
});
