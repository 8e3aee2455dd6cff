// `npm run keys -- rotate`: its arguments, and that the key it writes is one the Key Vault adapter can read. It
// cannot reach Azure here, so the Key Vault call itself is not exercised.
import { describe, expect, it } from "vitest";
import { newSigningKeySecret, parseKeysCommand, UsageError } from "../../scripts/keys.js";
import { parseSigningJwkText } from "../../src/adapters/keys/signingKeys.js";

const vault = "https://kv-dev-abc.vault.azure.net/";

describe("npm run keys", () => {
  it("rotates the secret named by the environment in the vault named by the environment", () => {
    expect(
      parseKeysCommand(["rotate"], { KEY_VAULT_URL: vault, SIGNING_KEY_SECRET_NAME: "signing" }),
    ).toEqual({
      command: "rotate",
      vaultUrl: vault,
      secretName: "signing",
    });
  });

  it("uses the service's default secret name when none is set", () => {
    expect(parseKeysCommand(["rotate"], { KEY_VAULT_URL: vault }).secretName).toBe("session-signing-key");
  });

  it("lets --vault and --secret override the environment", () => {
    const other = "https://kv-other.vault.azure.net/";
    expect(
      parseKeysCommand(["rotate", "--secret", "next", "--vault", other], {
        KEY_VAULT_URL: vault,
        SIGNING_KEY_SECRET_NAME: "signing",
      }),
    ).toMatchObject({ vaultUrl: other, secretName: "next" });
  });

  it.each([
    [[], {}, "no command"],
    [["create"], { KEY_VAULT_URL: vault }, 'unknown command "create"'],
    [["rotate"], {}, "set KEY_VAULT_URL"],
    [["rotate", "--vault"], {}, "--vault needs a value"],
    [["rotate", "--force", "yes"], { KEY_VAULT_URL: vault }, 'unknown option "--force"'],
    [["rotate"], { KEY_VAULT_URL: "http://kv.vault.azure.net/" }, "https URL"],
    [["rotate", "--secret", "bad_name"], { KEY_VAULT_URL: vault }, "not a Key Vault secret name"],
  ])("refuses %j with %j, saying why", (argv, env, reason) => {
    expect(() => parseKeysCommand(argv, env)).toThrow(UsageError);
    expect(() => parseKeysCommand(argv, env)).toThrow(reason);
  });

  it("writes a P-256 private JWK that the Key Vault adapter reads, and a new one each time", async () => {
    const first = await newSigningKeySecret();
    const second = await newSigningKeySecret();
    expect(parseSigningJwkText(first.value, "the new version")).toMatchObject({ kty: "EC", crv: "P-256" });
    expect(first.kid).not.toBe(second.kid);
  });
});
