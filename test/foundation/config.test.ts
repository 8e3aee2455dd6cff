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

  it("requires a Service Bus connection string or namespace", () => {
    expect(errorOf({ ...valid, ServiceBusConnection: "" }).settings).toEqual(["ServiceBusConnection"]);
    expect(
      loadConfig({
        ...valid,
        ServiceBusConnection: "",
        ServiceBusConnection__fullyQualifiedNamespace: "x.servicebus.windows.net",
      }).ServiceBusConnection__fullyQualifiedNamespace,
    ).toBe("x.servicebus.windows.net");
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

  it("lists every setting in local.settings.sample.json and in README's table", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    for (const name of SETTING_NAMES) {
      expect(Object.keys(valid)).toContain(name);
      expect(readme).toContain(`| \`${name}\``);
    }
  });
});
