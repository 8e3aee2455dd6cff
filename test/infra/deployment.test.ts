// The compiled template as a real tenant deploys it: valid names for any environment name, a key that cannot leave
// Key Vault, recovery after `azd down`, pipelines, a private network, the WAF, least privilege and hygiene.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { Deferred, evaluate, mainScope, moduleScope } from "./armExpression.js";
import {
  type ArmObject,
  type ArmTemplate,
  type ArmValue,
  allResources,
  at,
  type Build,
  buildInfra,
  buildParameters,
  isFreshBuild,
  moduleNamed,
  modulesOf,
  resourcesOf,
} from "./armTemplate.js";

let build: Build;
let main: ArmTemplate;
/** main.bicepparam as azd builds it for an environment named Dev_1, deployed by a pipeline's service principal. */
let ciParameters: Record<string, ArmValue>;

beforeAll(async () => {
  [build, ciParameters] = await Promise.all([
    buildInfra(),
    buildParameters({ AZURE_ENV_NAME: "Dev_1", AZURE_PRINCIPAL_TYPE: "ServicePrincipal" }),
  ]);
  main = build.main;
}, 180_000);

const bicepparam = (name: string) => readFileSync(new URL(`../../infra/${name}`, import.meta.url), "utf8");

/** Every resource, each with the scope its expressions are evaluated in for the given parameters of main. */
function evaluated(parameters: Record<string, ArmValue>) {
  const scope = mainScope(main, parameters);
  return allResources(main).map((resource) => ({
    resource,
    scope: moduleScope(resource.module, scope),
  }));
}

/** A resource's property as the deployment with these parameters would see it. */
function deployed(parameters: Record<string, ArmValue>, type: string, path: string): ArmValue[] {
  return evaluated(parameters)
    .filter(({ resource }) => resource.type === type)
    .map(({ resource, scope }) => evaluate(at(resource, path), scope));
}

// Each service's naming rules (Microsoft's "Naming rules and restrictions for Azure resources").
const NAME_RULES: Record<string, { pattern: RegExp; rule: string }> = {
  "Microsoft.ManagedIdentity/userAssignedIdentities": {
    pattern: /^[A-Za-z0-9][A-Za-z0-9_-]{2,127}$/,
    rule: "3-128 letters, digits, - and _, starting with a letter or digit",
  },
  "Microsoft.OperationalInsights/workspaces": {
    pattern: /^[A-Za-z0-9][A-Za-z0-9-]{2,61}[A-Za-z0-9]$/,
    rule: "4-63 letters, digits and -, starting and ending with a letter or digit",
  },
  "Microsoft.Insights/components": { pattern: /^[^%&\\?/]{1,259}[^%&\\?/. ]$/, rule: "1-260, no %&\\?/" },
  "Microsoft.Storage/storageAccounts": {
    pattern: /^[a-z0-9]{3,24}$/,
    rule: "3-24 lowercase letters and digits",
  },
  "Microsoft.DocumentDB/databaseAccounts": {
    pattern: /^[a-z0-9][a-z0-9-]{1,42}[a-z0-9]$/,
    rule: "3-44 lowercase letters, digits and -, starting and ending with a letter or digit",
  },
  "Microsoft.ServiceBus/namespaces": {
    pattern: /^(?!.*(-sb|-mgmt)$)[A-Za-z][A-Za-z0-9-]{4,48}[A-Za-z0-9]$/,
    rule: "6-50 letters, digits and -, starting with a letter, ending with a letter or digit, not -sb or -mgmt",
  },
  "Microsoft.KeyVault/vaults": {
    pattern: /^(?!.*--)[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]$/,
    rule: "3-24 letters, digits and -, starting with a letter, ending with a letter or digit, no --",
  },
  "Microsoft.Web/serverfarms": { pattern: /^[A-Za-z0-9-]{1,60}$/, rule: "1-60 letters, digits and -" },
  "Microsoft.Web/sites": {
    pattern: /^[A-Za-z0-9][A-Za-z0-9-]{0,58}[A-Za-z0-9]$/,
    rule: "2-60 letters, digits and -, starting and ending with a letter or digit",
  },
  "Microsoft.Cdn/profiles": {
    pattern: /^[A-Za-z0-9][A-Za-z0-9-]{0,258}[A-Za-z0-9]$/,
    rule: "1-260 letters, digits and -, starting and ending with a letter or digit",
  },
  "Microsoft.Cdn/profiles/afdEndpoints": {
    pattern: /^[A-Za-z0-9][A-Za-z0-9-]{0,44}[A-Za-z0-9]$/,
    rule: "2-46 letters, digits and -, starting and ending with a letter or digit",
  },
  "Microsoft.Network/FrontDoorWebApplicationFirewallPolicies": {
    pattern: /^[A-Za-z][A-Za-z0-9]{0,127}$/,
    rule: "1-128 letters and digits, starting with a letter",
  },
  "Microsoft.Network/virtualNetworks": {
    pattern: /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}[A-Za-z0-9_]$/,
    rule: "2-64 letters, digits, ., - and _",
  },
  "Microsoft.Network/privateEndpoints": {
    pattern: /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}[A-Za-z0-9_]$/,
    rule: "2-64 letters, digits, ., - and _",
  },
  "Microsoft.KeyVault/vaults/keys": { pattern: /^[A-Za-z0-9-]{1,127}$/, rule: "1-127 letters, digits and -" },
  "Microsoft.Storage/storageAccounts/blobServices/containers": {
    pattern: /^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/,
    rule: "3-63 lowercase letters, digits and single -",
  },
};

describe("resource names", () => {
  // The parameters of an environment with every feature on, so that every resource is named.
  const everything = () => ({ ...ciParameters, enableFrontDoor: true, enableNetworkIsolation: true });

  /** The names of each resource of the rule's type: the last segment of a child's, each of a loop's. */
  function namesOf(parameters: Record<string, ArmValue>) {
    const names: { type: string; where: string; name: string }[] = [];
    for (const { resource, scope } of evaluated(parameters)) {
      if (!NAME_RULES[resource.type]) continue;
      const where = `${resource.module.name}/${resource.symbol}`;
      if (resource.copy) {
        // Loops here name containers from a list the module is given.
        const list = String(resource.name).match(/parameters\('(\w+)'\)\[copyIndex\(\)\]\)\]$/)?.[1];
        const values = list === undefined ? undefined : scope.parameter(list);
        if (!Array.isArray(values)) throw new Error(`${where}: cannot read the names its loop makes`);
        for (const value of values) names.push({ type: resource.type, where, name: String(value) });
        continue;
      }
      const name = String(evaluate(resource.name, scope));
      names.push({ type: resource.type, where, name: name.split("/").at(-1) ?? name });
    }
    return names;
  }

  it.each([["Dev_1"], ["a"], ["Prod.Env-"], ["x".repeat(64)]])(
    "are valid for every service's rules with the environment named %j",
    (environmentName) => {
      const names = namesOf({ ...everything(), environmentName });
      expect(new Set(names.map((entry) => entry.type))).toEqual(new Set(Object.keys(NAME_RULES)));
      const invalid = names
        .filter(({ type, name }) => !NAME_RULES[type]?.pattern.test(name))
        .map(
          ({ type, where, name }) =>
            `${where} ${JSON.stringify(name)}: ${type} needs ${NAME_RULES[type]?.rule}`,
        );
      expect(invalid).toEqual([]);
    },
  );

  it("differ between environments, and are the same each time for one environment", () => {
    const accounts = (environmentName: string) =>
      namesOf({ ...everything(), environmentName })
        .filter((entry) => entry.type === "Microsoft.Storage/storageAccounts")
        .map((entry) => entry.name);
    expect(accounts("Dev_1")).toEqual(accounts("Dev_1"));
    expect(accounts("Dev_1")).not.toEqual(accounts("Dev_2"));
  });
});

describe("the signing key", () => {
  const keys = () =>
    allResources(main).filter((resource) => resource.type === "Microsoft.KeyVault/vaults/keys");

  it("is an EC P-256 Key Vault key for signing that cannot be exported, and no secret", () => {
    // Two keys of this kind: this one and the OpenID4VP request key (below); nothing else.
    expect(keys().map((key) => key.symbol)).toEqual(["signingKey", "openid4vpKey"]);
    expect(keys().find((key) => key.symbol === "signingKey")?.properties).toEqual(
      expect.objectContaining({
        kty: "EC",
        curveName: "P-256",
        keyOps: ["sign", "verify"],
        attributes: expect.objectContaining({ exportable: false }),
      }),
    );
    expect(
      allResources(main).filter((resource) => resource.type.startsWith("Microsoft.KeyVault/vaults/secrets")),
    ).toEqual([]);
  });

  it("is named by signingKeyName (share-signing-key unless set), which the app and `npm run keys` read as SIGNING_KEY_NAME", () => {
    expect(main.parameters?.signingKeyName?.defaultValue).toBe("share-signing-key");
    expect(deployed({ ...ciParameters }, "Microsoft.KeyVault/vaults/keys", "name")[0]).toMatch(
      /\/share-signing-key$/,
    );
    const settings = at(moduleNamed(main, "functionApp").parameters, "appSettings.value") as ArmObject;
    // The parameter itself, so that the app's settings can be checked against src/config.ts before deployment.
    expect(settings.SIGNING_KEY_NAME).toBe("[parameters('signingKeyName')]");
    expect(settings).not.toHaveProperty("SIGNING_KEY_SECRET_NAME");
    expect(main.outputs?.SIGNING_KEY_NAME?.value).toBe(
      "[reference('keyVault').outputs.signingKeyName.value]",
    );
    expect(main.outputs).not.toHaveProperty("SIGNING_KEY_SECRET_NAME");
  });

  it("gives the app Key Vault Crypto User and the operator Crypto Officer, on that key alone", () => {
    const CRYPTO_USER = "12338af0-0e69-4776-bea7-57ae8d297424";
    const CRYPTO_OFFICER = "14b46e9e-c2b7-41b4-b07b-48a6ebf60603";
    const grants = evaluated({ ...ciParameters, operatorPrincipalId: "operator-object-id" })
      .filter(({ resource }) => resource.type === "Microsoft.Authorization/roleAssignments")
      .filter(({ resource }) => resource.module.name === "keyVault");
    // One loop of assignments per key: this key's, and the request key's (checked below).
    expect(grants.map(({ resource }) => resource.symbol)).toEqual(["signingKeyRoles", "openid4vpKeyRoles"]);
    const assignments = grants
      .filter(({ resource }) => resource.symbol === "signingKeyRoles")
      .flatMap(({ resource, scope }) => {
        const list = evaluate(`[parameters('signingKeyRoleAssignments')]`, scope) as ArmObject[];
        return list.map((element) => ({ symbol: resource.symbol, scope: resource.scope, element }));
      });
    expect(assignments.map(({ symbol }) => symbol)).toEqual(["signingKeyRoles", "signingKeyRoles"]);
    for (const { scope } of assignments) {
      expect(scope).toMatch(/^\[resourceId\('Microsoft\.KeyVault\/vaults\/keys', /);
    }
    expect(assignments.map(({ element }) => [String(element.principalId), element.roleDefinitionId])).toEqual(
      [
        ["<reference identity.outputs.principalId.value>", CRYPTO_USER],
        ["operator-object-id", CRYPTO_OFFICER],
      ],
    );
  });
});

describe("the OpenID4VP request key", () => {
  const CRYPTO_USER = "12338af0-0e69-4776-bea7-57ae8d297424";
  const CRYPTO_OFFICER = "14b46e9e-c2b7-41b4-b07b-48a6ebf60603";
  const settingsWith = (parameters: Record<string, ArmValue>) =>
    evaluate(
      at(moduleNamed(main, "functionApp").parameters, "appSettings.value"),
      mainScope(main, parameters),
    ) as ArmObject;

  it("is created beside the signing key as the same kind of key: EC P-256, sign and verify, not exportable", () => {
    const keyNamed = (symbol: string) =>
      allResources(main).find(
        (resource) => resource.type === "Microsoft.KeyVault/vaults/keys" && resource.symbol === symbol,
      );
    const requestKey = keyNamed("openid4vpKey");
    expect(requestKey?.module.name).toBe("keyVault");
    expect(requestKey?.properties).toEqual({
      kty: "EC",
      curveName: "P-256",
      keyOps: ["sign", "verify"],
      attributes: { enabled: true, exportable: false },
    });
    expect(requestKey?.properties).toEqual(keyNamed("signingKey")?.properties);
  });

  it("is named by openid4vpKeyName (openid4vp-request-key unless set), which the app reads as OPENID4VP_KEY_NAME and the OPENID4VP_KEY_NAME output names", () => {
    expect(main.parameters?.openid4vpKeyName?.defaultValue).toBe("openid4vp-request-key");
    const names = (parameters: Record<string, ArmValue>) =>
      deployed(parameters, "Microsoft.KeyVault/vaults/keys", "name").map(
        (name) => String(name).split("/")[1],
      );
    expect(names({ ...ciParameters })).toEqual(["share-signing-key", "openid4vp-request-key"]);
    expect(names({ ...ciParameters, openid4vpKeyName: "verifier-key" })).toEqual([
      "share-signing-key",
      "verifier-key",
    ]);
    expect(settingsWith({ ...ciParameters }).OPENID4VP_KEY_NAME).toBe("openid4vp-request-key");
    expect(settingsWith({ ...ciParameters, openid4vpKeyName: "verifier-key" }).OPENID4VP_KEY_NAME).toBe(
      "verifier-key",
    );
    expect(main.outputs?.OPENID4VP_KEY_NAME?.value).toBe(
      "[reference('keyVault').outputs.openid4vpKeyName.value]",
    );
    // The module's output is the key's own name.
    expect(moduleNamed(main, "keyVault").template.outputs?.openid4vpKeyName?.value).toBe(
      "[parameters('openid4vpKeyName')]",
    );
  });

  it("gives the app Key Vault Crypto User and the operator Crypto Officer, on that key alone", () => {
    const grants = evaluated({ ...ciParameters, operatorPrincipalId: "operator-object-id" })
      .filter(({ resource }) => resource.type === "Microsoft.Authorization/roleAssignments")
      .filter(({ resource }) => resource.module.name === "keyVault")
      .filter(({ resource }) => resource.symbol === "openid4vpKeyRoles");
    expect(grants).toHaveLength(1);
    const [grant] = grants;
    expect(grant?.resource.scope).toBe(
      "[resourceId('Microsoft.KeyVault/vaults/keys', parameters('name'), parameters('openid4vpKeyName'))]",
    );
    expect(grant?.resource.copy?.count).toBe("[length(parameters('openid4vpKeyRoleAssignments'))]");
    const list = evaluate("[parameters('openid4vpKeyRoleAssignments')]", grant?.scope ?? mainScope(main, {}));
    expect(
      (list as ArmObject[]).map((element) => [String(element.principalId), element.roleDefinitionId]),
    ).toEqual([
      ["<reference identity.outputs.principalId.value>", CRYPTO_USER],
      ["operator-object-id", CRYPTO_OFFICER],
    ]);
    // Without an operator, the app alone.
    const appOnly = evaluated({ ...ciParameters, operatorPrincipalId: "" }).find(
      ({ resource }) => resource.symbol === "openid4vpKeyRoles",
    );
    expect(
      (
        evaluate(
          "[parameters('openid4vpKeyRoleAssignments')]",
          appOnly?.scope ?? mainScope(main, {}),
        ) as ArmObject[]
      ).map((element) => element.roleDefinitionId),
    ).toEqual([CRYPTO_USER]);
  });

  it("gives the app the certificate chain and issuer roots azd's environment sets, and none (Verified ID only) unless set", async () => {
    // Two PEM texts of several lines each, as `azd env set NAME "$(cat file.pem)"` leaves them.
    const chain = [
      "-----BEGIN CERTIFICATE-----\nTEFBRg==\n-----END CERTIFICATE-----",
      "-----BEGIN CERTIFICATE-----\nSU5URVJNRURJQVRF\n-----END CERTIFICATE-----",
    ].join("\n");
    const roots = "-----BEGIN CERTIFICATE-----\nSVNTVUVSIFJPT1Q=\n-----END CERTIFICATE-----";
    const parameters = await buildParameters({
      AZURE_ENV_NAME: "Dev_1",
      OPENID4VP_CERTIFICATE_CHAIN: chain,
      OPENID4VP_ISSUER_ROOTS: roots,
    });
    expect(parameters).toMatchObject({ openid4vpCertificateChain: chain, openid4vpIssuerRoots: roots });
    expect(settingsWith(parameters)).toMatchObject({
      OPENID4VP_CERTIFICATE_CHAIN: chain,
      OPENID4VP_ISSUER_ROOTS: roots,
    });
    for (const unset of [ciParameters, build.devParameters, build.productionParameters]) {
      expect(settingsWith({ ...unset })).toMatchObject({
        OPENID4VP_CERTIFICATE_CHAIN: "",
        OPENID4VP_ISSUER_ROOTS: "",
      });
    }
    expect(bicepparam("main.production.bicepparam")).toContain(
      "param openid4vpCertificateChain = readEnvironmentVariable('OPENID4VP_CERTIFICATE_CHAIN', '')",
    );
    expect(bicepparam("main.production.bicepparam")).toContain(
      "param openid4vpIssuerRoots = readEnvironmentVariable('OPENID4VP_ISSUER_ROOTS', '')",
    );
  }, 60_000);
});

describe("re-provisioning after `azd down`", () => {
  it("creates the vault unless keyVaultCreateMode is recover, which brings back the soft-deleted one", () => {
    expect(main.parameters?.keyVaultCreateMode).toMatchObject({
      defaultValue: "default",
      allowedValues: ["default", "recover"],
    });
    for (const mode of ["default", "recover"]) {
      expect(
        deployed(
          { ...ciParameters, keyVaultCreateMode: mode },
          "Microsoft.KeyVault/vaults",
          "properties.createMode",
        ),
      ).toEqual([mode]);
    }
  });

  it("takes the mode from azd's environment (KEY_VAULT_CREATE_MODE)", () => {
    expect(bicepparam("main.bicepparam")).toContain(
      "param keyVaultCreateMode = readEnvironmentVariable('KEY_VAULT_CREATE_MODE', 'default')",
    );
    expect(ciParameters.keyVaultCreateMode).toBe("default");
  });
});

describe("deploying from a pipeline", () => {
  it("takes the operator's principal type from AZURE_PRINCIPAL_TYPE, User when unset", () => {
    expect(ciParameters.operatorPrincipalType).toBe("ServicePrincipal");
    expect(build.devParameters.operatorPrincipalType).toBe("User");
  });

  it("gives every role assignment to the operator the operator's principal type", () => {
    const operatorGrants = JSON.stringify(main).match(
      /'principalId', parameters\('operatorPrincipalId'\), 'principalType', [^,]+/g,
    );
    expect(operatorGrants?.length).toBeGreaterThan(0);
    for (const grant of operatorGrants ?? []) expect(grant).toMatch(/parameters\('operatorPrincipalType'\)$/);
  });
});

describe("network isolation", () => {
  const DATA_SERVICES = [
    "Microsoft.DocumentDB/databaseAccounts",
    "Microsoft.KeyVault/vaults",
    "Microsoft.Storage/storageAccounts",
    "Microsoft.ServiceBus/namespaces",
  ];
  const isolated = () => ({ ...ciParameters, enableNetworkIsolation: true });

  it("is off by default and on in the production parameter file, with Front Door", () => {
    expect(main.parameters?.enableNetworkIsolation?.defaultValue).toBe(false);
    expect(build.devParameters.enableNetworkIsolation).toBe(false);
    expect(build.productionParameters).toMatchObject({ enableNetworkIsolation: true, enableFrontDoor: true });
  });

  it.each(DATA_SERVICES)("turns off %s's public network access when on, and only then", (type) => {
    expect(deployed(isolated(), type, "properties.publicNetworkAccess")).toEqual(["Disabled"]);
    expect(deployed(ciParameters, type, "properties.publicNetworkAccess")).toEqual(["Enabled"]);
  });

  it("gives each data service a private endpoint registered in its privatelink zone, only when on", () => {
    const endpoints = modulesOf(main).filter((module) =>
      resourcesOf(module.template).some((resource) => resource.type === "Microsoft.Network/privateEndpoints"),
    );
    const scope = mainScope(main, isolated());
    const zones = evaluate(main.variables?.privateDnsZones, scope) as Record<string, string>;
    const found = endpoints.map((module) => {
      const deployment = resourcesOf(main).find((resource) => resource.symbol === module.name);
      expect(deployment?.condition, module.name).toBe("[parameters('enableNetworkIsolation')]");
      const parameter = (name: string) => String(at(module.parameters, `${name}.value`));
      const zoneKey = parameter("dnsZoneId").match(/dnsZoneIds\.value\.(\w+)\]$/)?.[1] ?? "";
      return [parameter("serviceResourceId"), parameter("groupId"), zones[zoneKey]];
    });
    expect(found.sort()).toEqual(
      [
        ["[reference('cosmos').outputs.resourceId.value]", "Sql", "privatelink.documents.azure.com"],
        ["[reference('keyVault').outputs.resourceId.value]", "vault", "privatelink.vaultcore.azure.net"],
        ["[reference('storage').outputs.resourceId.value]", "blob", "privatelink.blob.core.windows.net"],
        [
          "[reference('serviceBus').outputs.resourceId.value]",
          "namespace",
          "privatelink.servicebus.windows.net",
        ],
      ].sort(),
    );
    const network = moduleNamed(main, "network");
    expect(JSON.stringify(network.template)).toContain(
      "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
    );
  });

  it("makes Service Bus Premium, which alone takes private endpoints", () => {
    expect(
      deployed({ ...isolated(), serviceBusSku: "Standard" }, "Microsoft.ServiceBus/namespaces", "sku.name"),
    ).toEqual(["Premium"]);
    expect(deployed(ciParameters, "Microsoft.ServiceBus/namespaces", "sku.name")).toEqual(["Standard"]);
  });

  it("integrates the Function App with a subnet delegated to Flex Consumption, only when on", () => {
    const subnet = (parameters: Record<string, ArmValue>) =>
      deployed(parameters, "Microsoft.Web/sites", "properties.virtualNetworkSubnetId")[0];
    expect(subnet(isolated())).toBeInstanceOf(Deferred);
    expect(String(subnet(isolated()))).toBe("<reference network.outputs.appSubnetId.value>");
    expect(subnet(ciParameters)).toBeNull();
    const subnets = at(
      resourcesOf(moduleNamed(main, "network").template).find(
        (resource) => resource.type === "Microsoft.Network/virtualNetworks",
      ),
      "properties.subnets",
    ) as ArmObject[];
    const app = subnets.find((candidate) => candidate.name === "app");
    expect(JSON.stringify(app)).toContain("Microsoft.App/environments");
  });

  it("offers the Premium tier's managed rule sets with Front Door, off unless asked", () => {
    const managed = (enableWafManagedRules: boolean) =>
      deployed(
        { ...ciParameters, enableFrontDoor: true, enableWafManagedRules },
        "Microsoft.Network/FrontDoorWebApplicationFirewallPolicies",
        "properties.managedRules.managedRuleSets",
      )[0] as ArmObject[];
    expect(managed(false)).toEqual([]);
    expect(managed(true).map((set) => set.ruleSetType)).toEqual([
      "Microsoft_DefaultRuleSet",
      "Microsoft_BotManagerRuleSet",
    ]);
    const sku = (enableWafManagedRules: boolean) =>
      deployed(
        { ...ciParameters, enableFrontDoor: true, enableWafManagedRules },
        "Microsoft.Cdn/profiles",
        "sku.name",
      );
    expect(sku(true)).toEqual(["Premium_AzureFrontDoor"]);
    expect(sku(false)).toEqual(["Standard_AzureFrontDoor"]);
  });
});

describe("the WAF's rate limits", () => {
  type Rule = ArmObject & { name: string; matchConditions: ArmObject[] };
  const rules = () =>
    deployed(
      { ...ciParameters, enableFrontDoor: true },
      "Microsoft.Network/FrontDoorWebApplicationFirewallPolicies",
      "properties.customRules.rules",
    )[0] as Rule[];

  /** Whether a match condition holds for a request, applying its transforms in order as Front Door does. */
  function holds(condition: ArmObject, request: { method: string; uri: string }): boolean {
    const variable = condition.matchVariable === "RequestMethod" ? request.method : request.uri;
    const transformed = ((condition.transforms ?? []) as string[]).reduce((value, transform) => {
      if (transform === "UrlDecode") return decodeURIComponent(value);
      if (transform === "Lowercase") return value.toLowerCase();
      throw new Error(`no stand-in for the ${transform} transform`);
    }, variable);
    const values = condition.matchValue as string[];
    const matched = values.some((value) => {
      if (condition.operator === "Equal") return transformed === value;
      if (condition.operator === "Contains") return transformed.includes(value);
      if (condition.operator === "RegEx") return new RegExp(value).test(transformed);
      throw new Error(`no stand-in for the ${String(condition.operator)} operator`);
    });
    return condition.negateCondition === true ? !matched : matched;
  }
  const limitsOn = (method: string, uri: string) =>
    rules()
      .filter((rule) => rule.matchConditions.every((condition) => holds(condition, { method, uri })))
      .map((rule) => rule.name);
  const perAddress = (rule: Rule) =>
    JSON.stringify(rule.groupBy) !== JSON.stringify([{ variableName: "None" }]);

  it.each([
    ["/api/verifiedid/callback"],
    ["/api/verifiedid/callback/0b6f3c6e-2f0a-4d7e-9a53-1a2b3c4d5e6f"],
    ["https://afd.example/api/VerifiedId/Callback/abc?x=1"],
    ["/api/verifiedid/%63allback/abc"],
  ])("holds Verified ID's callback %s to one ceiling for all senders, and to no per-address limit", (uri) => {
    const applied = rules().filter((rule) => limitsOn("POST", uri).includes(rule.name));
    expect(applied.map((rule) => rule.name)).toEqual(["LimitCallbacks"]);
    expect(applied.filter(perAddress)).toEqual([]);
  });

  it.each([
    ["/api/shares?next=/api/verifiedid/callback"],
    ["/api/verifiedid/callback/../../shares"],
    ["/api/shares"],
  ])("keeps the per-address limit on %s, which only names a callback", (uri) => {
    expect(limitsOn("POST", uri)).toEqual(["LimitApi"]);
  });

  it.each([["/api/logins"], ["/API/Logins"], ["/api/%6Cogins"], ["/api/%6c%6F%67%69%6e%73"]])(
    "limits POST %s per address as a login, decoded and lowercased",
    (uri) => {
      expect(limitsOn("POST", uri)).toContain("LimitLogins");
    },
  );

  it("takes each limit from a parameter sized for NHS sites behind one outbound address", () => {
    const policy = resourcesOf(moduleNamed(main, "frontDoor").template).find(
      (resource) => resource.type === "Microsoft.Network/FrontDoorWebApplicationFirewallPolicies",
    );
    const written = (at(policy, "properties.customRules.rules") ?? []) as ArmObject[];
    const thresholds = Object.fromEntries(written.map((rule) => [rule.name, rule.rateLimitThreshold]));
    expect(thresholds).toEqual({
      LimitLogins: "[parameters('loginRateLimitPerMinute')]",
      LimitCallbacks: "[parameters('callbackRateLimitPerMinute')]",
      LimitApi: "[parameters('apiRateLimitPerMinute')]",
    });
    const frontDoor = moduleNamed(main, "frontDoor");
    for (const name of ["loginRateLimitPerMinute", "apiRateLimitPerMinute", "callbackRateLimitPerMinute"]) {
      expect(at(frontDoor.parameters, `${name}.value`)).toBe(`[parameters('${name}')]`);
    }
    // Hundreds of staff starting a shift behind one address log in within minutes.
    expect(Number(main.parameters?.loginRateLimitPerMinute?.defaultValue)).toBeGreaterThanOrEqual(300);
    expect(Number(main.parameters?.apiRateLimitPerMinute?.defaultValue)).toBeGreaterThanOrEqual(3000);
  });
});

describe("least privilege in the data services", () => {
  const cosmos = () => moduleNamed(main, "cosmos");
  const cosmosResource = (symbol: string) => {
    const found = resourcesOf(cosmos().template).find((resource) => resource.symbol === symbol);
    if (!found) throw new Error(`no ${symbol} in the Cosmos DB module`);
    return found;
  };
  const WRITES = /items\/\*|items\/(create|upsert|replace|delete)|containers\/\*|\/\*$/;

  it("lets the app read trusts and nothing more there, add to and read audit, and read and write every other container", () => {
    const scope = moduleScope(cosmos(), mainScope(main, ciParameters));
    const readOnly = evaluate("[parameters('readOnlyContainerIds')]", scope);
    expect(readOnly).toEqual(["trusts"]);
    // What the audit container allows is test/infra/auditRole.test.ts's.
    expect(evaluate("[parameters('appendOnlyContainerIds')]", scope)).toEqual(["audit"]);
    const reader = cosmosResource("readerRole");
    const readActions = evaluate(at(reader, "properties.permissions"), scope) as { dataActions: string[] }[];
    expect(
      readActions.flatMap((permission) => permission.dataActions).filter((action) => WRITES.test(action)),
    ).toEqual([]);
    expect(at(reader, "properties.assignableScopes")).toContain("parameters('readOnlyContainerIds')");
    expect(cosmosResource("appReaders").copy?.count).toBe("[length(parameters('readOnlyContainerIds'))]");
    expect(at(cosmosResource("appReaders"), "properties.roleDefinitionId")).toContain(
      "'read-only containers reader'",
    );
    // The writer's containers: all but the read-only and the append-only ones.
    expect(String(cosmos().template.variables?.readWriteContainerIds)).toBe(
      "[filter(map(parameters('containers'), lambda('container', lambdaVariables('container').id)), lambda('id', not(contains(concat(parameters('readOnlyContainerIds'), parameters('appendOnlyContainerIds')), lambdaVariables('id')))))]",
    );
    expect(cosmosResource("appWriters").copy?.count).toBe("[length(variables('readWriteContainerIds'))]");
    expect(at(cosmosResource("writerRole"), "properties.assignableScopes")).toContain(
      "variables('readWriteContainerIds')",
    );
  });

  it("lets the operator write trusts only", () => {
    const operator = cosmosResource("operatorWriters");
    expect(operator.copy?.count).toBe(
      "[length(if(empty(parameters('operatorPrincipalId')), createArray(), parameters('readOnlyContainerIds')))]",
    );
    expect(at(operator, "properties.roleDefinitionId")).toContain("'read-only containers writer'");
    expect(at(cosmosResource("registrarRole"), "properties.assignableScopes")).toContain(
      "parameters('readOnlyContainerIds')",
    );
    expect(at(cosmos().parameters, "operatorPrincipalId.value")).toBe("[parameters('operatorPrincipalId')]");
  });

  it("uses no built-in Cosmos DB data role, which would cover the whole account", () => {
    // The built-in Data Reader and Data Contributor, named anywhere (a variable holding one included).
    expect(JSON.stringify(main)).not.toMatch(/0{8}-0{4}-0{4}-0{4}-0{11}[12]/);
    const assignments = allResources(main).filter(
      (resource) => resource.type === "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments",
    );
    expect(assignments.length).toBeGreaterThan(0);
    for (const assignment of assignments) {
      expect(at(assignment, "properties.roleDefinitionId"), assignment.symbol).toMatch(
        /^\[resourceId\('Microsoft\.DocumentDB\/databaseAccounts\/sqlRoleDefinitions', parameters\('name'\), guid\(/,
      );
    }
  });

  it("gives the app no storage role on the account, only on its containers (package, host, payloads)", () => {
    const storage = moduleNamed(main, "storage");
    const accountRoles = resourcesOf(storage.template).filter(
      (resource) =>
        resource.type === "Microsoft.Authorization/roleAssignments" &&
        String(resource.scope).startsWith("[resourceId('Microsoft.Storage/storageAccounts',"),
    );
    expect(accountRoles).toEqual([]);
    const scope = moduleScope(storage, mainScope(main, ciParameters));
    expect(evaluate("[parameters('containerNames')]", scope)).toEqual([
      "app-package",
      "azure-webjobs-hosts",
      "azure-webjobs-secrets",
    ]);
  });
});

describe("the tokenIds and streams containers, FRONT_DOOR_ID and EVENT_ISSUER", () => {
  it("declares tokenIds partitioned on /id with TTL on and no container-wide expiry", () => {
    const containers = main.variables?.cosmosContainers as ArmObject[];
    expect(containers.find((container) => container.id === "tokenIds")).toEqual({
      id: "tokenIds",
      partitionKey: { paths: ["/id"] },
      defaultTtl: -1,
    });
  });

  it("declares streams partitioned on /trustId, among the containers the app reads and writes", () => {
    const containers = main.variables?.cosmosContainers as ArmObject[];
    expect(containers.find((container) => container.id === "streams")).toEqual({
      id: "streams",
      partitionKey: { paths: ["/trustId"] },
    });
    const scope = moduleScope(moduleNamed(main, "cosmos"), mainScope(main, ciParameters));
    expect(evaluate("[parameters('readOnlyContainerIds')]", scope)).not.toContain("streams");
  });

  it("gives the app the public origin as its SSF issuer, whatever SESSION_ISSUER is", () => {
    const settings = evaluate(
      at(moduleNamed(main, "functionApp").parameters, "appSettings.value"),
      mainScope(main, { ...ciParameters, enableFrontDoor: false }),
    ) as ArmObject;
    expect(String(settings.EVENT_ISSUER)).toMatch(/^https:\/\/[^/]+$/);
  });

  it("tells the app Front Door's id when Front Door is deployed, and nothing otherwise", () => {
    const setting = (enableFrontDoor: boolean) => {
      const settings = evaluate(
        at(moduleNamed(main, "functionApp").parameters, "appSettings.value"),
        mainScope(main, { ...ciParameters, enableFrontDoor }),
      ) as ArmObject;
      return String(settings.FRONT_DOOR_ID);
    };
    expect(setting(true)).toBe("<reference frontDoor.outputs.frontDoorId.value>");
    expect(setting(false)).toBe("");
  });
});

describe("hygiene", () => {
  const BOUNDS = ["minLength", "maxLength", "minValue", "maxValue", "allowedValues"];

  it("bounds every top-level parameter a module bounds, at least as tightly", () => {
    const looser: string[] = [];
    for (const module of modulesOf(main).filter((candidate) => candidate.name !== "main")) {
      for (const [name, definition] of Object.entries(module.template.parameters ?? {})) {
        const passed = String(at(module.parameters, `${name}.value`));
        const top = passed.match(/^\[parameters\('(\w+)'\)\]$/)?.[1];
        if (top === undefined) continue;
        const mine = main.parameters?.[top] ?? {};
        for (const bound of BOUNDS.filter((candidate) => definition[candidate] !== undefined)) {
          const theirs = definition[bound];
          const ours = mine[bound];
          const ok =
            ours !== undefined &&
            (bound === "allowedValues"
              ? (ours as ArmValue[]).every((value) => (theirs as ArmValue[]).includes(value))
              : bound.startsWith("min")
                ? Number(ours) >= Number(theirs)
                : Number(ours) <= Number(theirs));
          if (!ok)
            looser.push(`${top} (${module.name}.${name}) ${bound}: ${String(ours)} vs ${String(theirs)}`);
        }
      }
    }
    expect(looser).toEqual([]);
  });

  it("caps Log Analytics' daily ingestion by a parameter", () => {
    expect(main.parameters?.logDailyCapGb).toMatchObject({ type: "int", minValue: -1 });
    expect(
      deployed(
        { ...ciParameters, logDailyCapGb: 7 },
        "Microsoft.OperationalInsights/workspaces",
        "properties.workspaceCapping",
      ),
    ).toEqual([{ dailyQuotaGb: 7 }]);
    expect(build.productionParameters.logDailyCapGb).toBeGreaterThan(0);
  });

  it("tags every resource with azd-env-name from the environment name, which no tag given can override", () => {
    const parameters = { ...ciParameters, tags: { "azd-env-name": "other", environment: "dev" } };
    const untagged: string[] = [];
    for (const { resource, scope } of evaluated(parameters)) {
      if (resource.tags === undefined) continue;
      const tags = evaluate(resource.tags, scope) as Record<string, string>;
      if (tags["azd-env-name"] !== "Dev_1") untagged.push(`${resource.module.name}/${resource.symbol}`);
    }
    expect(untagged).toEqual([]);
    // Neither parameter file fixes an environment of its own in the tags.
    for (const file of [build.devParameters, build.productionParameters]) {
      expect(Object.keys(file.tags as object)).not.toContain("environment");
    }
  });

  // API versions older than two years, each because no newer one has what the template uses.
  const OLDER_ALLOWED: Record<string, { version: string; why: string }> = {
    "Microsoft.Insights/diagnosticSettings": {
      version: "2021-05-01-preview",
      why: "the newest with category groups (allLogs); the only GA version, 2016-09-01, is older",
    },
    "Microsoft.Authorization/roleAssignments": { version: "2022-04-01", why: "the newest GA version" },
    "Microsoft.Insights/components": { version: "2020-02-02", why: "the newest GA version" },
    "Microsoft.Insights/actionGroups": { version: "2023-01-01", why: "the newest GA version" },
    "Microsoft.Network/privateDnsZones": { version: "2024-06-01", why: "the newest version" },
    "Microsoft.Network/privateDnsZones/virtualNetworkLinks": {
      version: "2024-06-01",
      why: "the newest version",
    },
    "Microsoft.ManagedIdentity/userAssignedIdentities": {
      version: "2024-11-30",
      why: "the newest GA version",
    },
  };

  it("uses no API version older than two years, but for the listed exceptions", () => {
    const twoYearsAgo = new Date();
    twoYearsAgo.setUTCFullYear(twoYearsAgo.getUTCFullYear() - 2);
    const old = allResources(main)
      .filter((resource) => resource.type !== "Microsoft.Resources/deployments")
      .map((resource) => ({ type: resource.type, version: String(resource.apiVersion) }))
      .filter(({ version }) => new Date(`${version.slice(0, 10)}T00:00:00Z`) < twoYearsAgo)
      .filter(({ type, version }) => OLDER_ALLOWED[type]?.version !== version)
      .map(({ type, version }) => `${type}@${version}`);
    expect([...new Set(old)]).toEqual([]);
  });
});

describe("reading the build CI made", () => {
  let root: string | undefined;
  afterEach(() => {
    if (root) rmSync(root, { recursive: true, force: true });
    root = undefined;
  });

  /** A checkout with one source of each kind, all changed at `sources`, and a build made at `built`. */
  function checkout(sources: Date, built: Date) {
    root = mkdtempSync(join(tmpdir(), "infra-fresh-"));
    const files = [
      "infra/main.bicep",
      "infra/modules/a.bicep",
      "scripts/infra-build.mjs",
      "local/servicebus/Config.json",
    ];
    for (const file of files) {
      mkdirSync(join(root, file, ".."), { recursive: true });
      writeFileSync(join(root, file), "");
    }
    for (const path of ["infra/modules", "infra", ...files]) utimesSync(join(root, path), sources, sources);
    const out = join(root, "dist", "infra");
    mkdirSync(out, { recursive: true });
    for (const file of [
      "main.json",
      "main.parameters.json",
      "main.production.parameters.json",
      "build.log",
    ]) {
      writeFileSync(join(out, file), "");
      utimesSync(join(out, file), built, built);
    }
    return { root, out };
  }
  const now = () => new Date();
  const minutesAgo = (minutes: number) => new Date(now().getTime() - minutes * 60_000);

  it("uses a build newer than every source", () => {
    const { root: dir, out } = checkout(minutesAgo(10), minutesAgo(5));
    expect(isFreshBuild(out, dir)).toBe(true);
  });

  it("builds again when a module, the build script or Config.json changed after the build", () => {
    for (const changed of [
      "infra/modules/a.bicep",
      "scripts/infra-build.mjs",
      "local/servicebus/Config.json",
    ]) {
      const { root: dir, out } = checkout(minutesAgo(10), minutesAgo(5));
      utimesSync(join(dir, changed), minutesAgo(1), minutesAgo(1));
      expect(isFreshBuild(out, dir), changed).toBe(false);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("builds again when an output is missing", () => {
    const { root: dir, out } = checkout(minutesAgo(10), minutesAgo(5));
    rmSync(join(out, "build.log"));
    expect(isFreshBuild(out, dir)).toBe(false);
  });
});
