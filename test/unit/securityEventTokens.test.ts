// Specification of the SET signer (API.md sections 3 and 8): the claims of a SET, the holder in the top-level
// sub_id, and, for a trust that registered a P-256 key with use enc, the signed SET encrypted to that key as a
// nested JWT that only the trust's private key opens.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type CryptoKey,
  calculateJwkThumbprint,
  compactDecrypt,
  createLocalJWKSet,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  type JWK,
  jwtVerify,
} from "jose";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SET_TYPE, securityEventTokenSigner } from "../../src/adapters/events/securityEventTokens.js";
import { localSigningKeys } from "../../src/adapters/keys/localSigningKeys.js";
import type { SetContent, SigningKeys } from "../../src/app/ports.js";
import { EncryptionKeyUnavailable } from "../../src/app/setEncryption.js";
import { CREDENTIAL_REQUEST_DECLINED_EVENT, CREDENTIALS_SHARED_EVENT } from "../../src/domain/shareEvent.js";

const ISSUER = "https://passport.example.nhs.uk/api";
const HOLDER = "did:jwk:holder";

let dir: string;
let keys: SigningKeys;
let now: Date;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "set-signer-"));
  keys = localSigningKeys(dir);
  now = new Date();
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const shared = (): SetContent => ({
  eventId: "evt-1",
  trustId: "RAA",
  type: CREDENTIALS_SHARED_EVENT,
  data: {
    shareId: "share-1",
    trustId: "RAA",
    subject: HOLDER,
    staff: { staffId: "S-1", givenName: "Ada", familyName: "Lovelace" },
    sharedAt: now.toISOString(),
    credentials: [
      {
        type: "StaffPassportDbsCheck",
        issuer: "did:web:dbs.example",
        revocationStatus: "VALID",
        claims: { certificateNumber: "001234567890" },
      },
    ],
  },
});

const declined = (withHolder = true): SetContent => ({
  eventId: "evt-2",
  trustId: "RAA",
  type: CREDENTIAL_REQUEST_DECLINED_EVENT,
  data: {
    requestId: "req-1",
    staffId: "S-1",
    ...(withHolder ? { subject: HOLDER } : {}),
    reason: "not now",
    declinedAt: now.toISOString(),
  },
});

/** A trust's P-256 encryption key pair, as its system would make one, with the public half as it registers it. */
async function encryptionKey(jwk: Partial<JWK> = { kid: "raa-enc-1" }) {
  const { privateKey, publicKey } = await generateKeyPair("ECDH-ES+A256KW", { crv: "P-256" });
  return {
    privateKey,
    jwk: { ...(await exportJWK(publicKey)), alg: "ECDH-ES+A256KW", use: "enc", ...jwk } as JWK,
  };
}

/** A trust's ES256 signing key as it registers it for its tokens. */
async function signingJwk(use?: "sig"): Promise<JWK> {
  const { publicKey } = await generateKeyPair("ES256");
  return { ...(await exportJWK(publicKey)), kid: "raa-sig-1", ...(use === undefined ? {} : { use }) };
}

/** The SET's claims and header, verified against the service's JWKS as a trust does. */
async function verifiedSet(token: string) {
  return jwtVerify(token, createLocalJWKSet(await keys.jwks()), {
    algorithms: ["ES256"],
    typ: SET_TYPE,
    issuer: ISSUER,
    audience: "RAA",
  });
}

async function decrypted(token: string, key: CryptoKey): Promise<string> {
  const { plaintext } = await compactDecrypt(token, key, {
    keyManagementAlgorithms: ["ECDH-ES+A256KW"],
    contentEncryptionAlgorithms: ["A256GCM"],
  });
  return new TextDecoder().decode(plaintext);
}

describe("the claims of a SET", () => {
  it("names the holder of a share in the top-level sub_id and still in the event's subject, with no sub and no exp", async () => {
    const { token } = await securityEventTokenSigner(keys, ISSUER)(shared(), now);
    const { payload, protectedHeader } = await verifiedSet(token);
    expect(protectedHeader).toEqual({ alg: "ES256", typ: SET_TYPE, kid: expect.any(String) });
    expect(payload).toEqual({
      iss: ISSUER,
      aud: "RAA",
      iat: Math.floor(now.getTime() / 1000),
      jti: "evt-1",
      txn: "share-1",
      sub_id: { format: "did", url: HOLDER },
      events: { [CREDENTIALS_SHARED_EVENT]: shared().data },
    });
  });

  it("names the holder of a declined request in sub_id only, never as a subject member of the event", async () => {
    const { token } = await securityEventTokenSigner(keys, ISSUER)(declined(), now);
    const { payload } = await verifiedSet(token);
    expect(payload.sub_id).toEqual({ format: "did", url: HOLDER });
    expect(payload.events).toEqual({
      [CREDENTIAL_REQUEST_DECLINED_EVENT]: {
        requestId: "req-1",
        staffId: "S-1",
        reason: "not now",
        declinedAt: now.toISOString(),
      },
    });
    expect(payload).not.toHaveProperty("sub");
    expect(payload).not.toHaveProperty("exp");
  });

  it("leaves sub_id out for a declined request whose payload was stored without the holder", async () => {
    const { token } = await securityEventTokenSigner(keys, ISSUER)(declined(false), now);
    const { payload } = await verifiedSet(token);
    expect(payload).not.toHaveProperty("sub_id");
    expect(payload.jti).toBe("evt-2");
  });
});

describe("a SET to a trust with an encryption key", () => {
  it("is a JWE (ECDH-ES+A256KW, A256GCM, cty JWT, typ secevent+jwt, the trust's kid) holding a SET signed by the service", async () => {
    const trust = await encryptionKey();
    const sign = securityEventTokenSigner(keys, ISSUER, async () => ({
      keys: [await signingJwk(), trust.jwk],
    }));
    const { token, kid } = await sign(shared(), now);
    expect(token.split(".")).toHaveLength(5);
    expect(decodeProtectedHeader(token)).toEqual({
      alg: "ECDH-ES+A256KW",
      enc: "A256GCM",
      cty: "JWT",
      typ: SET_TYPE,
      kid: "raa-enc-1",
      epk: expect.objectContaining({ kty: "EC", crv: "P-256" }),
    });
    const inner = await decrypted(token, trust.privateKey);
    const { payload, protectedHeader } = await verifiedSet(inner);
    expect(protectedHeader.kid).toBe(kid);
    expect(payload).toMatchObject({ jti: "evt-1", sub_id: { format: "did", url: HOLDER } });
  });

  it("does not decrypt with any other P-256 key", async () => {
    const trust = await encryptionKey();
    const other = await encryptionKey();
    const sign = securityEventTokenSigner(keys, ISSUER, async () => ({ keys: [trust.jwk] }));
    const { token } = await sign(shared(), now);
    await expect(decrypted(token, other.privateKey)).rejects.toThrow();
    await expect(decrypted(token, trust.privateKey)).resolves.toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it("names an encryption key registered without a kid by its RFC 7638 thumbprint", async () => {
    const { jwk: registered } = await encryptionKey({});
    expect(registered).not.toHaveProperty("kid");
    const sign = securityEventTokenSigner(keys, ISSUER, async () => ({ keys: [registered] }));
    const { token } = await sign(shared(), now);
    const { kty, crv, x, y } = registered;
    expect(decodeProtectedHeader(token).kid).toBe(await calculateJwkThumbprint({ kty, crv, x, y } as JWK));
  });

  it.each([
    ["use sig", () => signingJwk("sig")],
    ["no use", () => signingJwk()],
  ])("stays a signed JWS when the trust's only key has %s: such a key never encrypts", async (_what, key) => {
    const registered = await key();
    const sign = securityEventTokenSigner(keys, ISSUER, async () => ({ keys: [registered] }));
    const { token } = await sign(shared(), now);
    expect(token.split(".")).toHaveLength(3);
    expect((await verifiedSet(token)).payload.jti).toBe("evt-1");
  });

  it("stays a signed JWS for a trust that registered no keys", async () => {
    const sign = securityEventTokenSigner(keys, ISSUER, async () => undefined);
    const { token } = await sign(shared(), now);
    expect(token.split(".")).toHaveLength(3);
  });

  it("is not made at all, in the clear or otherwise, when the trust's keys cannot be read", async () => {
    const sign = securityEventTokenSigner(keys, ISSUER, async () => {
      throw new Error("the JWKS answered 503");
    });
    const refused = await sign(shared(), now).then(
      () => expect.fail("a SET was made without the trust's keys"),
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(EncryptionKeyUnavailable);
    expect(refused).toMatchObject({
      code: "dependency_unavailable",
      trustId: "RAA",
      kid: (await keys.current()).kid,
    });
  });
});
