// One SD-JWT VC presentation checked as a standard wallet makes it: credentials from the local issuer, presented
// with the SD-JWT library and a holder key of the test's own, each refusal its own code, and the status list's
// answer (a real status list token, fetched from the issuer's route) passed on as the credential's status.
import { createHash, type X509Certificate } from "node:crypto";
import { base64url, calculateJwkThumbprintUri, decodeJwt, exportJWK, generateKeyPair } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalCertificates } from "../../../local/openid4vp/ca.js";
import { certificatesOfPem } from "../../../src/adapters/openid4vp/certificateChains.js";
import {
  checkSdJwtPresentation,
  KEY_BINDING_MAX_AGE_SECONDS,
  type PresentationContext,
} from "../../../src/adapters/openid4vp/sdJwtPresentations.js";
import { type StatusReader, statusListReader } from "../../../src/adapters/openid4vp/statusLists.js";
import { vctOf } from "../../../src/domain/catalogue.js";
import { type CredentialQuery, shareQueries } from "../../../src/domain/walletQuery.js";
import {
  freshAuthority,
  type Holder,
  holderKey,
  issuerPayloadOf,
  keyBindingJwt,
  type LocalIssuer,
  localIssuer,
  present,
  removeFolders,
  signedSdJwtVc,
  testClock,
} from "./support.js";

const DBS = "StaffPassportDbsCheck";
const ESR = "https://esr.staffpassport.nhs.uk";
const CLIENT_ID = "x509_hash:yJ8fWq3pH2e0w0bq3rX4n3c9m2p6VhQd0kR1tS7uV8A";
const NONCE = "n-0S6_WzA2Mj";
/** What the DBS query asks for, and one claim the credential holds that it does not. */
const DBS_CLAIMS = {
  certificateNumber: "001234567890",
  level: "Enhanced with barred lists",
  workforce: "Adult and child",
  outcome: "No information disclosed",
  issuedOn: "2024-03-02",
  updateServiceSubscribed: true,
  applicantAddress: "12 Station Road, Reading",
};

const clock = testClock();
let authority: LocalCertificates;
let issuerRoots: X509Certificate[];
let local: LocalIssuer;
let holder: Holder;
let status: StatusReader;
let dbsQuery: CredentialQuery;

beforeAll(async () => {
  authority = await freshAuthority(clock.now);
  issuerRoots = certificatesOfPem(authority.issuers.rootPem, "issuer root");
  local = localIssuer(authority, clock.now);
  holder = await holderKey();
  // The other checks are tested apart from status lists, which have tests of their own (below, and statusLists).
  status = async () => "VALID";
  const [, query] = shareQueries("RTH", [DBS]);
  if (query === undefined) throw new Error("no DBS query");
  dbsQuery = query;
});
afterAll(removeFolders);

const nowSeconds = () => Math.floor(clock.now().getTime() / 1000);
const context = (overrides: Partial<PresentationContext> = {}): PresentationContext => ({
  nonce: NONCE,
  clientId: CLIENT_ID,
  now: clock.now(),
  issuerRoots,
  status,
  ...overrides,
});
const kb = (overrides: Partial<{ aud: string; nonce: string; iat: number }> = {}) => ({
  aud: CLIENT_ID,
  nonce: NONCE,
  iat: nowSeconds(),
  ...overrides,
});
const issueDbs = () => local.issuer.issue({ type: DBS, claims: DBS_CLAIMS, holderJwk: holder.publicJwk });
const asked = () => dbsQuery.claims.map((claim) => claim.name);
/** The DBS credential with the asked claims and no key binding JWT yet: ends with `~`. */
const withoutKb = async (credential?: string) => present(credential ?? (await issueDbs()), asked(), holder);

describe("an accepted presentation", () => {
  it("passes on exactly the disclosed claims, the did:web issuer, the holder's thumbprint and the presentation without its key binding JWT", async () => {
    const credential = await issueDbs();
    const presented = await present(credential, asked(), holder, kb());
    const checked = await checkSdJwtPresentation(presented, dbsQuery, context());
    if (!checked.ok) throw new Error(`refused: ${checked.error.code}`);
    const { applicantAddress: _notAsked, ...disclosed } = DBS_CLAIMS;
    expect(checked.credential.claims).toEqual(disclosed);
    for (const registered of ["iss", "vct", "cnf", "status", "iat", "nbf", "exp", "_sd", "_sd_alg"]) {
      expect(checked.credential.claims).not.toHaveProperty(registered);
    }
    expect(checked.credential.issuer).toBe("did:web:esr.staffpassport.nhs.uk");
    expect(checked.credential.type).toEqual(["VerifiableCredential", DBS]);
    expect(checked.credential.format).toBe("dc+sd-jwt");
    expect(checked.credential.revocationStatus).toBe("VALID");
    const kbJwt = presented.slice(presented.lastIndexOf("~") + 1);
    expect(kbJwt.split(".")).toHaveLength(3);
    expect(checked.credential.presentation).toBe(presented.slice(0, -kbJwt.length));
    expect(checked.credential.presentation?.endsWith("~")).toBe(true);
    // RFC 7638 computed here from the required members in lexicographic order, not with the code under test's library.
    const { crv, kty, x, y } = holder.publicJwk;
    const thumbprint = createHash("sha256").update(JSON.stringify({ crv, kty, x, y })).digest("base64url");
    expect(checked.holder).toBe(`urn:ietf:params:oauth:jwk-thumbprint:sha-256:${thumbprint}`);
    expect(checked.holder).toBe(await calculateJwkThumbprintUri(holder.publicJwk));
  });

  it("passes on nbf as the issuance date and exp as the expiry, for the acceptance rules to judge", async () => {
    const from = new Date(Math.floor(clock.now().getTime() / 1000) * 1000 - 86_400_000);
    const until = new Date(from.getTime() + 2 * 86_400_000);
    const credential = await local.issuer.issue({
      type: DBS,
      claims: DBS_CLAIMS,
      holderJwk: holder.publicJwk,
      validFrom: from.toISOString(),
      validUntil: until.toISOString(),
    });
    const checked = await checkSdJwtPresentation(
      await present(credential, asked(), holder, kb()),
      dbsQuery,
      context(),
    );
    if (!checked.ok) throw new Error(`refused: ${checked.error.code}`);
    expect(checked.credential.issuanceDate).toBe(from.toISOString());
    expect(checked.credential.expirationDate).toBe(until.toISOString());
  });

  it("passes on the real status list's answer: VALID for a valid credential, REVOKED for a revoked one", async () => {
    const valid = await issueDbs();
    const revoked = await issueDbs();
    local.issuer.setStatus(revoked, "revoked");
    // A reader of its own, so that no list cached by another test answers.
    const reader = statusListReader({ fetch: local.fetch, issuerRoots, clock: clock.now });
    const statusOf = async (credential: string) => {
      const presented = await present(credential, asked(), holder, kb());
      const checked = await checkSdJwtPresentation(presented, dbsQuery, context({ status: reader }));
      return checked.ok ? checked.credential.revocationStatus : checked.error.code;
    };
    expect(await statusOf(valid)).toBe("VALID");
    expect(await statusOf(revoked)).toBe("REVOKED");
  });

  it("asks the status reader about the credential's issuer and status reference, and passes its answer on", async () => {
    const credential = await issueDbs();
    const presented = await present(credential, asked(), holder, kb());
    for (const answer of ["SUSPENDED", "UNKNOWN", "REVOKED"] as const) {
      const seen: unknown[] = [];
      const answering: StatusReader = async (issuer, reference) => {
        seen.push([issuer, reference]);
        return answer;
      };
      const checked = await checkSdJwtPresentation(presented, dbsQuery, context({ status: answering }));
      expect(checked.ok && checked.credential.revocationStatus).toBe(answer);
      expect(seen).toEqual([[ESR, issuerPayloadOf(credential).status]]);
    }
  });
});

describe("refusals", () => {
  it("response_invalid: something that is not an SD-JWT", async () => {
    const issuerJwtAlone = (await issueDbs()).split("~")[0] ?? "";
    for (const presented of ["", "not an sd-jwt", "a.b.c~", "~~", issuerJwtAlone]) {
      const checked = await checkSdJwtPresentation(presented, dbsQuery, context());
      expect(checked.ok || checked.error.code, presented).toBe("response_invalid");
    }
  });

  it("credential_type_mismatch: a typ other than dc+sd-jwt", async () => {
    const signer = await authority.issuers.certify(ESR);
    for (const typ of ["vc+sd-jwt", "JWT"]) {
      const credential = await signedSdJwtVc({
        signer,
        typ,
        payload: {
          iss: ESR,
          vct: vctOf(DBS),
          iat: nowSeconds(),
          cnf: { jwk: holder.publicJwk },
          ...DBS_CLAIMS,
        },
        disclosed: Object.keys(DBS_CLAIMS),
      });
      const presented = await present(credential, asked(), holder, kb());
      const checked = await checkSdJwtPresentation(presented, dbsQuery, context());
      expect(checked.ok || checked.error.code, typ).toBe("credential_type_mismatch");
    }
  });

  it("credential_type_mismatch: a vct other than the one the query asked for", async () => {
    const identity = await local.issuer.issue({
      type: "StaffPassportIdentity",
      claims: { givenName: "Ada", familyName: "Lovelace" },
      holderJwk: holder.publicJwk,
    });
    const presented = await present(identity, ["givenName", "familyName"], holder, kb());
    const checked = await checkSdJwtPresentation(presented, dbsQuery, context());
    expect(checked.ok || checked.error.code).toBe("credential_type_mismatch");
  });

  it("issuer_not_accepted: an issuer chain that leads to another authority's root", async () => {
    const other = localIssuer(await freshAuthority(clock.now), clock.now);
    const credential = await other.issuer.issue({
      type: DBS,
      claims: DBS_CLAIMS,
      holderJwk: holder.publicJwk,
    });
    const presented = await present(credential, asked(), holder, kb());
    const checked = await checkSdJwtPresentation(presented, dbsQuery, context());
    expect(checked.ok || checked.error.code).toBe("issuer_not_accepted");
  });

  it("issuer_not_accepted: an iss the signing leaf does not name", async () => {
    // Certified by the trusted authority, but for another host than the iss it signs as.
    const signer = await authority.issuers.certify("https://registration.staffpassport.nhs.uk");
    const credential = await signedSdJwtVc({
      signer,
      payload: {
        iss: ESR,
        vct: vctOf(DBS),
        iat: nowSeconds(),
        cnf: { jwk: holder.publicJwk },
        ...DBS_CLAIMS,
      },
      disclosed: Object.keys(DBS_CLAIMS),
    });
    const presented = await present(credential, asked(), holder, kb());
    const checked = await checkSdJwtPresentation(presented, dbsQuery, context());
    expect(checked.ok || checked.error.code).toBe("issuer_not_accepted");
  });

  it("signature_invalid: the issuer's payload altered after signing", async () => {
    const credential = await issueDbs();
    const [jwt = "", ...rest] = credential.split("~");
    const [header, , signature] = jwt.split(".");
    const altered = { ...issuerPayloadOf(credential), exp: nowSeconds() + 20 * 365 * 86_400 };
    const forged = [[header, base64url.encode(JSON.stringify(altered)), signature].join("."), ...rest].join(
      "~",
    );
    const presented = await present(forged, asked(), holder, kb());
    const checked = await checkSdJwtPresentation(presented, dbsQuery, context());
    expect(checked.ok || checked.error.code).toBe("signature_invalid");
  });

  it("disclosure_invalid: a disclosure no digest of the issuer's refers to", async () => {
    const sdJwt = await withoutKb();
    const extra = base64url.encode(JSON.stringify(["c2FsdHNhbHRzYWx0", "outcome", "Barred"]));
    const tampered = `${sdJwt}${extra}~`;
    const presented = `${tampered}${await keyBindingJwt(tampered, holder.privateKey, kb())}`;
    const checked = await checkSdJwtPresentation(presented, dbsQuery, context());
    expect(checked.ok || checked.error.code).toBe("disclosure_invalid");
  });

  it("disclosure_invalid: a disclosure presented twice", async () => {
    const sdJwt = await withoutKb();
    const [, first] = sdJwt.split("~");
    const repeated = `${sdJwt}${first}~`;
    const presented = `${repeated}${await keyBindingJwt(repeated, holder.privateKey, kb())}`;
    const checked = await checkSdJwtPresentation(presented, dbsQuery, context());
    expect(checked.ok || checked.error.code).toBe("disclosure_invalid");
  });

  it("key_binding_missing: the SD-JWT ends with ~ and no key binding JWT", async () => {
    const checked = await checkSdJwtPresentation(await withoutKb(), dbsQuery, context());
    expect(checked.ok || checked.error.code).toBe("key_binding_missing");
  });

  it("nonce_mismatch: a key binding JWT for another request's nonce", async () => {
    const presented = await present(await issueDbs(), asked(), holder, kb({ nonce: "another-nonce" }));
    const checked = await checkSdJwtPresentation(presented, dbsQuery, context());
    expect(checked.ok || checked.error.code).toBe("nonce_mismatch");
  });

  describe("key_binding_invalid", () => {
    it("signed by another key than the credential's cnf key", async () => {
      const sdJwt = await withoutKb();
      const stranger = await holderKey();
      const presented = `${sdJwt}${await keyBindingJwt(sdJwt, stranger.privateKey, kb())}`;
      const checked = await checkSdJwtPresentation(presented, dbsQuery, context());
      expect(checked.ok || checked.error.code).toBe("key_binding_invalid");
    });

    it("for another audience", async () => {
      const presented = await present(
        await issueDbs(),
        asked(),
        holder,
        kb({ aud: "x509_hash:another-verifier" }),
      );
      const checked = await checkSdJwtPresentation(presented, dbsQuery, context());
      expect(checked.ok || checked.error.code).toBe("key_binding_invalid");
    });

    it("made too long ago, or too far ahead of the clock (iat)", async () => {
      const credential = await issueDbs();
      for (const offset of [-(KEY_BINDING_MAX_AGE_SECONDS + 1), KEY_BINDING_MAX_AGE_SECONDS + 1]) {
        const presented = await present(credential, asked(), holder, kb({ iat: nowSeconds() + offset }));
        const checked = await checkSdJwtPresentation(presented, dbsQuery, context());
        expect(checked.ok || checked.error.code, `iat ${offset}`).toBe("key_binding_invalid");
      }
      const fresh = await present(credential, asked(), holder, kb({ iat: nowSeconds() - 60 }));
      expect((await checkSdJwtPresentation(fresh, dbsQuery, context())).ok).toBe(true);
    });

    it("with an sd_hash that covers other disclosures", async () => {
      const credential = await issueDbs();
      const sdJwt = await withoutKb(credential);
      const fewer = await present(credential, ["level"], holder);
      const presented = `${sdJwt}${await keyBindingJwt(sdJwt, holder.privateKey, { ...kb(), sd_hash: createHash("sha256").update(fewer).digest("base64url") })}`;
      const checked = await checkSdJwtPresentation(presented, dbsQuery, context());
      expect(checked.ok || checked.error.code).toBe("key_binding_invalid");
    });

    it("typed other than kb+jwt", async () => {
      const sdJwt = await withoutKb();
      const presented = `${sdJwt}${await keyBindingJwt(sdJwt, holder.privateKey, kb(), "JWT")}`;
      const checked = await checkSdJwtPresentation(presented, dbsQuery, context());
      expect(checked.ok || checked.error.code).toBe("key_binding_invalid");
    });

    it("when the credential's cnf holds no public P-256 key: a private key, or another curve", async () => {
      const signer = await authority.issuers.certify(ESR);
      const { privateKey } = await generateKeyPair("ES256", { extractable: true });
      const { publicKey: edKey } = await generateKeyPair("EdDSA", { extractable: true });
      // Each key binding JWT is signed with the key the cnf names, so only the cnf itself can be refused.
      for (const [jwk, signingKey] of [
        [await exportJWK(privateKey), privateKey],
        [await exportJWK(edKey), holder.privateKey],
      ] as const) {
        const credential = await signedSdJwtVc({
          signer,
          payload: { iss: ESR, vct: vctOf(DBS), iat: nowSeconds(), cnf: { jwk }, ...DBS_CLAIMS },
          disclosed: Object.keys(DBS_CLAIMS),
        });
        const sdJwt = await present(credential, asked(), holder);
        const presented = `${sdJwt}${await keyBindingJwt(sdJwt, signingKey, kb())}`;
        const checked = await checkSdJwtPresentation(presented, dbsQuery, context());
        expect(checked.ok || checked.error.code, String(jwk.crv)).toBe("key_binding_invalid");
      }
    });

    it("accepts the same hand-made key binding JWT when every part is right", async () => {
      const sdJwt = await withoutKb();
      const presented = `${sdJwt}${await keyBindingJwt(sdJwt, holder.privateKey, kb())}`;
      const checked = await checkSdJwtPresentation(presented, dbsQuery, context());
      expect(checked.ok).toBe(true);
      expect(decodeJwt(presented.slice(presented.lastIndexOf("~") + 1)).aud).toBe(CLIENT_ID);
    });
  });
});
