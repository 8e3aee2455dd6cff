// `npm run keys -- rotate`: its arguments, and, run as the operator runs it against the project's Key Vault emulator
// (local/keyvault) through the real @azure/keyvault-keys SDK, the version it creates: EC P-256, not exportable, for
// signing and verifying, and the key the service then signs with.
import { once } from "node:events";
import { KeyClient } from "@azure/keyvault-keys";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type KeyVaultEmulator, startKeyVaultEmulator } from "../../local/keyvault/index.js";
import { parseKeysCommand, UsageError } from "../../scripts/keys.js";
import { keyVaultClientOptions, keyVaultSigningKeys } from "../../src/adapters/keys/keyVaultSigningKeys.js";
import { StaticTokenCredential } from "../../src/adapters/verifiedId/index.js";
import { spawnForTest } from "../support/processes.js";

const vault = "https://kv-dev-abc.vault.azure.net/";

describe("npm run keys", () => {
  it("rotates the key named by the environment in the vault named by the environment", () => {
    expect(parseKeysCommand(["rotate"], { KEY_VAULT_URL: vault, SIGNING_KEY_NAME: "signing" })).toEqual({
      command: "rotate",
      vaultUrl: vault,
      keyName: "signing",
    });
  });

  it("uses the service's default key name when none is set", () => {
    expect(parseKeysCommand(["rotate"], { KEY_VAULT_URL: vault }).keyName).toBe("share-signing-key");
  });

  it("lets --vault and --key override the environment", () => {
    const other = "https://kv-other.vault.azure.net/";
    expect(
      parseKeysCommand(["rotate", "--key", "next", "--vault", other], {
        KEY_VAULT_URL: vault,
        SIGNING_KEY_NAME: "signing",
      }),
    ).toMatchObject({ vaultUrl: other, keyName: "next" });
  });

  it.each([
    [[], {}, "no command"],
    [["create"], { KEY_VAULT_URL: vault }, 'unknown command "create"'],
    [["rotate"], {}, "set KEY_VAULT_URL"],
    [["rotate", "--vault"], {}, "--vault needs a value"],
    [["rotate", "--force", "yes"], { KEY_VAULT_URL: vault }, 'unknown option "--force"'],
    [["rotate", "--secret", "old"], { KEY_VAULT_URL: vault }, 'unknown option "--secret"'],
    [["rotate"], { KEY_VAULT_URL: "http://kv.vault.azure.net/" }, "https URL"],
    [["rotate", "--key", "bad_name"], { KEY_VAULT_URL: vault }, "not a Key Vault key name"],
  ])("refuses %j with %j, saying why", (argv, env, reason) => {
    expect(() => parseKeysCommand(argv, env)).toThrow(UsageError);
    expect(() => parseKeysCommand(argv, env)).toThrow(reason);
  });

  describe("against the local Key Vault emulator", () => {
    let emulator: KeyVaultEmulator;
    const credential = new StaticTokenCredential("test-token");

    beforeEach(async () => {
      emulator = await startKeyVaultEmulator();
    });

    afterEach(async () => {
      await emulator?.close();
    });

    /** Runs `npm run keys -- rotate` as an operator would, with the vault and key in the environment. */
    async function runRotate(keyName: string): Promise<string> {
      const child = spawnForTest("npm", ["run", "--silent", "keys", "--", "rotate"], {
        env: { ...process.env, KEY_VAULT_URL: emulator.url, SIGNING_KEY_NAME: keyName },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      child.stdout?.on("data", (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.stderr?.on("data", (chunk: Buffer) => {
        output += chunk.toString();
      });
      const [code] = (await once(child, "exit")) as [number | null];
      if (code !== 0) throw new Error(`npm run keys exited ${code}: ${output}`);
      return output;
    }

    // Two runs of npm and tsx: slow on a loaded machine, hence the longer timeout.
    it("creates a new, non-exportable EC P-256 version each time, which the service signs with", async () => {
      const first = await runRotate("share-signing-key");
      const second = await runRotate("share-signing-key");
      const admin = new KeyClient(emulator.url, credential, keyVaultClientOptions(emulator.url));
      const versions: string[] = [];
      for await (const properties of admin.listPropertiesOfKeyVersions("share-signing-key")) {
        versions.push(properties.version ?? "");
      }
      expect(versions).toHaveLength(2);
      for (const version of versions) {
        const key = await admin.getKey("share-signing-key", { version });
        expect(key.key).toMatchObject({ kty: "EC", crv: "P-256" });
        expect(key.key?.d).toBeUndefined();
        expect(key.properties.exportable).toBe(false);
        expect([...(key.keyOperations ?? [])].sort()).toEqual(["sign", "verify"]);
      }
      // Each run names the version it made and the kid the service publishes it under.
      const kids = [first, second].map((output) => /\(kid ([\w-]{43})\)/.exec(output)?.[1]);
      const keys = keyVaultSigningKeys({ vaultUrl: emulator.url, keyName: "share-signing-key", credential });
      const published = (await keys.jwks()).keys.map((key) => key.kid);
      expect(published).toEqual([kids[1], kids[0]]);
      expect((await keys.current()).kid).toBe(kids[1]);
      expect(
        [first, second].map((output) => /created version (\w+) of key share-signing-key/.exec(output)?.[1]),
      ).toEqual(versions);
    }, 60_000);
  });
});
