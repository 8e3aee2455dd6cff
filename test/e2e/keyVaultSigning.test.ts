// The whole system with SIGNING_KEYS=key-vault, against the local Key Vault emulator through the real
// @azure/keyvault-keys SDK: the key `npm run keys -- rotate` makes signs a login's session token and a share event
// in the vault, and both verify with the service's own JWKS (the demo trust verifies every SET it accepts).
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type KeyVaultEmulator, startKeyVaultEmulator } from "../../local/keyvault/index.js";
import type { LocalSystem } from "../../local/system.js";
import { rotateSigningKey } from "../../scripts/keys.js";
import { SESSION_AUDIENCE } from "../../src/adapters/keys/sessionTokens.js";
import { StaticTokenCredential } from "../../src/adapters/verifiedId/index.js";
import { logIn } from "../support/journeys.js";
import { publish, shareEvent, storedEvent } from "../support/shareEvents.js";
import { call, startTestSystem } from "../support/system.js";
import { until } from "../support/until.js";

let vault: KeyVaultEmulator;
let system: LocalSystem;
let kid: string;

beforeAll(async () => {
  vault = await startKeyVaultEmulator();
  ({ kid } = await rotateSigningKey(
    { command: "rotate", vaultUrl: vault.url, keyName: "share-signing-key" },
    new StaticTokenCredential("test-token"),
  ));
  system = await startTestSystem({
    settings: { SIGNING_KEYS: "key-vault", KEY_VAULT_URL: vault.url, SIGNING_KEY_NAME: "share-signing-key" },
  });
});

afterAll(async () => {
  await system?.close();
  await vault?.close();
});

const jwks = async () =>
  (await call<{ keys: { kid: string }[] }>(`${system.urls.host}/api/.well-known/jwks.json`)).body;

describe("signing with a Key Vault key", () => {
  it("publishes the vault key's public half as the service's JWKS", async () => {
    expect((await jwks()).keys.map((key) => key.kid)).toEqual([kid]);
  });

  it("signs a login's session token in the vault, and it verifies with the service's JWKS", async () => {
    const signsBefore = vault.calls("sign");
    const session = await logIn(
      { api: `${system.urls.host}/api`, sim: system.urls.verifiedId },
      "demo",
      "RTH",
    );
    expect(vault.calls("sign")).toBeGreaterThan(signsBefore);
    expect(decodeProtectedHeader(session)).toMatchObject({ alg: "ES256", kid, typ: "session+jwt" });
    const { payload } = await jwtVerify(session, createLocalJWKSet(await jwks()), {
      audience: SESSION_AUDIENCE,
    });
    expect(payload.trust).toBe("RTH");
  });

  it("signs a share event in the vault, and the trust verifies and accepts it", async () => {
    const signsBefore = vault.calls("sign");
    const event = shareEvent("RTH");
    await publish(system, event);
    const doc = await until(async () => {
      const stored = await storedEvent(event);
      return stored?.delivery.status === "delivered" || stored?.delivery.status === "failed"
        ? stored
        : undefined;
    });
    expect(doc.delivery.status).toBe("delivered");
    expect(doc.delivery.attempts.map((attempt) => attempt.kid)).toEqual([kid]);
    expect(vault.calls("sign")).toBeGreaterThan(signsBefore);
  });
});
