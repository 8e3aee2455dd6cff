// The simulator's wallets: QR code, scan and present with callbacks, refusal for a missing credential,
// revocation, expiry, presentation errors and a receipt whose signatures verify.
import { createLocalJWKSet, decodeJwt, importJWK, jwtVerify } from "jose";
import jsQRModule from "jsqr";
import { PNG } from "pngjs";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startVerifiedIdSimulator, type VerifiedIdSimulator } from "../../local/verifiedid/index.js";
import { publicJwkOfDidJwk } from "../../local/verifiedid/keys.js";
import {
  createVerifiedIdClient,
  type PresentationRequestCreated,
  type RequestedCredentialInput,
  StaticTokenCredential,
  type VerifiedIdPresentedCredential,
  verifiedIdCallbackSchema,
} from "../../src/adapters/verifiedId/index.js";
import { ESR_ISSUER, NHS_ENGLAND_ISSUER } from "../../src/domain/catalogue.js";
import { type CallbackReceiver, getJson, postJson, startCallbackReceiver } from "./support.js";

const AUTHORITY = "did:web:verifier.staffpassport.nhs.uk";
const ACCESS_KEY_RTH: RequestedCredentialInput = {
  type: "StaffPassportAccessKey",
  purpose: "Log in",
  acceptedIssuers: ["did:web:rth.staffpassport.nhs.uk"],
};
const IDENTITY: RequestedCredentialInput = {
  type: "StaffPassportIdentity",
  purpose: "Confirm who you are",
  acceptedIssuers: [NHS_ENGLAND_ISSUER],
};
const DBS: RequestedCredentialInput = {
  type: "StaffPassportDbsCheck",
  purpose: "DBS",
  acceptedIssuers: [ESR_ISSUER],
};
const OCCUPATIONAL_HEALTH: RequestedCredentialInput = {
  type: "StaffPassportOccupationalHealth",
  purpose: "Occupational health",
  acceptedIssuers: [ESR_ISSUER],
};

// jsqr is CommonJS typed as an ES module; under NodeNext its function is the default export's `default`.
const jsQR = jsQRModule.default;

let clock = new Date();
let simulator: VerifiedIdSimulator;
let receiver: CallbackReceiver;

beforeAll(async () => {
  simulator = await startVerifiedIdSimulator({ port: 0, now: () => clock });
});
afterAll(() => simulator.close());
beforeEach(async () => {
  clock = new Date();
  receiver = await startCallbackReceiver();
});
afterEach(() => receiver.close());

function request(
  requestedCredentials: RequestedCredentialInput[],
  extra: { includeReceipt?: boolean } = {},
): Promise<PresentationRequestCreated> {
  return createVerifiedIdClient({
    baseUrl: simulator.url,
    credential: new StaticTokenCredential(),
    authority: AUTHORITY,
    callbackUrl: receiver.url,
  }).createPresentationRequest({
    clientName: "Oxford University Hospitals NHS Foundation Trust",
    purpose: "Share your credentials",
    state: "state-share-1",
    requestedCredentials,
    ...extra,
  });
}

const scan = (walletId: string, url: string) =>
  postJson(`${simulator.url}/wallet/wallets/${walletId}/scan`, { url });
const present = (walletId: string, body: Record<string, unknown>) =>
  postJson(`${simulator.url}/wallet/wallets/${walletId}/present`, body);

type WalletView = {
  walletId: string;
  did: string;
  credentials: {
    id: string;
    type: string;
    issuer: string;
    revoked: boolean;
    claims: Record<string, unknown>;
  }[];
};
const wallet = async (walletId: string) =>
  (await getJson(`${simulator.url}/wallet/wallets/${walletId}`)).body as WalletView;

describe("QR code", () => {
  it("encodes the request's openid-vc link", async () => {
    const created = await request([IDENTITY]);
    const png = PNG.sync.read(
      Buffer.from((created.qrCode ?? "").replace(/^data:image\/png;base64,/, ""), "base64"),
    );
    const decoded = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
    expect(decoded?.data).toBe(created.url);
  });
});

describe("scan and present", () => {
  it("delivers request_retrieved on scan and presentation_verified on present, to the request's own callback URL with the api-key header", async () => {
    const created = await request([ACCESS_KEY_RTH, IDENTITY]);
    const scanned = await scan("demo", created.url);
    expect(scanned.body).toMatchObject({
      requestId: created.requestId,
      requested: ["StaffPassportAccessKey", "StaffPassportIdentity"],
      missing: [],
    });
    expect((await present("demo", { requestId: created.requestId })).status).toBe(200);

    expect(receiver.received.map((call) => call.body.requestStatus)).toEqual([
      "request_retrieved",
      "presentation_verified",
    ]);
    for (const call of receiver.received) {
      expect(call.headers["api-key"]).toBe(created.apiKey);
      expect(call.path).toBe("/api/verifiedid/callback/state-share-1");
    }
    expect(receiver.received[0]?.body).toEqual({
      requestId: created.requestId,
      requestStatus: "request_retrieved",
      state: "state-share-1",
    });

    const verified = verifiedIdCallbackSchema.parse(receiver.received[1]?.body);
    expect(verified).toMatchObject({ requestId: created.requestId, state: "state-share-1" });
    expect(verified.subject).toBe((await wallet("demo")).did);
    expect(verified.receipt).toBeUndefined();
    expect(verified.verifiedCredentialsData).toEqual([
      {
        issuer: "did:web:rth.staffpassport.nhs.uk",
        type: ["VerifiableCredential", "StaffPassportAccessKey"],
        claims: expect.objectContaining({ trustId: "RTH", staffId: expect.any(String) }),
        credentialState: { revocationStatus: "VALID" },
        domainValidation: { url: "https://rth.staffpassport.nhs.uk/" },
        issuanceDate: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        expirationDate: expect.stringMatching(/Z$/),
      },
      expect.objectContaining({
        issuer: NHS_ENGLAND_ISSUER,
        type: ["VerifiableCredential", "StaffPassportIdentity"],
        credentialState: { revocationStatus: "VALID" },
      }),
    ]);
  });

  it("answers 409 with the missing types and sends no presentation callback when the wallet lacks one", async () => {
    const created = await request([IDENTITY, OCCUPATIONAL_HEALTH]);
    expect((await scan("partial", created.url)).body).toMatchObject({
      missing: ["StaffPassportOccupationalHealth"],
    });
    const presented = await present("partial", { requestId: created.requestId });
    expect(presented.status).toBe(409);
    expect(presented.body).toEqual({ missing: ["StaffPassportOccupationalHealth"] });
    expect(receiver.received.map((call) => call.body.requestStatus)).toEqual(["request_retrieved"]);
  });

  it("offers only a credential from an accepted issuer", async () => {
    const created = await request([
      {
        type: "StaffPassportAccessKey",
        purpose: "Log in",
        acceptedIssuers: ["did:web:rth.staffpassport.nhs.uk"],
      },
    ]);
    // The partial wallet's only access key is RTH's; a request for another trust's key finds nothing.
    const other = await request([
      {
        type: "StaffPassportAccessKey",
        purpose: "Log in",
        acceptedIssuers: ["did:web:rj1.staffpassport.nhs.uk"],
      },
    ]);
    expect((await scan("partial", created.url)).body).toMatchObject({ missing: [] });
    expect((await scan("partial", other.url)).body).toMatchObject({ missing: ["StaffPassportAccessKey"] });
  });

  it("reports presentation_error when the wallet is told to fail", async () => {
    const created = await request([IDENTITY]);
    await scan("demo", created.url);
    const answered = await present("demo", {
      requestId: created.requestId,
      outcome: "error",
      error: { code: "userCanceled", message: "The user declined." },
    });
    expect(answered.status).toBe(200);
    expect(receiver.received[1]?.body).toEqual({
      requestId: created.requestId,
      requestStatus: "presentation_error",
      state: "state-share-1",
      error: { code: "userCanceled", message: "The user declined." },
    });
    expect((await present("demo", { requestId: created.requestId })).status).toBe(410);
  });
});

describe("choosing among several fitting credentials", () => {
  const ANY_ACCESS_KEY: RequestedCredentialInput = {
    type: "StaffPassportAccessKey",
    purpose: "Log in",
    acceptedIssuers: [
      "did:web:rj1.staffpassport.nhs.uk",
      "did:web:rth.staffpassport.nhs.uk",
      "did:web:r0a.staffpassport.nhs.uk",
      "did:web:rrk.staffpassport.nhs.uk",
      "did:web:rq8.staffpassport.nhs.uk",
    ],
  };
  const presentedClaims = () =>
    (receiver.received.at(-1)?.body as { verifiedCredentialsData?: { claims: unknown }[] } | undefined)
      ?.verifiedCredentialsData?.[0]?.claims;

  it("lists every held credential of a requested type on scan, saying which fit", async () => {
    const created = await request([ACCESS_KEY_RTH]);
    const { body } = await scan("demo", created.url);
    const keys = (await wallet("demo")).credentials.filter((c) => c.type === "StaffPassportAccessKey");
    expect(keys.length).toBeGreaterThan(1);
    expect((body as { offers: Record<string, unknown> }).offers).toEqual({
      StaffPassportAccessKey: keys.map((key) => ({
        id: key.id,
        issuer: key.issuer,
        fits: key.issuer === "did:web:rth.staffpassport.nhs.uk",
      })),
    });
    expect(new Set(keys.map((key) => key.id)).size).toBe(keys.length);
  });

  it("presents the first fitting credential without a choice, and the named one with choose", async () => {
    const keys = (await wallet("demo")).credentials.filter((c) => c.type === "StaffPassportAccessKey");
    const first = await request([ANY_ACCESS_KEY]);
    expect((await present("demo", { requestId: first.requestId })).status).toBe(200);
    expect(presentedClaims()).toEqual(keys[0]?.claims);

    const third = keys[2];
    const second = await request([ANY_ACCESS_KEY]);
    const answered = await present("demo", {
      requestId: second.requestId,
      choose: { StaffPassportAccessKey: third?.id },
    });
    expect(answered.status).toBe(200);
    expect(presentedClaims()).toEqual(third?.claims);
  });

  it("presents a chosen credential that does not fit, so that the verifier's own checks are what refuse it", async () => {
    const rj1 = (await wallet("demo")).credentials.find(
      (c) => c.type === "StaffPassportAccessKey" && c.claims.trustId === "RJ1",
    );
    const created = await request([ACCESS_KEY_RTH]);
    const answered = await present("demo", {
      requestId: created.requestId,
      choose: { StaffPassportAccessKey: rj1?.id },
    });
    expect(answered.status).toBe(200);
    expect(presentedClaims()).toMatchObject({ trustId: "RJ1" });
  });

  it("answers 400 and sends no callback for an id the wallet does not hold for that type", async () => {
    const identity = (await wallet("demo")).credentials.find((c) => c.type === "StaffPassportIdentity");
    const created = await request([ANY_ACCESS_KEY]);
    await scan("demo", created.url);
    const answered = await present("demo", {
      requestId: created.requestId,
      choose: { StaffPassportAccessKey: identity?.id },
    });
    expect(answered.status).toBe(400);
    expect(answered.body).toMatchObject({ error: "unknownCredential" });
    expect(receiver.received.map((call) => call.body.requestStatus)).toEqual(["request_retrieved"]);
  });

  it("lists the wallets it holds", async () => {
    const { body } = await getJson(`${simulator.url}/wallet/wallets`);
    expect((body as { wallets: string[] }).wallets).toEqual(
      expect.arrayContaining(["demo", "partial", "revoked"]),
    );
  });
});

describe("revocation", () => {
  it("reports a seeded revoked credential as REVOKED", async () => {
    const created = await request([DBS]);
    await present("revoked", { requestId: created.requestId });
    const verified = verifiedIdCallbackSchema.parse(receiver.received.at(-1)?.body);
    const [credential] = (verified.verifiedCredentialsData ?? []) as VerifiedIdPresentedCredential[];
    expect(credential?.credentialState.revocationStatus).toBe("REVOKED");
  });

  it("reports a credential revoked through the control endpoint as REVOKED", async () => {
    const copy = await postJson(`${simulator.url}/wallet/wallets`, {
      credentials: (await wallet("demo")).credentials,
    });
    expect(copy.status).toBe(201);
    const walletId = (copy.body as WalletView).walletId;
    const revoked = await postJson(`${simulator.url}/control/credentials/revoke`, {
      walletId,
      type: "StaffPassportIdentity",
    });
    expect(revoked.body).toEqual({ walletId, type: "StaffPassportIdentity", revoked: 1 });

    const created = await request([IDENTITY]);
    await present(walletId, { requestId: created.requestId });
    const verified = verifiedIdCallbackSchema.parse(receiver.received.at(-1)?.body);
    const [credential] = (verified.verifiedCredentialsData ?? []) as VerifiedIdPresentedCredential[];
    expect(credential?.credentialState.revocationStatus).toBe("REVOKED");
    expect((await wallet("demo")).credentials.every((credential) => !credential.revoked)).toBe(true);
  });
});

describe("expiry", () => {
  it("sets expiry five minutes after creation on the simulator's clock", async () => {
    clock = new Date("2030-01-01T12:00:00Z");
    const created = await request([IDENTITY]);
    expect(created.expiresAt.toISOString()).toBe("2030-01-01T12:05:00.000Z");
  });

  it("refuses to scan or present a request once it has expired, and sends no callback", async () => {
    const created = await request([IDENTITY]);
    clock = new Date(clock.getTime() + 5 * 60_000 + 1_000);
    const scanned = await scan("demo", created.url);
    expect(scanned.status).toBe(410);
    expect(scanned.body).toMatchObject({ error: "requestExpired" });
    expect((await present("demo", { requestId: created.requestId })).status).toBe(410);
    expect(receiver.received).toEqual([]);
  });

  it("expires a request on demand through the control endpoint", async () => {
    const created = await request([IDENTITY]);
    expect((await postJson(`${simulator.url}/control/requests/${created.requestId}/expire`, {})).status).toBe(
      204,
    );
    expect((await scan("demo", created.url)).status).toBe(410);
  });
});

describe("receipt", () => {
  it("carries a vp_token signed by the wallet's key, holding VCs signed by their issuers and bound to the wallet", async () => {
    const created = await request([ACCESS_KEY_RTH, DBS], { includeReceipt: true });
    await scan("demo", created.url);
    await present("demo", { requestId: created.requestId });
    const verified = verifiedIdCallbackSchema.parse(receiver.received.at(-1)?.body);
    const vpToken = verified.receipt?.vp_token;
    expect(typeof vpToken).toBe("string");

    const holder = (await wallet("demo")).did;
    expect(holder).toBe(verified.subject);
    const holderKey = await importJWK(publicJwkOfDidJwk(holder), "ES256");
    const { payload, protectedHeader } = await jwtVerify(String(vpToken), holderKey, {
      issuer: holder,
      audience: AUTHORITY,
      algorithms: ["ES256"],
    });
    expect(protectedHeader.kid).toBe(`${holder}#0`);

    const { issuers } = (await getJson(`${simulator.url}/control/issuers`)).body as {
      issuers: { did: string; kid: string; publicJwk: Record<string, string> }[];
    };
    const issuerKeys = createLocalJWKSet({
      keys: issuers.map(({ kid, publicJwk }) => ({ ...publicJwk, kid })),
    });
    const vcs = (payload.vp as { verifiableCredential: string[] }).verifiableCredential;
    expect(vcs).toHaveLength(2);
    for (const vc of vcs) {
      const { payload: credential } = await jwtVerify(vc, issuerKeys, {
        algorithms: ["ES256"],
        subject: holder,
      });
      expect(credential.iss).toMatch(/^did:web:/);
    }
    expect(decodeJwt(verified.receipt?.id_token ?? "")).toMatchObject({ sub: holder, aud: AUTHORITY });
  });
});
