// Session tokens an attacker could make, tried over HTTP against the running service: alg none, HS256 keyed with
// the service's public key, another ES256 key claiming the service's kid, and the service's own key with an
// expired or not-yet-valid lifetime. A control token re-signed with the service's key and a fresh lifetime is
// accepted, so each refusal is for the property the test names.
import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { decodeJwt, decodeProtectedHeader, type JWTPayload, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { signJwt } from "../../src/adapters/keys/signingKeys.js";
import { services } from "../../src/composition.js";
import { bearer } from "../support/journeys.js";
import { useTestSystem } from "../support/suiteSystem.js";
import { call } from "../support/system.js";

const { urls, session: genuine } = useTestSystem({ logIn: "RTH" });

const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
const header = () => decodeProtectedHeader(genuine());
const claims = (): JWTPayload => decodeJwt(genuine());
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** The genuine token's claims with a new lifetime, signed with the service's own current key. */
async function ownKeySigned(iat: number, exp: number): Promise<string> {
  const { typ } = header();
  if (typeof typ !== "string") throw new Error("the genuine token has no typ");
  return signJwt(await services().keys.current(), { typ }, { ...claims(), iat, exp });
}

/** Refused with 401 and a Bearer challenge where a session is needed: listing shares and starting one. */
async function expectRefused(token: string) {
  const list = await call(`${urls.api}/shares`, { headers: bearer(token) });
  const start = await call(`${urls.api}/shares`, {
    body: { credentialTypes: ["StaffPassportIdentity"] },
    headers: bearer(token),
  });
  for (const response of [list, start]) {
    expect(response.status).toBe(401);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(response.headers.get("www-authenticate")).toMatch(/^Bearer /);
  }
}

describe("forged session tokens", () => {
  it("accepts the control: the genuine claims re-signed with the service's key and a fresh lifetime", async () => {
    const token = await ownKeySigned(nowSeconds(), nowSeconds() + 600);
    expect((await call(`${urls.api}/shares`, { headers: bearer(token) })).status).toBe(200);
  });

  it("refuses alg none", async () => {
    await expectRefused(`${encode({ ...header(), alg: "none" })}.${encode(claims())}.`);
  });

  it("refuses HS256 keyed with the service's public key, as PEM and as JWK", async () => {
    const { keys } = (await call<{ keys: { kid: string }[] }>(`${urls.api}/.well-known/jwks.json`)).body;
    const jwk = keys.find((key) => key.kid === header().kid);
    expect(jwk).toBeDefined();
    const pem = createPublicKey({ key: jwk as never, format: "jwk" }).export({ type: "spki", format: "pem" });
    for (const secret of [String(pem), JSON.stringify(jwk)]) {
      const token = await new SignJWT(claims())
        .setProtectedHeader({ ...header(), alg: "HS256" })
        .sign(new TextEncoder().encode(secret));
      await expectRefused(token);
    }
  });

  it("refuses a token signed by another ES256 key that claims the service's kid", async () => {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const token = await new SignJWT(claims())
      .setProtectedHeader({ ...header(), alg: "ES256" })
      .sign(privateKey);
    await expectRefused(token);
  });

  it("refuses the service's own signature on an expired token", async () => {
    await expectRefused(await ownKeySigned(nowSeconds() - 1_800, nowSeconds() - 900));
  });

  it("refuses the service's own signature on a token that is not valid yet", async () => {
    await expectRefused(await ownKeySigned(nowSeconds() + 600, nowSeconds() + 1_200));
  });
});
