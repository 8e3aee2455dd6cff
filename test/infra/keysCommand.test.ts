// `npm run keys`: its arguments, and, run as the operator runs it against the project's Key Vault emulator
// (local/keyvault) through the real @azure/keyvault-keys SDK, what it does there: `rotate` creates a version (EC
// P-256, not exportable, for signing and verifying) that the service then signs with; `csr` prints a certificate
// request for the OpenID4VP request key, signed in the vault, for that key and the subject and DNS names given.
// Before @peculiar/x509 loads: it needs Reflect metadata functions at import time.
import "../../local/openid4vp/reflectMetadata.js";
import { createPublicKey } from "node:crypto";
import { KeyClient, type KeyVaultKey } from "@azure/keyvault-keys";
import { Pkcs10CertificateRequest, SubjectAlternativeNameExtension } from "@peculiar/x509";
import { base64url } from "jose";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type KeyVaultEmulator, startKeyVaultEmulator } from "../../local/keyvault/index.js";
import { parseKeysCommand, requestKeyCertificateRequest, UsageError } from "../../scripts/keys.js";
import { keyVaultClientOptions, keyVaultSigningKeys } from "../../src/adapters/keys/keyVaultSigningKeys.js";
import { StaticTokenCredential } from "../../src/adapters/verifiedId/index.js";
import { npmRun } from "../support/npmRun.js";
import { until } from "../support/until.js";

const vault = "https://kv-dev-abc.vault.azure.net/";
const SUBJECT_ALT_NAME = "2.5.29.17";

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

  it("asks for a certificate for the OpenID4VP request key named by the environment, with the subject and DNS names given", () => {
    const argv = [
      "csr",
      "--subject",
      "CN=Verifier",
      "--dns",
      "a.example.nhs.uk",
      "--dns",
      "b.example.nhs.uk",
    ];
    expect(parseKeysCommand(argv, { KEY_VAULT_URL: vault, OPENID4VP_KEY_NAME: "verifier-key" })).toEqual({
      command: "csr",
      vaultUrl: vault,
      keyName: "verifier-key",
      subject: "CN=Verifier",
      dnsNames: ["a.example.nhs.uk", "b.example.nhs.uk"],
    });
    // Never the signing key by default, even with SIGNING_KEY_NAME set, as azd's environment has it.
    expect(
      parseKeysCommand(["csr", "--subject", "CN=Verifier"], {
        KEY_VAULT_URL: vault,
        SIGNING_KEY_NAME: "signing",
      }),
    ).toMatchObject({ keyName: "openid4vp-request-key", dnsNames: [] });
    expect(
      parseKeysCommand(["csr", "--subject", "CN=Verifier", "--key", "other-key"], { KEY_VAULT_URL: vault }),
    ).toMatchObject({ keyName: "other-key" });
  });

  it.each([
    [[], {}, "no command"],
    [["csr"], { KEY_VAULT_URL: vault }, "no subject"],
    [["csr", "--subject", "not a name"], { KEY_VAULT_URL: vault }, "it names nothing"],
    [["csr", "--subject", "O=NHS England"], { KEY_VAULT_URL: vault }, "it has no CN"],
    [["csr", "--subject", "CN=Verifier", "--dns", "bad_name"], { KEY_VAULT_URL: vault }, "not a DNS name"],
    [["csr", "--subject", "CN=Verifier", "--dns"], { KEY_VAULT_URL: vault }, "--dns needs a value"],
    [["csr", "--subject", "CN=Verifier"], {}, "set KEY_VAULT_URL"],
    [
      ["csr", "--subject", "CN=Verifier", "--key", "share-signing-key"],
      { KEY_VAULT_URL: vault },
      "is the signing key",
    ],
    [["rotate", "--subject", "CN=Verifier"], { KEY_VAULT_URL: vault }, 'unknown option "--subject"'],
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

    /** Runs `npm run keys -- <args>` as an operator would, with the vault in the environment. */
    async function runKeys(
      args: readonly string[],
      env: Record<string, string>,
    ): Promise<{ stdout: string; stderr: string }> {
      const { code, stdout, stderr } = await npmRun("keys", args, {
        env: { KEY_VAULT_URL: emulator.url, ...env },
      });
      if (code !== 0) throw new Error(`npm run keys exited ${code}: ${stdout}${stderr}`);
      return { stdout, stderr };
    }

    /** Runs `npm run keys -- rotate` with the key in the environment; answers all it printed. */
    async function runRotate(keyName: string): Promise<string> {
      const { stdout, stderr } = await runKeys(["rotate"], { SIGNING_KEY_NAME: keyName });
      return stdout + stderr;
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
    /** The request key as the template creates it: EC P-256, sign and verify, not exportable. */
    async function createRequestKey(name: string, curve: "P-256" | "P-384" = "P-256") {
      const admin = new KeyClient(emulator.url, credential, keyVaultClientOptions(emulator.url));
      return admin.createEcKey(name, { curve, exportable: false, keyOps: ["sign", "verify"] });
    }

    /** The DER SubjectPublicKeyInfo of a vault EC P-256 key, as a certificate request carries its public key. */
    function spkiOf(vaultKey: KeyVaultKey): Buffer {
      return createPublicKey({
        key: {
          kty: "EC",
          crv: "P-256",
          x: base64url.encode(vaultKey.key?.x ?? new Uint8Array()),
          y: base64url.encode(vaultKey.key?.y ?? new Uint8Array()),
        },
        format: "jwk",
      }).export({ format: "der", type: "spki" });
    }

    // One run of npm and tsx: slow on a loaded machine, hence the longer timeout.
    it("prints a certificate request for the request key, signed in the vault, naming the subject and DNS name", async () => {
      const key = await createRequestKey("openid4vp-request-key");
      const subject = "CN=Staff Passport verifier, O=NHS England, C=GB";
      const { stdout, stderr } = await runKeys(
        ["csr", "--subject", subject, "--dns", "verifier.staffpassport.nhs.uk"],
        { OPENID4VP_KEY_NAME: "openid4vp-request-key" },
      );
      // The request alone on stdout, so that `> verifier.csr` keeps a clean PEM file.
      expect(stdout).toMatch(
        /^-----BEGIN CERTIFICATE REQUEST-----\n[\s\S]+\n-----END CERTIFICATE REQUEST-----\n$/,
      );
      expect(stderr).toContain("certificate request for key openid4vp-request-key");
      const request = new Pkcs10CertificateRequest(stdout);
      expect(await request.verify()).toBe(true);
      expect(request.subject).toBe(subject);
      const san = request.getExtension(SUBJECT_ALT_NAME);
      const names = san === null ? [] : new SubjectAlternativeNameExtension(san.rawData).names.toJSON();
      expect(names).toEqual([{ type: "dns", value: "verifier.staffpassport.nhs.uk" }]);
      // The vault key's public key, so the certificate the CA issues is for the key the service signs with.
      expect(Buffer.from(request.publicKey.rawData)).toEqual(spkiOf(key));
      // Signed by Key Vault, once: the private key was never anywhere else.
      expect(emulator.calls("sign")).toBe(1);
    }, 60_000);

    it("signs with the newest version of the key, the one the service signs request objects with", async () => {
      const older = await createRequestKey("openid4vp-request-key");
      // Key Vault dates a version to the second: the newer one must be created in a later second to be the newest.
      const olderSecond = Math.floor((older.properties.createdOn?.getTime() ?? Date.now()) / 1000);
      await until(() => Math.floor(Date.now() / 1000) > olderSecond, { what: "the next second" });
      const newest = await createRequestKey("openid4vp-request-key");
      const { pem, kid } = await requestKeyCertificateRequest(
        {
          command: "csr",
          vaultUrl: emulator.url,
          keyName: "openid4vp-request-key",
          subject: "CN=Verifier",
          dnsNames: [],
        },
        credential,
      );
      const request = new Pkcs10CertificateRequest(pem);
      expect(await request.verify()).toBe(true);
      expect(request.getExtension(SUBJECT_ALT_NAME)).toBeNull();
      expect(Buffer.from(request.publicKey.rawData)).toEqual(spkiOf(newest));
      const service = await keyVaultSigningKeys({
        vaultUrl: emulator.url,
        keyName: "openid4vp-request-key",
        credential,
        publishLeadMs: 0,
      }).current();
      expect(kid).toBe(service.kid);
    });

    it("refuses a key the service would refuse to sign with, asking the vault to sign nothing", async () => {
      await createRequestKey("p384-key", "P-384");
      await expect(
        requestKeyCertificateRequest(
          {
            command: "csr",
            vaultUrl: emulator.url,
            keyName: "p384-key",
            subject: "CN=Verifier",
            dnsNames: [],
          },
          credential,
        ),
      ).rejects.toThrow("not an EC P-256 key");
      expect(emulator.calls("sign")).toBe(0);
    });
  });
});
