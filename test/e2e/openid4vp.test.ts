// Logging in and sharing from a standard wallet over OpenID4VP 1.0, end to end: the local host over HTTP, the
// Cosmos DB emulator, the Service Bus emulator, Azurite, the local SD-JWT VC issuer and the demo receiving trust,
// with a wallet written from the specifications; and each way a presentation is refused, leaving nothing behind.
import { base64url, decodeJwt, decodeProtectedHeader, importX509, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalSystem } from "../../local/system.js";
import { services } from "../../src/composition.js";
import {
  ACCESS_KEY_DISCLOSED_CLAIMS,
  ACCESS_KEY_TYPE,
  SHAREABLE_CREDENTIAL_TYPES,
  vctOf,
} from "../../src/domain/catalogue.js";
import { CREDENTIALS_SHARED_EVENT } from "../../src/domain/shareEvent.js";
import { bearer } from "../support/journeys.js";
import { newId, received } from "../support/shareEvents.js";
import {
  type HeldCredential,
  type HolderKey,
  issueLocally,
  type Knobs,
  newHolderKey,
  rogueIssuer,
  type ScannedRequest,
  SpecWallet,
  setLocalStatus,
  subjectOfKey,
  verifyChain,
} from "../support/specWallet.js";
import { call, type JsonResponse, startTestSystem } from "../support/system.js";
import { until } from "../support/until.js";

const TRUST = "RJ1";
const IDENTITY = "StaffPassportIdentity";
const DBS = "StaffPassportDbsCheck";
const REGISTRATION = "StaffPassportProfessionalRegistration";
const DAY_MS = 24 * 60 * 60 * 1000;
const DBS_CLAIMS = {
  certificateNumber: "001234567890",
  level: "enhanced",
  workforce: "adult",
  outcome: "clear",
  issuedOn: "2024-03-01",
  updateServiceSubscribed: true,
};

type Started = { loginId: string; pollToken: string; url: string };
type LoginView = { status: string; sessionToken?: string; error?: { code: string } };
type ShareView = { status: string; error?: { code: string }; credentials?: { type: string }[] };
type SharedCredential = {
  type: string;
  issuer: string;
  format?: string;
  presentation?: string;
  claims: Record<string, unknown>;
};

let system: LocalSystem;
let api = "";
let simulator = "";
let verifierRoot = "";

/** RFC 3339 from the real clock, so that validity dates hold whenever the suite runs. */
const fromNow = (ms: number) => new Date(Date.now() + ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** A member of staff's claims, fresh for each wallet, so that no test sees another's session or share. */
function staffClaims(trustId = TRUST) {
  const staffId = `${trustId}-${newId().slice(0, 8)}`;
  return { trustId, staffId, givenName: "Grace", familyName: "Hopper", jobTitle: "Staff nurse" };
}

type Holder = {
  key: HolderKey;
  staff: ReturnType<typeof staffClaims>;
  accessKey: HeldCredential;
  identity: HeldCredential;
  dbs: HeldCredential;
  wallet: SpecWallet;
};

/** A holder with an access key for RJ1, an identity and a DBS check from the local issuer, all on one key. */
async function newHolder(trustId = TRUST): Promise<Holder> {
  const key = await newHolderKey();
  const staff = staffClaims(trustId);
  const accessKey = await issueLocally(simulator, { type: ACCESS_KEY_TYPE, claims: staff, key });
  const identity = await issueLocally(simulator, {
    type: IDENTITY,
    key,
    claims: {
      givenName: staff.givenName,
      familyName: staff.familyName,
      dateOfBirth: "1980-12-09",
      verificationMethod: "in person",
      // Held by the wallet but not asked for: it must never reach the trust.
      photo: "data:image/png;base64,AAAA",
    },
  });
  const dbs = await issueLocally(simulator, {
    type: DBS,
    key,
    claims: DBS_CLAIMS,
  });
  const wallet = new SpecWallet(verifierRoot).hold(accessKey, identity, dbs);
  return { key, staff, accessKey, identity, dbs, wallet };
}

async function startLogin(trustId = TRUST): Promise<Started> {
  const response = await call<Started>(`${api}/logins`, { body: { trustId, protocol: "openid4vp" } });
  expect(response.status).toBe(201);
  return response.body;
}

async function loginView(login: Started): Promise<LoginView> {
  const response = await call<LoginView>(`${api}/logins/${login.loginId}`, {
    headers: { "x-poll-token": login.pollToken },
  });
  expect(response.status).toBe(200);
  return response.body;
}

/** Logs the holder in over OpenID4VP and answers the session token. */
async function logIn(holder: Holder): Promise<string> {
  const login = await startLogin();
  expect((await holder.wallet.present(login.url)).status).toBe(200);
  const view = await loginView(login);
  expect(view.status).toBe("verified");
  return view.sessionToken ?? "";
}

async function startShare(
  session: string,
  credentialTypes: string[],
): Promise<{ shareId: string; url: string }> {
  const response = await call<{ shareId: string; url: string }>(`${api}/shares`, {
    body: { credentialTypes, protocol: "openid4vp" },
    headers: bearer(session),
  });
  expect(response.status).toBe(201);
  return response.body;
}

async function shareView(session: string, shareId: string): Promise<ShareView> {
  const response = await call<ShareView>(`${api}/shares/${shareId}`, { headers: bearer(session) });
  expect(response.status).toBe(200);
  return response.body;
}

/** Share events stored for the share: one once it is shared, none while it is not. */
async function storedEventsFor(shareId: string): Promise<number> {
  const { resources } = await (await services().database())
    .container("shareEvents")
    .items.query({
      query: "SELECT c.id FROM c WHERE c.data.shareId = @shareId",
      parameters: [{ name: "@shareId", value: shareId }],
    })
    .fetchAll();
  return resources.length;
}

/** The refusal as the contract words it: 400 problem+json carrying the refusal's code. */
function expectRefused(answer: JsonResponse<unknown>, code: string): void {
  expect(answer.status).toBe(400);
  expect(answer.headers.get("content-type") ?? "").toMatch(/^application\/problem\+json/);
  expect(answer.body).toMatchObject({ status: 400, code });
}

/** A 400 that took nothing from the response (unknown, finished or undecryptable): response_invalid. */
function expectNotTaken(answer: JsonResponse<unknown>): void {
  expectRefused(answer, "response_invalid");
}

/** The claim name of an object property disclosure (RFC 9901 section 4.2.1: `[salt, name, value]`). */
const disclosedName = (disclosure: string) =>
  (JSON.parse(new TextDecoder().decode(base64url.decode(disclosure))) as unknown[])[1];

/** The SET the demo trust received for a share, verified by the demo trust against the service's JWKS. */
async function setFor(shareId: string): Promise<Record<string, unknown>> {
  const found = await until(
    async () => (await received(system)).find((event) => event.claims?.txn === shareId),
    { what: `the demo trust to receive the SET of share ${shareId}` },
  );
  expect(found.verified).toBe(true);
  return found.claims ?? {};
}

beforeAll(async () => {
  system = await startTestSystem();
  api = `${system.urls.host}/api`;
  simulator = system.urls.verifiedId;
  const root = await fetch(`${api}/openid4vp/root.pem`);
  expect(root.status).toBe(200);
  verifierRoot = await root.text();
});
afterAll(async () => {
  await system?.close();
});

describe("a standard wallet over OpenID4VP", () => {
  let alice: Holder;
  let session = "";

  beforeAll(async () => {
    alice = await newHolder();
    session = await logIn(alice);
  });

  it("logs in to RJ1 with a signed HAIP request asking only for the access key's login claims", async () => {
    const login = await startLogin();
    expect(login.url).toMatch(/^openid4vp:\/\/\?/);
    // The wallet refuses anything its reading of the specifications does not accept (signature, chain,
    // x509_hash client id, aud, typ), so getting past scan is the check of the request object itself.
    const request = await alice.wallet.scan(login.url);
    expect((await loginView(login)).status).toBe("scanned");
    expect(request.object.dcql_query).toEqual({
      credentials: [
        {
          id: ACCESS_KEY_TYPE,
          format: "dc+sd-jwt",
          meta: { vct_values: [vctOf(ACCESS_KEY_TYPE)] },
          claims: ACCESS_KEY_DISCLOSED_CLAIMS.map((claim) =>
            claim === "trustId" ? { path: [claim], values: [TRUST] } : { path: [claim] },
          ),
        },
      ],
    });
    expect(request.object.client_metadata.encrypted_response_enc_values_supported).toEqual(
      expect.arrayContaining(["A128GCM", "A256GCM"]),
    );

    const answer = await alice.wallet.post(await alice.wallet.prepare(request, { enc: "A256GCM" }));
    expect(answer).toMatchObject({ status: 200, body: {} });
    const view = await loginView(login);
    expect(view.status).toBe("verified");
    expect(decodeJwt(view.sessionToken ?? "")).toMatchObject({
      sub: await subjectOfKey(alice.key),
      trust: TRUST,
      staff: {
        staffId: alice.staff.staffId,
        givenName: alice.staff.givenName,
        familyName: alice.staff.familyName,
        jobTitle: alice.staff.jobTitle,
      },
    });
  });

  it("shares two types; the trust's SET carries each presentation without key binding, and the issuer's signature verifies with its x5c and the issuer root", async () => {
    const share = await startShare(session, [IDENTITY, DBS]);
    const request = await alice.wallet.scan(share.url);
    const disclosed = (type: string) =>
      SHAREABLE_CREDENTIAL_TYPES.find((entry) => entry.type === type)?.disclosedClaims.map((claim) => ({
        path: [claim],
      }));
    expect(request.object.dcql_query.credentials).toEqual([
      {
        id: ACCESS_KEY_TYPE,
        format: "dc+sd-jwt",
        meta: { vct_values: [vctOf(ACCESS_KEY_TYPE)] },
        claims: [{ path: ["trustId"], values: [TRUST] }],
      },
      {
        id: IDENTITY,
        format: "dc+sd-jwt",
        meta: { vct_values: [vctOf(IDENTITY)] },
        claims: disclosed(IDENTITY),
      },
      { id: DBS, format: "dc+sd-jwt", meta: { vct_values: [vctOf(DBS)] }, claims: disclosed(DBS) },
    ]);
    expect(await alice.wallet.post(await alice.wallet.prepare(request))).toMatchObject({
      status: 200,
      body: {},
    });
    expect(await shareView(session, share.shareId)).toMatchObject({
      status: "shared",
      credentials: [{ type: IDENTITY }, { type: DBS }],
    });

    const set = await setFor(share.shareId);
    const event = (set.events as Record<string, { credentials: SharedCredential[] }>)[
      CREDENTIALS_SHARED_EVENT
    ];
    const credentials = event?.credentials ?? [];
    expect(credentials.map((credential) => credential.type)).toEqual([IDENTITY, DBS]);
    const issuerRoots = system.settings.OPENID4VP_ISSUER_ROOTS ?? "";
    expect(issuerRoots).toContain("BEGIN CERTIFICATE");
    for (const credential of credentials) {
      expect(credential.format).toBe("dc+sd-jwt");
      const presentation = credential.presentation ?? "";
      // RFC 9901 section 4: without a KB-JWT the SD-JWT ends with "~"; nothing follows the last disclosure.
      expect(presentation.endsWith("~")).toBe(true);
      const [issuerJwt, ...disclosures] = presentation.slice(0, -1).split("~");
      for (const disclosure of disclosures) expect(disclosure.split(".")).toHaveLength(1);

      // The trust's own check: the x5c chain up to the issuer root it trusts, then the signature by the leaf.
      const header = decodeProtectedHeader(issuerJwt ?? "");
      expect(header.typ).toBe("dc+sd-jwt");
      const leaf = await verifyChain(header.x5c ?? [], issuerRoots);
      const { payload } = await jwtVerify(issuerJwt ?? "", await importX509(leaf.toString("pem"), "ES256"), {
        algorithms: ["ES256"],
        typ: "dc+sd-jwt",
      });
      expect(payload).toMatchObject({ vct: vctOf(credential.type), cnf: { jwk: alice.key.publicJwk } });
      // Only what the query asked for was disclosed: the identity's photo stayed in the wallet.
      expect(disclosures.map(disclosedName).sort()).toEqual(
        (disclosed(credential.type) ?? []).map(({ path }) => path[0]).sort(),
      );
    }
    expect(credentials[0]?.claims).toMatchObject({ givenName: "Grace", familyName: "Hopper" });
    expect(credentials[0]?.claims).not.toHaveProperty("photo");
    expect(credentials[1]?.claims).toMatchObject({ certificateNumber: "001234567890", level: "enhanced" });
  });
});

describe("refusals: each with its own code, and nothing changed", () => {
  let holder: Holder;
  let session = "";

  beforeAll(async () => {
    holder = await newHolder();
    session = await logIn(holder);
  });

  /**
   * A login the wallet answers with the knobs: refused with this code, the login failed with it and carrying no
   * session, its request object gone, and a well-formed response to the same request, prepared before, not taken.
   */
  async function refusedLogin(
    code: string,
    wallet: SpecWallet,
    knobs: (request: ScannedRequest) => Knobs = () => ({}),
    trusted: Holder = holder,
  ) {
    const login = await startLogin(trusted.staff.trustId);
    const request = await wallet.scan(login.url);
    const good = await trusted.wallet.prepare(request);
    expectRefused(await wallet.post(await wallet.prepare(request, knobs(request))), code);
    const view = await loginView(login);
    expect(view).toMatchObject({ status: "failed", error: { code } });
    expect(view.sessionToken).toBeUndefined();
    expectNotTaken(await trusted.wallet.post(good));
    expect(await loginView(login)).toMatchObject({ status: "failed", error: { code } });
    expect((await fetch(request.requestUri)).status).toBe(404);
  }

  /**
   * A share of these types the wallet answers with the knobs: refused with this code, the share failed with it,
   * no share event stored, and a well-formed response to the same request, prepared before, not taken.
   */
  async function refusedShare(code: string, types: string[], wallet: SpecWallet, knobs: Knobs = {}) {
    const share = await startShare(session, types);
    const request = await wallet.scan(share.url);
    const good = await holder.wallet.prepare(request);
    expectRefused(await wallet.post(await wallet.prepare(request, knobs)), code);
    expect(await shareView(session, share.shareId)).toMatchObject({ status: "failed", error: { code } });
    expectNotTaken(await holder.wallet.post(good));
    expect(await shareView(session, share.shareId)).toMatchObject({ status: "failed", error: { code } });
    expect(await storedEventsFor(share.shareId)).toBe(0);
  }

  it("refuses a disclosure that is not among the credential's digests with disclosure_invalid", async () => {
    await refusedLogin("disclosure_invalid", holder.wallet, () => ({ foreignDisclosure: true }));
  });

  it("refuses a key binding JWT with another nonce with nonce_mismatch", async () => {
    await refusedLogin("nonce_mismatch", holder.wallet, () => ({ nonce: newId() }));
  });

  it("refuses a replayed nonce, from an earlier request the same wallet answered, with nonce_mismatch", async () => {
    const earlier = await startLogin();
    const earlierRequest = await holder.wallet.scan(earlier.url);
    expect((await holder.wallet.post(await holder.wallet.prepare(earlierRequest))).status).toBe(200);

    await refusedLogin("nonce_mismatch", holder.wallet, () => ({ nonce: earlierRequest.object.nonce }));
    expect((await loginView(earlier)).status).toBe("verified");
  });

  it("refuses a key binding JWT for another audience with key_binding_invalid", async () => {
    await refusedLogin("key_binding_invalid", holder.wallet, () => ({ aud: "x509_hash:another-verifier" }));
  });

  it("refuses a key binding JWT signed by a key other than the credential's cnf with key_binding_invalid", async () => {
    const other = await newHolderKey();
    await refusedLogin("key_binding_invalid", holder.wallet, () => ({ kbKey: other.privateKey }));
  });

  it("refuses a presentation without a key binding JWT with key_binding_missing", async () => {
    await refusedLogin("key_binding_missing", holder.wallet, () => ({ withoutKeyBinding: true }));
  });

  it("refuses an access key from an issuer whose chain reaches none of the service's issuer roots with issuer_not_accepted", async () => {
    const rogue = await rogueIssuer(`https://${TRUST.toLowerCase()}.staffpassport.nhs.uk`);
    const key = await newHolderKey();
    const wallet = new SpecWallet(verifierRoot).hold(await rogue.issue(ACCESS_KEY_TYPE, staffClaims(), key));
    await refusedLogin("issuer_not_accepted", wallet);
  });

  it("refuses an expired access key with credential_expired", async () => {
    const key = await newHolderKey();
    const expired = await issueLocally(simulator, {
      type: ACCESS_KEY_TYPE,
      claims: staffClaims(),
      key,
      validFrom: fromNow(-30 * DAY_MS),
      validUntil: fromNow(-DAY_MS),
    });
    await refusedLogin("credential_expired", new SpecWallet(verifierRoot).hold(expired));
  });

  // The service caches a status list for its ttl, as Token Status List lets it: a revocation shows only in a list it
  // has not read yet. So the revoked credentials below come from issuers nothing else in this file presents: RTH's
  // access keys and the professional registration issuer.
  it("refuses an access key its issuer revoked with credential_revoked", async () => {
    const other = await newHolder("RTH");
    const revoked = await issueLocally(simulator, {
      type: ACCESS_KEY_TYPE,
      claims: other.staff,
      key: other.key,
    });
    await setLocalStatus(simulator, revoked, "revoked");
    await refusedLogin("credential_revoked", new SpecWallet(verifierRoot).hold(revoked), () => ({}), other);
  });

  it("refuses a revoked credential in a share with credential_revoked, and stores no share event", async () => {
    const registration = (registrationNumber: string) =>
      issueLocally(simulator, {
        type: REGISTRATION,
        key: holder.key,
        claims: {
          regulator: "NMC",
          registrationNumber,
          profession: "Registered nurse",
          // The catalogue's `status`, under its SD-JWT VC name (SD-JWT VC registers `status` for the status list).
          registrationStatus: "Registered",
          renewalDate: fromNow(200 * DAY_MS).slice(0, 10),
        },
      });
    const revoked = await registration("12A3456B");
    await setLocalStatus(simulator, revoked, "revoked");
    holder.wallet.hold(await registration("12A3456C"));
    await refusedShare("credential_revoked", [REGISTRATION], holder.wallet, {
      under: { [ACCESS_KEY_TYPE]: holder.accessKey, [REGISTRATION]: revoked },
    });
  });

  it("refuses a credential that does not disclose a claim the query asked for with claims_missing", async () => {
    const { outcome: _notIssued, ...withoutOutcomeClaims } = DBS_CLAIMS;
    const withoutOutcome = await issueLocally(simulator, {
      type: DBS,
      key: holder.key,
      claims: withoutOutcomeClaims,
    });
    await refusedShare("claims_missing", [DBS], holder.wallet, {
      under: { [ACCESS_KEY_TYPE]: holder.accessKey, [DBS]: withoutOutcome },
    });
  });

  it("refuses an access key presented under the identity query with credential_type_mismatch", async () => {
    await refusedShare("credential_type_mismatch", [IDENTITY], holder.wallet, {
      under: { [ACCESS_KEY_TYPE]: holder.accessKey, [IDENTITY]: holder.accessKey },
    });
  });

  it("refuses a share whose access key is another wallet's key with subject_mismatch", async () => {
    const other = await newHolder();
    await refusedShare("subject_mismatch", [IDENTITY], other.wallet);
  });

  it("takes nothing from a response for another request: both stay scanned, and each still takes its own", async () => {
    const first = await startLogin();
    const second = await startLogin();
    const firstResponse = await holder.wallet.prepare(await holder.wallet.scan(first.url));
    const secondRequest = await holder.wallet.scan(second.url);

    expectNotTaken(await holder.wallet.post(firstResponse, secondRequest.object.response_uri));
    expect(await loginView(first)).toMatchObject({ status: "scanned" });
    expect(await loginView(second)).toMatchObject({ status: "scanned" });

    expect((await holder.wallet.post(firstResponse)).status).toBe(200);
    expect((await loginView(first)).status).toBe("verified");
    expect((await loginView(second)).status).toBe("scanned");
  });

  it("takes a response sent twice once: the second is 400, the share stays shared with one share event", async () => {
    const share = await startShare(session, [DBS]);
    const prepared = await holder.wallet.prepare(await holder.wallet.scan(share.url));
    expect((await holder.wallet.post(prepared)).status).toBe(200);
    expect((await shareView(session, share.shareId)).status).toBe("shared");
    expect(await storedEventsFor(share.shareId)).toBe(1);

    expectNotTaken(await holder.wallet.post(prepared));
    expect((await shareView(session, share.shareId)).status).toBe("shared");
    expect(await storedEventsFor(share.shareId)).toBe(1);
  });

  it("takes a login response sent twice once: the second is 400 and the login stays verified", async () => {
    const login = await startLogin();
    const prepared = await holder.wallet.prepare(await holder.wallet.scan(login.url));
    expect((await holder.wallet.post(prepared)).status).toBe(200);
    expectNotTaken(await holder.wallet.post(prepared));
    const view = await loginView(login);
    expect(view.status).toBe("verified");
    expect(view.error).toBeUndefined();
  });
});
