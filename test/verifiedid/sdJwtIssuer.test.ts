// The simulator's SD-JWT VC issuer and the local certificate authority behind it, checked from the outside with jose
// and node's X.509: signatures, chains, disclosures, holder binding, the Token Status List and bad requests.
import { createHash, X509Certificate } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getListFromStatusListJWT } from "@owf/token-status-list";
import {
  base64url,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importPKCS8,
  type JWK,
  jwtVerify,
  SignJWT,
} from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ensureLocalCertificates,
  type LocalCertificates,
  VERIFIER_LEAF_NAME,
} from "../../local/openid4vp/ca.js";
import { SEED_DIR } from "../../local/seed/index.js";
import { startVerifiedIdSimulator, type VerifiedIdSimulator } from "../../local/verifiedid/index.js";
import { createSdJwtIssuer, SdJwtIssueError } from "../../local/verifiedid/sdJwtIssuer.js";
import {
  ACCESS_KEY_TYPE,
  issuerUrlOfDid,
  shareableCredentialType,
  vctOf,
} from "../../src/domain/catalogue.js";
import { postJson } from "./support.js";

const IDENTITY = "StaffPassportIdentity";
const IDENTITY_CLAIMS = {
  givenName: "Amara",
  familyName: "Okafor",
  dateOfBirth: "1990-04-02",
  photo: "AA==",
};
const REGISTERED = ["iss", "vct", "iat", "nbf", "exp", "cnf", "status"];
const DAY_MS = 24 * 60 * 60 * 1000;

let dir: string;
let simulator: VerifiedIdSimulator;
let holderJwk: JWK;
// The simulator's clock: stopped an hour behind the real one, so that dates visibly come from it.
const stopped = new Date(Date.now() - 60 * 60 * 1000);
const clock = () => new Date(stopped);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "openid4vp-"));
  simulator = await startVerifiedIdSimulator({ port: 0, openid4vpDir: dir, now: clock });
  const { publicKey } = await generateKeyPair("ES256");
  const { kty = "", crv, x, y } = await exportJWK(publicKey);
  holderJwk = { kty, crv, x, y } as JWK;
});
afterAll(async () => {
  await simulator?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

async function issue(body: Record<string, unknown>): Promise<string> {
  const response = await postJson(`${simulator.url}/issuer/credentials`, body);
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return (response.body as { credential: string }).credential;
}

type Parsed = {
  readonly jwt: string;
  readonly disclosures: readonly string[];
  readonly header: Record<string, unknown>;
  readonly payload: Record<string, unknown>;
};

/** An SD-JWT's parts, its issuer JWT verified with the key of its own x5c leaf. */
async function parse(credential: string, at: Date = clock()): Promise<Parsed> {
  expect(credential.endsWith("~")).toBe(true);
  const [jwt = "", ...rest] = credential.split("~");
  const header = decodeProtectedHeader(jwt) as Record<string, unknown>;
  const leaf = certificateOf(x5cOf(header)[0]);
  const { payload } = await jwtVerify(jwt, leaf.publicKey, {
    typ: "dc+sd-jwt",
    algorithms: ["ES256"],
    currentDate: at,
  });
  return { jwt, disclosures: rest.slice(0, -1), header, payload };
}

function x5cOf(header: Record<string, unknown>): string[] {
  const x5c = header.x5c;
  expect(Array.isArray(x5c) && x5c.every((entry) => typeof entry === "string")).toBe(true);
  return x5c as string[];
}

function certificateOf(base64Der: string | undefined): X509Certificate {
  return new X509Certificate(Buffer.from(base64Der ?? "", "base64"));
}

function pemCertificates(pem: string): X509Certificate[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? []).map(
    (block) => new X509Certificate(block),
  );
}

/** The claim name of each disclosure, after checking that its digest is one the issuer signed. */
function disclosedNames(parsed: Parsed): string[] {
  const digests = parsed.payload._sd as string[];
  return parsed.disclosures.map((disclosure) => {
    const digest = createHash("sha256").update(disclosure).digest("base64url");
    expect(digests).toContain(digest);
    const [, name] = JSON.parse(new TextDecoder().decode(base64url.decode(disclosure))) as [string, string];
    return name;
  });
}

/** Whether `leaf` is signed by `intermediate` and `intermediate` by `root`, neither being the root itself. */
function chainsTo(leaf: X509Certificate, intermediate: X509Certificate, root: X509Certificate): boolean {
  return (
    leaf.checkIssued(intermediate) &&
    leaf.verify(intermediate.publicKey) &&
    intermediate.checkIssued(root) &&
    intermediate.verify(root.publicKey) &&
    !leaf.verify(root.publicKey) &&
    root.verify(root.publicKey)
  );
}

describe("the SD-JWT VC issuer", () => {
  let certificates: LocalCertificates;
  beforeAll(async () => {
    certificates = await ensureLocalCertificates(dir, { now: clock });
  });

  it("signs a dc+sd-jwt credential that verifies with its x5c leaf, whose chain leads to the issuer root", async () => {
    const parsed = await parse(await issue({ type: IDENTITY, claims: IDENTITY_CLAIMS, holderJwk }));
    expect(parsed.header.typ).toBe("dc+sd-jwt");
    expect(parsed.header.alg).toBe("ES256");
    const [leaf, intermediate, ...more] = x5cOf(parsed.header).map((entry) => certificateOf(entry));
    expect(more).toEqual([]);
    if (leaf === undefined || intermediate === undefined)
      throw new Error("x5c holds no leaf and intermediate");
    const root = new X509Certificate(certificates.issuers.rootPem);
    expect(chainsTo(leaf, intermediate, root)).toBe(true);
    expect(leaf.ca).toBe(false);
    const host = new URL(String(parsed.payload.iss)).host;
    expect(leaf.subjectAltName?.split(", ")).toEqual([`DNS:${host}`, `URI:${parsed.payload.iss}`]);
  });

  it("makes every requested claim a disclosure and never a registered claim", async () => {
    const parsed = await parse(await issue({ type: IDENTITY, claims: IDENTITY_CLAIMS, holderJwk }));
    expect(disclosedNames(parsed).sort()).toEqual(Object.keys(IDENTITY_CLAIMS).sort());
    for (const claim of REGISTERED) expect(parsed.payload).toHaveProperty(claim);
    for (const claim of Object.keys(IDENTITY_CLAIMS)) expect(parsed.payload).not.toHaveProperty(claim);
    expect(parsed.payload._sd_alg).toBe("sha-256");
    expect(parsed.payload.vct).toBe(vctOf(IDENTITY));
  });

  it("binds the credential to the holder: cnf.jwk is the holderJwk", async () => {
    const parsed = await parse(await issue({ type: IDENTITY, claims: IDENTITY_CLAIMS, holderJwk }));
    expect(parsed.payload.cnf).toEqual({ jwk: holderJwk });
  });

  it("dates the credential from the simulator's clock, and from validFrom and validUntil when given", async () => {
    const at = Math.floor(clock().getTime() / 1000);
    const plain = await parse(await issue({ type: IDENTITY, claims: IDENTITY_CLAIMS, holderJwk }));
    expect(plain.payload.iat).toBe(at);
    expect(plain.payload.nbf).toBe(plain.payload.iat);
    expect(Number(plain.payload.exp) - Number(plain.payload.iat)).toBe(365 * 24 * 60 * 60);
    const validFrom = new Date(clock().getTime() - 10 * DAY_MS);
    const validUntil = new Date(clock().getTime() - DAY_MS);
    const expired = await parse(
      await issue({
        type: IDENTITY,
        claims: IDENTITY_CLAIMS,
        holderJwk,
        validFrom: validFrom.toISOString(),
        validUntil: validUntil.toISOString(),
      }),
      validFrom,
    );
    expect(expired.payload.nbf).toBe(Math.floor(validFrom.getTime() / 1000));
    expect(expired.payload.exp).toBe(Math.floor(validUntil.getTime() / 1000));
  });

  it("issues an access key as its trust's issuer and a shareable type as the catalogue's issuer, in https form", async () => {
    const accessKey = await parse(
      await issue({
        type: ACCESS_KEY_TYPE,
        claims: {
          trustId: "RJ1",
          staffId: "S-1",
          givenName: "Amara",
          familyName: "Okafor",
          jobTitle: "Nurse",
        },
        holderJwk,
      }),
    );
    expect(accessKey.payload.iss).toBe("https://rj1.staffpassport.nhs.uk");
    expect(accessKey.payload.vct).toBe(vctOf(ACCESS_KEY_TYPE));
    const identityIssuer = shareableCredentialType(IDENTITY)?.acceptedIssuers[0];
    const identity = await parse(await issue({ type: IDENTITY, claims: IDENTITY_CLAIMS, holderJwk }));
    expect(identity.payload.iss).toBe(issuerUrlOfDid(identityIssuer ?? ""));
    expect(identity.payload.iss).toBe("https://staffpassport.nhs.uk");
  });

  it("signs as another https issuer when asked, with a leaf certified for that issuer", async () => {
    const parsed = await parse(
      await issue({ type: IDENTITY, claims: IDENTITY_CLAIMS, holderJwk, issuer: "https://issuer.example" }),
    );
    expect(parsed.payload.iss).toBe("https://issuer.example");
    const [leaf] = x5cOf(parsed.header).map((entry) => certificateOf(entry));
    expect(leaf?.subjectAltName).toBe("DNS:issuer.example, URI:https://issuer.example");
  });

  it("takes an access key's issuer from its trust's first issuerDids entry in the seed", async () => {
    const seedDir = await mkdtemp(join(tmpdir(), "openid4vp-seed-"));
    try {
      const [trust] = JSON.parse(await readFile(join(SEED_DIR, "trusts.json"), "utf8")) as Record<
        string,
        unknown
      >[];
      const trustId = String(trust?.id);
      const moved = { ...trust, issuerDids: ["did:web:keys.trust.example", "did:web:old.trust.example"] };
      await writeFile(join(seedDir, "trusts.json"), JSON.stringify([moved]));
      const issuer = createSdJwtIssuer({ certificates, baseUrl: () => simulator.url, now: clock, seedDir });
      const credential = await issuer.issue({
        type: ACCESS_KEY_TYPE,
        claims: { trustId, staffId: "S-1" },
        holderJwk,
      });
      expect((await parse(credential)).payload.iss).toBe("https://keys.trust.example");
    } finally {
      await rm(seedDir, { recursive: true, force: true });
    }
  });

  it("gives each credential its own index in its issuer's list", async () => {
    const entries = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const parsed = await parse(await issue({ type: IDENTITY, claims: IDENTITY_CLAIMS, holderJwk }));
        return (parsed.payload.status as { status_list: { idx: number; uri: string } }).status_list;
      }),
    );
    expect(new Set(entries.map((entry) => entry.idx)).size).toBe(entries.length);
    expect(new Set(entries.map((entry) => entry.uri)).size).toBe(1);
  });

  it("revokes a credential: its status list token, verified with its x5c, says 1 at its index and 0 for another", async () => {
    const revoked = await issue({ type: IDENTITY, claims: IDENTITY_CLAIMS, holderJwk });
    const other = await issue({ type: IDENTITY, claims: IDENTITY_CLAIMS, holderJwk });
    const entryOf = async (credential: string) =>
      ((await parse(credential)).payload.status as { status_list: { idx: number; uri: string } }).status_list;
    const revokedEntry = await entryOf(revoked);
    const otherEntry = await entryOf(other);
    expect(otherEntry.uri).toBe(revokedEntry.uri);

    const answer = await postJson(`${simulator.url}/issuer/status`, {
      credential: revoked,
      status: "revoked",
    });
    expect(answer).toMatchObject({ status: 200, body: { status: "revoked" } });

    const response = await fetch(revokedEntry.uri);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/statuslist+jwt");
    const token = await response.text();
    const header = decodeProtectedHeader(token) as Record<string, unknown>;
    const [leaf, intermediate] = x5cOf(header).map((entry) => certificateOf(entry));
    if (leaf === undefined || intermediate === undefined)
      throw new Error("x5c holds no leaf and intermediate");
    expect(chainsTo(leaf, intermediate, new X509Certificate(certificates.issuers.rootPem))).toBe(true);
    const { payload } = await jwtVerify(token, leaf.publicKey, {
      typ: "statuslist+jwt",
      algorithms: ["ES256"],
      currentDate: clock(),
    });
    expect(payload.sub).toBe(revokedEntry.uri);
    expect(payload.ttl).toBe(300);
    expect(Number(payload.exp) - Number(payload.iat)).toBe(24 * 60 * 60);
    const list = getListFromStatusListJWT(token);
    expect(list.getStatus(revokedEntry.idx)).toBe(1);
    expect(list.getStatus(otherEntry.idx)).toBe(0);
  });

  it("finds a credential from a presentation of it, and sets it valid again", async () => {
    const credential = await issue({ type: IDENTITY, claims: IDENTITY_CLAIMS, holderJwk });
    const { idx, uri } = (
      (await parse(credential)).payload.status as { status_list: { idx: number; uri: string } }
    ).status_list;
    const statusAt = async () => getListFromStatusListJWT(await (await fetch(uri)).text()).getStatus(idx);
    // A presentation keeps one disclosure and ends with a key binding JWT; it still names the credential.
    const [jwt, first] = credential.split("~");
    const presentation = `${jwt}~${first}~kb.jwt.here`;
    await postJson(`${simulator.url}/issuer/status`, { credential: presentation, status: "revoked" });
    expect(await statusAt()).toBe(1);
    await postJson(`${simulator.url}/issuer/status`, { credential, status: "valid" });
    expect(await statusAt()).toBe(0);
  });

  describe("refuses a bad body with 400 and an error naming what is wrong", () => {
    const cases: [string, () => Record<string, unknown>, string][] = [
      ["an unknown type", () => ({ type: "StaffPassportPet", claims: {}, holderJwk }), "unknownType"],
      [
        "an unknown type with an issuer given",
        () => ({ type: "StaffPassportPet", claims: {}, holderJwk, issuer: "https://issuer.example" }),
        "unknownType",
      ],
      [
        "an access key without trustId",
        () => ({ type: ACCESS_KEY_TYPE, claims: { staffId: "S-1" }, holderJwk }),
        "missingTrustId",
      ],
      [
        "a holderJwk with a private part",
        () => ({ type: IDENTITY, claims: IDENTITY_CLAIMS, holderJwk: { ...holderJwk, d: holderJwk.x } }),
        "invalidHolderJwk",
      ],
      [
        "a holderJwk on another curve",
        () => ({ type: IDENTITY, claims: IDENTITY_CLAIMS, holderJwk: { ...holderJwk, crv: "P-384" } }),
        "invalidHolderJwk",
      ],
      [
        "a holderJwk that is not a point on P-256",
        () => ({ type: IDENTITY, claims: IDENTITY_CLAIMS, holderJwk: { ...holderJwk, y: holderJwk.x } }),
        "invalidHolderJwk",
      ],
      [
        "a claim the issuer sets itself",
        () => ({
          type: IDENTITY,
          claims: { ...IDENTITY_CLAIMS, iss: "https://elsewhere.example" },
          holderJwk,
        }),
        "reservedClaim",
      ],
      [
        "validUntil before validFrom",
        () => ({
          type: IDENTITY,
          claims: IDENTITY_CLAIMS,
          holderJwk,
          validFrom: clock().toISOString(),
          validUntil: new Date(clock().getTime() - DAY_MS).toISOString(),
        }),
        "invalidValidity",
      ],
      [
        "a date that is not RFC 3339",
        () => ({ type: IDENTITY, claims: {}, holderJwk, validFrom: "soon" }),
        "invalidBody",
      ],
      ["a missing holderJwk", () => ({ type: IDENTITY, claims: IDENTITY_CLAIMS }), "invalidBody"],
      [
        "an issuer that is not an https origin",
        () => ({ type: IDENTITY, claims: IDENTITY_CLAIMS, holderJwk, issuer: "http://issuer.example" }),
        "invalidIssuer",
      ],
    ];
    it.each(cases)("%s", async (_name, body, error) => {
      const response = await postJson(`${simulator.url}/issuer/credentials`, body());
      expect(response).toMatchObject({ status: 400, body: { error, message: expect.any(String) } });
    });

    it("issue() and setStatus() throw SdJwtIssueError with the same codes for wallets that call them", async () => {
      const { sdJwtIssuer } = simulator;
      await expect(
        sdJwtIssuer.issue({ type: IDENTITY, claims: IDENTITY_CLAIMS, holderJwk, validFrom: "soon" }),
      ).rejects.toMatchObject({ name: "SdJwtIssueError", code: "invalidValidity" });
      expect(() => sdJwtIssuer.setStatus("not.a.credential~", "revoked")).toThrow(SdJwtIssueError);
    });

    it("a body that is not JSON", async () => {
      const response = await fetch(`${simulator.url}/issuer/credentials`, { method: "POST", body: "{" });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: "invalidJson" });
    });

    it("a status for a credential the issuer never made, or a status it does not know", async () => {
      const { privateKey } = await generateKeyPair("ES256");
      const stranger = `${await new SignJWT({ vct: vctOf(IDENTITY) }).setProtectedHeader({ alg: "ES256" }).sign(privateKey)}~`;
      const unknown = await postJson(`${simulator.url}/issuer/status`, {
        credential: stranger,
        status: "revoked",
      });
      expect(unknown).toMatchObject({ status: 400, body: { error: "unknownCredential" } });
      const credential = await issue({ type: IDENTITY, claims: IDENTITY_CLAIMS, holderJwk });
      const badStatus = await postJson(`${simulator.url}/issuer/status`, { credential, status: "suspended" });
      expect(badStatus).toMatchObject({ status: 400, body: { error: "invalidBody" } });
    });
  });
});

describe("ensureLocalCertificates", () => {
  const dirs: string[] = [];
  const freshDir = async () => {
    const made = await mkdtemp(join(tmpdir(), "openid4vp-ca-"));
    dirs.push(made);
    return made;
  };
  afterAll(async () => {
    await Promise.all(dirs.map((made) => rm(made, { recursive: true, force: true })));
  });

  it("reuses what it wrote: the second call answers the same roots, chain and key", async () => {
    const at = await freshDir();
    const first = await ensureLocalCertificates(at, { now: clock });
    const second = await ensureLocalCertificates(at, { now: clock });
    expect(second.verifier).toEqual(first.verifier);
    expect(second.issuers.rootPem).toBe(first.issuers.rootPem);
    expect(first.issuers.rootPem).not.toBe(first.verifier.rootPem);
  });

  it("answers one authority to two calls at once on one folder, the one it leaves there", async () => {
    const at = await freshDir();
    const [first, second] = await Promise.all([
      ensureLocalCertificates(at, { now: clock }),
      ensureLocalCertificates(at, { now: clock }),
    ]);
    expect(second.verifier).toEqual(first.verifier);
    expect(second.issuers.rootPem).toBe(first.issuers.rootPem);
    expect((await ensureLocalCertificates(at, { now: clock })).verifier).toEqual(first.verifier);
  });

  it("makes them afresh when a file is missing or cut short, and the new set chains", async () => {
    const at = await freshDir();
    const first = await ensureLocalCertificates(at, { now: clock });
    await rm(join(at, "verifier-leaf.key.pem"));
    const second = await ensureLocalCertificates(at, { now: clock });
    expect(second.verifier.rootPem).not.toBe(first.verifier.rootPem);
    const [leaf, intermediate] = pemCertificates(second.verifier.chainPem);
    if (leaf === undefined || intermediate === undefined) throw new Error("No chain");
    expect(chainsTo(leaf, intermediate, new X509Certificate(second.verifier.rootPem))).toBe(true);

    const keyFile = join(at, "issuer-intermediate.key.pem");
    const key = await readFile(keyFile, "utf8");
    await writeFile(keyFile, key.slice(0, key.length / 2));
    const third = await ensureLocalCertificates(at, { now: clock });
    expect(third.issuers.rootPem).not.toBe(second.issuers.rootPem);
    const { x5c } = await third.issuers.certify("https://issuer.example");
    const [issuerLeaf, issuerIntermediate] = x5c.map((entry) => certificateOf(entry));
    if (issuerLeaf === undefined || issuerIntermediate === undefined) throw new Error("No issuer chain");
    expect(chainsTo(issuerLeaf, issuerIntermediate, new X509Certificate(third.issuers.rootPem))).toBe(true);
  });

  it("certifies https issuer URLs only", async () => {
    const { issuers } = await ensureLocalCertificates(await freshDir(), { now: clock });
    await expect(issuers.certify("http://issuer.example")).rejects.toThrow(TypeError);
    await expect(issuers.certify("issuer.example")).rejects.toThrow(TypeError);
  });

  it("gives the verifier a chain without its root: leaf signed by the intermediate, signed by the root", async () => {
    const at = await freshDir();
    const { verifier } = await ensureLocalCertificates(at, { now: clock });
    const root = new X509Certificate(verifier.rootPem);
    const chain = pemCertificates(verifier.chainPem);
    expect(chain).toHaveLength(2);
    expect(chain.some((certificate) => certificate.fingerprint256 === root.fingerprint256)).toBe(false);
    const [leaf, intermediate] = chain;
    if (leaf === undefined || intermediate === undefined) throw new Error("No chain");
    expect(chainsTo(leaf, intermediate, root)).toBe(true);
    expect(root.subject).toBe("CN=Staff Passport local verifier root");
    expect(leaf.subject).toBe(`CN=${VERIFIER_LEAF_NAME}`);
    expect(leaf.ca).toBe(false);
    expect(intermediate.ca).toBe(true);
    // Valid from a day before the clock's now to five years after it.
    const now = clock();
    const wholeSeconds = (date: Date) => Math.floor(date.getTime() / 1000) * 1000;
    expect(new Date(leaf.validFrom).getTime()).toBe(wholeSeconds(new Date(now.getTime() - DAY_MS)));
    const fiveYears = new Date(now);
    fiveYears.setUTCFullYear(fiveYears.getUTCFullYear() + 5);
    expect(new Date(leaf.validTo).getTime()).toBe(wholeSeconds(fiveYears));
    // The key given is the leaf's: what it signs verifies with the leaf's public key.
    const key = await importPKCS8(verifier.keyPkcs8Pem, "ES256");
    const signed = await new SignJWT({}).setProtectedHeader({ alg: "ES256" }).sign(key);
    await expect(jwtVerify(signed, leaf.publicKey)).resolves.toBeDefined();
  });
});
