import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { sampleSettings } from "../../local/settings.js";
import { ConfigError, loadConfig, SETTING_NAMES } from "../../src/config.js";

const valid = sampleSettings();

function errorOf(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("configuration was accepted");
}

describe("configuration", () => {
  it("accepts the local sample settings", () => {
    expect(loadConfig(valid).COSMOS_DATABASE).toBe("staff-passport");
  });

  it("names a missing setting", () => {
    const error = errorOf({ ...valid, VERIFIEDID_AUTHORITY: undefined });
    expect(error.settings).toEqual(["VERIFIEDID_AUTHORITY"]);
    expect(error.message).toContain("VERIFIEDID_AUTHORITY: is required");
  });

  it("names a malformed setting", () => {
    const error = errorOf({ ...valid, COSMOS_ENDPOINT: "not a url", SESSION_TTL_SECONDS: "3600" });
    expect(error.settings).toEqual(["COSMOS_ENDPOINT", "SESSION_TTL_SECONDS"]);
  });

  it("keeps trust documents 60 seconds unless told otherwise, and 0 to 3600 seconds when told", () => {
    expect(loadConfig({ ...valid, TRUST_CACHE_SECONDS: undefined }).TRUST_CACHE_SECONDS).toBe(60);
    expect(loadConfig({ ...valid, TRUST_CACHE_SECONDS: "0" }).TRUST_CACHE_SECONDS).toBe(0);
    expect(loadConfig({ ...valid, TRUST_CACHE_SECONDS: "3600" }).TRUST_CACHE_SECONDS).toBe(3600);
    for (const wrong of ["-1", "3601", "1.5", "soon"]) {
      expect(errorOf({ ...valid, TRUST_CACHE_SECONDS: wrong }).settings, wrong).toEqual([
        "TRUST_CACHE_SECONDS",
      ]);
    }
  });

  it("requires a Service Bus connection string or namespace", () => {
    expect(errorOf({ ...valid, ServiceBusConnection: "" }).settings).toEqual(["ServiceBusConnection"]);
    expect(
      loadConfig({
        ...valid,
        ServiceBusConnection: "",
        ServiceBusConnection__fullyQualifiedNamespace: "x.servicebus.windows.net",
        SIGNING_KEYS: "key-vault",
        KEY_VAULT_URL: "https://staff-passport.vault.azure.net/",
      }).ServiceBusConnection__fullyQualifiedNamespace,
    ).toBe("x.servicebus.windows.net");
  });

  it("signs with the Key Vault key SIGNING_KEY_NAME, share-signing-key unless told, and refuses a name Key Vault would not take", () => {
    const inAzure = {
      ...valid,
      SIGNING_KEYS: "key-vault",
      KEY_VAULT_URL: "https://staff-passport.vault.azure.net/",
    };
    expect(loadConfig({ ...inAzure, SIGNING_KEY_NAME: undefined }).SIGNING_KEY_NAME).toBe(
      "share-signing-key",
    );
    expect(loadConfig({ ...inAzure, SIGNING_KEY_NAME: "signing-2" }).SIGNING_KEY_NAME).toBe("signing-2");
    for (const wrong of ["share_signing_key", "share.signing", "x".repeat(128)]) {
      expect(errorOf({ ...inAzure, SIGNING_KEY_NAME: wrong }).settings, wrong).toEqual(["SIGNING_KEY_NAME"]);
    }
    // The secret the key used to be kept in is no setting any more.
    expect(SETTING_NAMES).not.toContain("SIGNING_KEY_SECRET_NAME");
  });

  it("requires the payloads' Blob storage URL or, locally, a connection string", () => {
    const neither = { ...valid, PAYLOAD_STORAGE_URL: "", PAYLOAD_STORAGE_CONNECTION_STRING: "" };
    expect(errorOf(neither).settings).toEqual(["PAYLOAD_STORAGE_URL"]);
    const url = "https://staffpassport.blob.core.windows.net/";
    expect(loadConfig({ ...neither, PAYLOAD_STORAGE_URL: url }).PAYLOAD_STORAGE_URL).toBe(url);
  });

  it("requires the client secret settings when Verified ID uses a client secret", () => {
    const error = errorOf({ ...valid, VERIFIEDID_CREDENTIAL: "client-secret" });
    expect(error.settings).toEqual([
      "VERIFIEDID_TENANT_ID",
      "VERIFIEDID_CLIENT_ID",
      "VERIFIEDID_CLIENT_SECRET",
    ]);
  });

  it("refuses the local Verified ID credential against a remote endpoint", () => {
    const error = errorOf({ ...valid, VERIFIEDID_BASE_URL: "https://verifiedid.did.msidentity.com" });
    expect(error.settings).toEqual(["VERIFIEDID_CREDENTIAL"]);
  });

  it("requires a Key Vault URL when signing keys live in Key Vault", () => {
    expect(errorOf({ ...valid, SIGNING_KEYS: "key-vault" }).settings).toEqual(["KEY_VAULT_URL"]);
  });

  it("refuses plain http for every endpoint outside this machine", () => {
    const error = errorOf({
      ...valid,
      COSMOS_ENDPOINT: "http://staff-passport.documents.azure.com/",
      VERIFIEDID_CALLBACK_URL: "http://portal.example.nhs.uk/api/verifiedid/callback",
      SESSION_ISSUER: "http://portal.example.nhs.uk/api",
      SIGNING_KEYS: "key-vault",
      KEY_VAULT_URL: "http://staff-passport.vault.azure.net/",
      PAYLOAD_STORAGE_URL: "http://staffpassport.blob.core.windows.net/",
    });
    expect(error.settings).toEqual([
      "COSMOS_ENDPOINT",
      "VERIFIEDID_CALLBACK_URL",
      "SESSION_ISSUER",
      "KEY_VAULT_URL",
      "PAYLOAD_STORAGE_URL",
    ]);
    expect(error.message).toContain("must be https outside a loopback address");
  });

  it("refuses a remote Verified ID endpoint over plain http", () => {
    const error = errorOf({
      ...valid,
      VERIFIEDID_CREDENTIAL: "managed-identity",
      VERIFIEDID_BASE_URL: "http://verifiedid.did.msidentity.com",
    });
    expect(error.settings).toEqual(["VERIFIEDID_BASE_URL"]);
  });

  it("refuses local signing keys once any endpoint is remote", () => {
    for (const remote of [
      { COSMOS_ENDPOINT: "https://staff-passport.documents.azure.com/" },
      { SESSION_ISSUER: "https://portal.example.nhs.uk/api" },
      { VERIFIEDID_CALLBACK_URL: "https://portal.example.nhs.uk/api/verifiedid/callback" },
      { ServiceBusConnection: "", ServiceBusConnection__fullyQualifiedNamespace: "x.servicebus.windows.net" },
    ]) {
      const error = errorOf({ ...valid, SIGNING_KEYS: "local", ...remote });
      expect(error.settings, JSON.stringify(remote)).toEqual(["SIGNING_KEYS"]);
    }
  });

  it("accepts https endpoints with Key Vault keys, as deployed", () => {
    const config = loadConfig({
      ...valid,
      COSMOS_ENDPOINT: "https://staff-passport.documents.azure.com/",
      ServiceBusConnection: "",
      ServiceBusConnection__fullyQualifiedNamespace: "x.servicebus.windows.net",
      VERIFIEDID_BASE_URL: "https://verifiedid.did.msidentity.com",
      VERIFIEDID_CREDENTIAL: "managed-identity",
      VERIFIEDID_CALLBACK_URL: "https://portal.example.nhs.uk/api/verifiedid/callback",
      SESSION_ISSUER: "https://portal.example.nhs.uk/api",
      SIGNING_KEYS: "key-vault",
      KEY_VAULT_URL: "https://staff-passport.vault.azure.net/",
      PAYLOAD_STORAGE_URL: "https://staffpassport.blob.core.windows.net/",
      PAYLOAD_STORAGE_CONNECTION_STRING: "",
    });
    expect(config.SIGNING_KEYS).toBe("key-vault");
    expect(config.PAYLOAD_STORAGE_URL).toBe("https://staffpassport.blob.core.windows.net/");
  });

  it("lists every setting in local.settings.sample.json and in the operators' settings table", () => {
    const operators = readFileSync(new URL("../../docs/operators.md", import.meta.url), "utf8");
    for (const name of SETTING_NAMES) {
      expect(Object.keys(valid)).toContain(name);
      expect(operators).toContain(`| \`${name}\``);
    }
  });
});
