// The simulator's issuance and revocation as Microsoft Entra Verified ID does them: createIssuanceRequest refuses a
// body Microsoft's service refuses, the wallet accepts an offer with its PIN while the issuer hears the documented
// callbacks, and the Admin API finds an issued credential by its indexed claim's hash and revokes it for good.
import { createHash } from "node:crypto";
import { getListFromStatusListJWT } from "@owf/token-status-list";
import { decodeJwt } from "jose";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startVerifiedIdSimulator, type VerifiedIdSimulator } from "../../local/verifiedid/index.js";
import { authorityIdOf } from "../../local/verifiedid/issuances.js";
import { createVerifiedIdClient, StaticTokenCredential } from "../../src/adapters/verifiedId/index.js";
import { BEARER, type CallbackReceiver, getJson, postJson, startCallbackReceiver } from "./support.js";

const AUTHORITY = "did:web:rj1.staffpassport.nhs.uk";
const CONTRACT_ID = "c3RhZmZwYXNzcG9ydGFjY2Vzc2tleQ";
const MANIFEST = `https://verifiedid.did.msidentity.com/v1.0/tenants/tenant-1/verifiableCredentials/contracts/${CONTRACT_ID}/manifest`;
const PIN = "482913";

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

/** A createIssuanceRequest body Microsoft's service accepts, to be spoiled one field at a time. */
function validBody(accessKeyId = `ak-${crypto.randomUUID()}`): Record<string, unknown> {
  return {
    authority: AUTHORITY,
    includeQRCode: true,
    registration: { clientName: "Guy's and St Thomas' NHS Foundation Trust" },
    callback: { url: receiver.url, state: "issue-state-1", headers: { "api-key": "issue-key-1" } },
    type: "StaffPassportAccessKey",
    manifest: MANIFEST,
    pin: { value: PIN, length: 6 },
    claims: {
      accessKeyId,
      trustId: "RJ1",
      staffId: "RJ1-5550001",
      givenName: "Ada",
      familyName: "Lovelace",
      jobTitle: "Staff Nurse",
    },
    expirationDate: new Date(clock.getTime() + 30 * 24 * 60 * 60 * 1000).toISOString(),
  };
}

const createIssuance = (body: unknown, headers: Record<string, string> = BEARER) =>
  postJson(`${simulator.url}/v1.0/verifiableCredentials/createIssuanceRequest`, body, headers);

async function offer(body = validBody()): Promise<{ requestId: string; url: string; expiry: number }> {
  const created = await createIssuance(body);
  expect(created.status).toBe(201);
  return created.body as { requestId: string; url: string; expiry: number };
}

async function newWallet(): Promise<string> {
  const created = await postJson(`${simulator.url}/wallet/wallets`, { credentials: [] });
  return (created.body as { walletId: string }).walletId;
}

const accept = (walletId: string, body: Record<string, unknown>) =>
  postJson(`${simulator.url}/wallet/wallets/${walletId}/accept`, body);

type WalletView = {
  did: string;
  credentials: {
    id: string;
    type: string;
    issuer: string;
    claims: Record<string, unknown>;
    expirationDate?: string;
    revoked: boolean;
    jwt: string;
  }[];
  sdJwtCredentials: { type: string; claims: Record<string, unknown>; revoked: boolean; credential: string }[];
};
const wallet = async (walletId: string) =>
  (await getJson(`${simulator.url}/wallet/wallets/${walletId}`)).body as WalletView;

/** Microsoft's formula for the Admin API's search, worked here apart from the simulator's own. */
const indexClaimHash = (contractId: string, claimValue: string) =>
  createHash("sha256").update(`${contractId}${claimValue}`, "utf8").digest("base64");

const statuses = () => receiver.received.map((call) => call.body.requestStatus);

function withoutPath(body: Record<string, unknown>, path: string[]): Record<string, unknown> {
  const copy = structuredClone(body);
  let parent: Record<string, unknown> = copy;
  for (const part of path.slice(0, -1)) parent = parent[part] as Record<string, unknown>;
  delete parent[path.at(-1) ?? ""];
  return copy;
}

function withPath(body: Record<string, unknown>, path: string[], value: unknown): Record<string, unknown> {
  const copy = structuredClone(body);
  let parent: Record<string, unknown> = copy;
  for (const part of path.slice(0, -1)) parent = parent[part] as Record<string, unknown>;
  parent[path.at(-1) ?? ""] = value;
  return copy;
}

describe("createIssuanceRequest", () => {
  const day = 24 * 60 * 60 * 1000;
  const refusals: [string, () => Record<string, unknown>, string][] = [
    ["a missing authority", () => withoutPath(validBody(), ["authority"]), "authority"],
    ["a missing type", () => withoutPath(validBody(), ["type"]), "type"],
    ["a missing manifest", () => withoutPath(validBody(), ["manifest"]), "manifest"],
    ["a missing callback", () => withoutPath(validBody(), ["callback"]), "callback"],
    ["a missing callback state", () => withoutPath(validBody(), ["callback", "state"]), "callback.state"],
    ["a missing registration", () => withoutPath(validBody(), ["registration"]), "registration"],
    [
      "a missing registration clientName",
      () => withoutPath(validBody(), ["registration", "clientName"]),
      "registration.clientName",
    ],
    [
      "a misnamed field (manifestUrl for manifest)",
      () => {
        const body = withoutPath(validBody(), ["manifest"]);
        return { ...body, manifestUrl: MANIFEST };
      },
      "manifest",
    ],
    [
      "a misnamed pin field (pinCode for value)",
      () => withPath(validBody(), ["pin"], { pinCode: PIN, length: 6 }),
      "pin.value",
    ],
    ["a manifest that is not a URL", () => withPath(validBody(), ["manifest"], "contract-1"), "manifest"],
    ["an authority that is not a DID", () => withPath(validBody(), ["authority"], "rj1"), "authority"],
    ["a PIN length of 3", () => withPath(validBody(), ["pin"], { value: "123", length: 3 }), "pin.length"],
    [
      "a PIN length of 17",
      () => withPath(validBody(), ["pin"], { value: "1".repeat(17), length: 17 }),
      "pin.length",
    ],
    [
      "a PIN value shorter than its length",
      () => withPath(validBody(), ["pin"], { value: "1234", length: 6 }),
      "pin.value",
    ],
    [
      "a PIN value of 4 digits without a length (the default is 6)",
      () => withPath(validBody(), ["pin"], { value: "1234" }),
      "pin.value",
    ],
    [
      "a PIN value that is not digits",
      () => withPath(validBody(), ["pin"], { value: "12ab56", length: 6 }),
      "pin.value",
    ],
    [
      "a callback header other than api-key or Authorization",
      () => withPath(validBody(), ["callback", "headers"], { "x-functions-key": "key" }),
      "callback.headers",
    ],
    [
      "an expirationDate in the past",
      () => withPath(validBody(), ["expirationDate"], new Date(clock.getTime() - day).toISOString()),
      "expirationDate",
    ],
    [
      "an expirationDate that is not a date",
      () => withPath(validBody(), ["expirationDate"], "next year"),
      "expirationDate",
    ],
    [
      "a hashed PIN without its alg",
      () =>
        withPath(validBody(), ["pin"], {
          value: createHash("sha256").update(`salt-1${PIN}`).digest("base64"),
          length: 6,
          salt: "salt-1",
          iterations: 1,
        }),
      "pin.alg",
    ],
    [
      "a claim that is not a string",
      () => withPath(validBody(), ["claims", "staffId"], 42),
      "claims.staffId",
    ],
    ["an unknown field", () => ({ ...validBody(), requestedCredentials: [] }), "requestedCredentials"],
    [
      "an unknown registration field",
      () => withPath(validBody(), ["registration", "purpose"], "Log in"),
      "registration.purpose",
    ],
  ];

  it.each(refusals)("refuses %s with Microsoft's error shape naming the field", async (_, body, target) => {
    const refused = await createIssuance(body());
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({
      requestId: expect.any(String),
      date: expect.any(String),
      mscv: expect.any(String),
      error: { code: "badRequest", innererror: { code: "badOrMissingField", target } },
    });
    expect(refused.body).not.toHaveProperty("url");
  });

  it("refuses a request without a bearer token with 401 tokenError", async () => {
    const refused = await createIssuance(validBody(), {});
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ error: { innererror: { code: "tokenError" } } });
  });

  it("answers 201 with an openid-vc link to the wallet's issuance request, a QR code and an expiry five minutes ahead", async () => {
    const created = await createIssuance(validBody());
    expect(created.status).toBe(201);
    const body = created.body as { requestId: string; url: string; expiry: number; qrCode: string };
    expect(body.url).toBe(`openid-vc://?request_uri=${simulator.url}/wallet/issuance/${body.requestId}`);
    expect(body.expiry).toBe(Math.floor(clock.getTime() / 1000) + 5 * 60);
    expect(body.qrCode).toMatch(/^data:image\/png;base64,/);
  });

  it("takes a 6-digit PIN without a length, the documented default", async () => {
    const created = await createIssuance(withPath(validBody(), ["pin"], { value: PIN }));
    expect(created.status).toBe(201);
  });
});

describe("accepting an offer", () => {
  it("sends request_retrieved then issuance_successful with the request's api-key header, and puts the credential with its claims into the wallet in both formats", async () => {
    const body = validBody();
    const created = await offer(body);
    const walletId = await newWallet();

    const accepted = await accept(walletId, { url: created.url, pin: PIN });

    expect(accepted.status).toBe(200);
    const { credentialId } = accepted.body as { credentialId: string };
    expect(accepted.body).toMatchObject({ type: "StaffPassportAccessKey", credentialId: expect.any(String) });
    expect(receiver.received.map((call) => call.body)).toEqual([
      { requestId: created.requestId, requestStatus: "request_retrieved", state: "issue-state-1" },
      { requestId: created.requestId, requestStatus: "issuance_successful", state: "issue-state-1" },
    ]);
    for (const call of receiver.received) {
      expect(call.path).toBe("/api/verifiedid/callback");
      expect(call.headers["api-key"]).toBe("issue-key-1");
    }

    const held = await wallet(walletId);
    const credential = held.credentials.find((candidate) => candidate.id === credentialId);
    expect(credential).toMatchObject({
      type: "StaffPassportAccessKey",
      issuer: AUTHORITY,
      claims: body.claims,
      expirationDate: (body.expirationDate as string).replace(/\.\d{3}Z$/, "Z"),
      revoked: false,
    });
    expect(decodeJwt(credential?.jwt ?? "")).toMatchObject({ iss: AUTHORITY, sub: held.did });
    expect(held.sdJwtCredentials).toEqual([
      expect.objectContaining({ type: "StaffPassportAccessKey", claims: body.claims, revoked: false }),
    ]);
  });

  it("shows the opened offer with its PIN's length but never the PIN, sending request_retrieved once", async () => {
    const created = await offer();
    const walletId = await newWallet();

    const opened = await getJson(`${simulator.url}/wallet/issuance/${created.requestId}`);

    expect(opened.body).toEqual({
      requestId: created.requestId,
      authority: AUTHORITY,
      clientName: "Guy's and St Thomas' NHS Foundation Trust",
      type: "StaffPassportAccessKey",
      manifest: MANIFEST,
      expiry: created.expiry,
      pin: { length: 6 },
    });
    expect(statuses()).toEqual(["request_retrieved"]);
    expect((await accept(walletId, { url: created.url, pin: PIN })).status).toBe(200);
    expect(statuses()).toEqual(["request_retrieved", "issuance_successful"]);
  });

  it("refuses a wrong PIN to the wallet with pinInvalid, keeps the offer open, and issues with the right PIN next", async () => {
    const created = await offer();
    const walletId = await newWallet();

    const wrong = await accept(walletId, { url: created.url, pin: "000000" });

    expect(wrong.status).toBe(400);
    expect(wrong.body).toMatchObject({ error: "pinInvalid", attemptsLeft: 4 });
    expect(statuses()).toEqual(["request_retrieved"]);
    expect((await wallet(walletId)).credentials).toEqual([]);

    const right = await accept(walletId, { url: created.url, pin: PIN });
    expect(right.status).toBe(200);
    expect(statuses()).toEqual(["request_retrieved", "issuance_successful"]);
  });

  it("checks a hashed PIN as Microsoft documents it, Base64(SHA-256(salt + PIN))", async () => {
    const salt = "e5b0c6a1";
    const created = await offer({
      ...validBody(),
      pin: {
        value: createHash("sha256").update(`${salt}${PIN}`, "utf8").digest("base64"),
        length: 6,
        salt,
        alg: "sha256",
        iterations: 1,
      },
    });
    const walletId = await newWallet();

    expect((await accept(walletId, { url: created.url, pin: "000000" })).body).toMatchObject({
      error: "pinInvalid",
    });
    expect((await accept(walletId, { url: created.url, pin: PIN })).status).toBe(200);
    expect(statuses()).toEqual(["request_retrieved", "issuance_successful"]);
  });

  it("ends the offer with issuance_error after five wrong PINs, and refuses the right PIN afterwards", async () => {
    const created = await offer();
    const walletId = await newWallet();
    for (let attempt = 0; attempt < 5; attempt++) {
      expect((await accept(walletId, { url: created.url, pin: "111111" })).status).toBe(400);
    }

    expect(statuses()).toEqual(["request_retrieved", "issuance_error"]);
    expect(receiver.received[1]?.body).toMatchObject({
      requestId: created.requestId,
      state: "issue-state-1",
      error: { code: "issuance_service_error", message: expect.any(String) },
    });
    const late = await accept(walletId, { url: created.url, pin: PIN });
    expect(late.status).toBe(410);
    expect(late.body).toMatchObject({ error: "requestCompleted" });
    expect((await wallet(walletId)).credentials).toEqual([]);
  });

  it("answers 410 and sends no callback for an offer that has expired", async () => {
    const created = await offer();
    const walletId = await newWallet();
    clock = new Date(clock.getTime() + 5 * 60 * 1000);

    const late = await accept(walletId, { url: created.url, pin: PIN });

    expect(late.status).toBe(410);
    expect(late.body).toMatchObject({ error: "requestExpired" });
    expect(receiver.received).toEqual([]);
    expect((await wallet(walletId)).credentials).toEqual([]);
  });

  it("answers 410 for an offer already accepted, issuing nothing more and sending no callback", async () => {
    const created = await offer();
    const walletId = await newWallet();
    expect((await accept(walletId, { url: created.url, pin: PIN })).status).toBe(200);

    const again = await accept(walletId, { url: created.url, pin: PIN });

    expect(again.status).toBe(410);
    expect(again.body).toMatchObject({ error: "requestCompleted" });
    expect(statuses()).toEqual(["request_retrieved", "issuance_successful"]);
    expect((await wallet(walletId)).credentials).toHaveLength(1);
  });

  it("sends issuance_error with Microsoft's code when the wallet is told the issuance fails", async () => {
    const created = await offer();
    const walletId = await newWallet();

    const failed = await accept(walletId, { url: created.url, pin: PIN, outcome: "error" });

    expect(failed.body).toMatchObject({ requestStatus: "issuance_error" });
    expect(statuses()).toEqual(["request_retrieved", "issuance_error"]);
    expect(receiver.received[1]?.body).toMatchObject({ error: { code: "issuance_service_error" } });
    expect((await wallet(walletId)).credentials).toEqual([]);
  });
});

describe("Admin API revocation", () => {
  const admin = (path: string, init: RequestInit = {}) =>
    fetch(`${simulator.url}/v1.0/verifiableCredentials/authorities${path}`, {
      ...init,
      headers: { ...BEARER, ...init.headers },
    });
  const authorityId = authorityIdOf(AUTHORITY);
  const search = async (hash: string, contractId = CONTRACT_ID) => {
    const response = await admin(
      `/${authorityId}/contracts/${contractId}/credentials?filter=${encodeURIComponent(`indexclaimhash eq ${hash}`)}`,
    );
    return { status: response.status, body: (await response.json()) as { value: Record<string, unknown>[] } };
  };

  async function issued(accessKeyId: string): Promise<{ walletId: string; credentialId: string }> {
    const created = await offer(validBody(accessKeyId));
    const walletId = await newWallet();
    const accepted = await accept(walletId, { url: created.url, pin: PIN });
    return { walletId, credentialId: (accepted.body as { credentialId: string }).credentialId };
  }

  it("finds the credential by the hash of its accessKeyId and revokes it, after which a presentation reports it REVOKED and its SD-JWT VC twin is revoked in its status list", async () => {
    const accessKeyId = `ak-${crypto.randomUUID()}`;
    const { walletId, credentialId } = await issued(accessKeyId);
    await issued(`ak-${crypto.randomUUID()}`);

    const found = await search(indexClaimHash(CONTRACT_ID, accessKeyId));
    expect(found.status).toBe(200);
    expect(found.body.value).toEqual([
      {
        id: expect.stringMatching(/^urn:pic:[0-9a-f]{32}$/),
        contractId: CONTRACT_ID,
        status: "valid",
        issuedAt: clock.getTime(),
      },
    ]);
    const id = String(found.body.value[0]?.id);

    const revoked = await admin(`/${authorityId}/contracts/${CONTRACT_ID}/credentials/${id}/revoke`, {
      method: "POST",
    });
    expect(revoked.status).toBe(204);
    expect((await search(indexClaimHash(CONTRACT_ID, accessKeyId))).body.value).toEqual([
      expect.objectContaining({ id, status: "issuerRevoked" }),
    ]);

    const presentation = await createVerifiedIdClient({
      baseUrl: simulator.url,
      credential: new StaticTokenCredential(),
      authority: "did:web:verifier.staffpassport.nhs.uk",
      callbackUrl: receiver.url,
    }).createPresentationRequest({
      clientName: "Guy's and St Thomas' NHS Foundation Trust",
      purpose: "Log in",
      state: "login-state-1",
      requestedCredentials: [
        {
          type: "StaffPassportAccessKey",
          purpose: "Log in",
          acceptedIssuers: [AUTHORITY],
        },
      ],
    });
    const presented = await postJson(`${simulator.url}/wallet/wallets/${walletId}/present`, {
      requestId: presentation.requestId,
      choose: { StaffPassportAccessKey: credentialId },
    });
    expect(presented.status).toBe(200);
    const verified = receiver.received.find((call) => call.body.requestStatus === "presentation_verified");
    expect(verified?.body).toMatchObject({
      verifiedCredentialsData: [
        { claims: { accessKeyId }, credentialState: { revocationStatus: "REVOKED" } },
      ],
    });

    const twin = (await wallet(walletId)).sdJwtCredentials[0];
    expect(twin?.revoked).toBe(true);
    const { status } = decodeJwt(twin?.credential.split("~")[0] ?? "") as {
      status: { status_list: { idx: number; uri: string } };
    };
    const token = await (await fetch(status.status_list.uri)).text();
    expect(getListFromStatusListJWT(token).getStatus(status.status_list.idx)).toBe(1);
  });

  it("revokes irreversibly: a second revoke answers 204 and the credential stays revoked", async () => {
    const accessKeyId = `ak-${crypto.randomUUID()}`;
    const { walletId } = await issued(accessKeyId);
    const id = String((await search(indexClaimHash(CONTRACT_ID, accessKeyId))).body.value[0]?.id);
    const revoke = () =>
      admin(`/${authorityId}/contracts/${CONTRACT_ID}/credentials/${id}/revoke`, { method: "POST" });

    expect((await revoke()).status).toBe(204);
    expect((await revoke()).status).toBe(204);

    expect((await wallet(walletId)).credentials.map((credential) => credential.revoked)).toEqual([true]);
    expect((await search(indexClaimHash(CONTRACT_ID, accessKeyId))).body.value).toEqual([
      expect.objectContaining({ status: "issuerRevoked" }),
    ]);
  });

  it("finds nothing for another claim value's hash or under another contract, and revokes nothing it did not issue", async () => {
    const accessKeyId = `ak-${crypto.randomUUID()}`;
    const { walletId } = await issued(accessKeyId);

    expect((await search(indexClaimHash(CONTRACT_ID, `${accessKeyId}-other`))).body.value).toEqual([]);
    expect((await search(indexClaimHash("another-contract", accessKeyId))).body.value).toEqual([]);
    expect((await search(indexClaimHash(CONTRACT_ID, accessKeyId), "another-contract")).body.value).toEqual(
      [],
    );
    const unknown = await admin(
      `/${authorityId}/contracts/${CONTRACT_ID}/credentials/urn:pic:${"0".repeat(32)}/revoke`,
      { method: "POST" },
    );
    expect(unknown.status).toBe(404);
    expect((await wallet(walletId)).credentials.map((credential) => credential.revoked)).toEqual([false]);
  });

  it("lists the authority by the id the simulator derives from its DID, and refuses a search without the filter or a token", async () => {
    await issued(`ak-${crypto.randomUUID()}`);

    const authorities = (await (await admin("")).json()) as {
      value: { id: string; didModel: { did: string } }[];
    };
    expect(authorities.value).toContainEqual(
      expect.objectContaining({ id: authorityId, didModel: { did: AUTHORITY } }),
    );
    const unfiltered = await admin(`/${authorityId}/contracts/${CONTRACT_ID}/credentials`);
    expect(unfiltered.status).toBe(400);
    expect(await unfiltered.json()).toMatchObject({ error: { innererror: { target: "filter" } } });
    const anonymous = await fetch(
      `${simulator.url}/v1.0/verifiableCredentials/authorities/${authorityId}/contracts/${CONTRACT_ID}/credentials?filter=x`,
    );
    expect(anonymous.status).toBe(401);
  });
});
