// The infrastructure as compiled ARM JSON: it builds and lints cleanly, declares the same Service Bus entities and
// Cosmos DB containers as the local set-up, keeps the security posture the service depends on, and keeps claim
// values off the broker (payloads in their own blob container, which only the app may use).
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { functions } from "../../functions/index.js";
import { receiveSettings, sendSettings } from "../../local/servicebus/broker/settings.js";
import { parseDuration } from "../../local/servicebus/config/duration.js";
import type { EmulatorConfig } from "../../local/servicebus/config/schema.js";
import { CONTAINERS } from "../../src/adapters/cosmos/containers.js";
import { ConfigError, loadConfig } from "../../src/config.js";
import {
  type ArmModule,
  type ArmObject,
  type ArmTemplate,
  type ArmValue,
  allResources,
  at,
  type Build,
  buildInfra,
  moduleNamed,
  modulesOf,
  resourcesOf,
  roleGuid,
  scopeType,
} from "./armTemplate.js";

let build: Build;
let main: ArmTemplate;

beforeAll(async () => {
  build = await buildInfra();
  main = build.main;
}, 180_000);

const emulatorConfig = JSON.parse(
  readFileSync(new URL("../../local/servicebus/Config.json", import.meta.url), "utf8"),
) as EmulatorConfig;
const namespace = emulatorConfig.UserConfig.Namespaces[0];

const ROLES: Record<string, string> = {
  "00000000-0000-0000-0000-000000000001": "Cosmos DB Built-in Data Reader",
  "00000000-0000-0000-0000-000000000002": "Cosmos DB Built-in Data Contributor",
  "3913510d-42f4-4e42-8a64-420c390055eb": "Monitoring Metrics Publisher",
  "12338af0-0e69-4776-bea7-57ae8d297424": "Key Vault Crypto User",
  "73c42c96-874c-492b-b04d-ab87d138a893": "Log Analytics Reader",
  "14b46e9e-c2b7-41b4-b07b-48a6ebf60603": "Key Vault Crypto Officer",
  "4633458b-17de-408a-b874-0445c86b69e6": "Key Vault Secrets User",
  "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0": "Azure Service Bus Data Receiver",
  "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39": "Azure Service Bus Data Sender",
  "b7e6dc6d-f1e8-4753-8033-0f276bb0955b": "Storage Blob Data Owner",
  "ba92f5b4-2d11-453d-a403-e96b0029c9fe": "Storage Blob Data Contributor",
  "b86a8fe4-44ce-4948-aee5-eccb2c155cd7": "Key Vault Secrets Officer",
};

/** One { principalId, principalType, roleDefinitionId } of a list main writes as an expression. */
const ROLE_ELEMENT =
  /createObject\('principalId', (.*?), 'principalType', .*?, 'roleDefinitionId', variables\('builtInRoles'\)\.(\w+)\)/g;

/** A custom Cosmos DB data role, by the label its module names it with: guid(account, '<label>'). */
const customRole = (expression: string) =>
  expression.match(/sqlRoleDefinitions', parameters\('name'\), guid\(.*, '([^']+)'\)\)\]$/)?.[1];

const appSettings = () => at(moduleNamed(main, "functionApp").parameters, "appSettings.value") as ArmObject;

const PAYLOAD_CONTAINER = "share-payloads";
const CONTAINER_TYPE = "Microsoft.Storage/storageAccounts/blobServices/containers";
const isAppPrincipal = (expression: string) =>
  expression.includes("reference('identity').outputs.principalId");
const isOperatorPrincipal = (expression: string) => expression === "[parameters('operatorPrincipalId')]";

type Assignment = ReturnType<typeof allResources>[number];

/**
 * Whom a role assignment grants which role (a GUID): the principal as main's expression, through the module
 * parameter its principalId reads, whether one value or a list the assignment loops over; the role as the module
 * fixes it or as each element of that list names it. Anything else comes back as it is written, so that it
 * matches neither the app's identity nor the operator's.
 */
function grantsOf(assignment: Assignment): { principal: string; role: string | undefined }[] {
  const expression = String(at(assignment, "properties.principalId"));
  const fixedRole = roleGuid(
    String(at(assignment, "properties.roleDefinitionId")),
    assignment.module.template,
  );
  const read = expression.match(/^\[parameters\('(\w+)'\)(\[copyIndex\(\)\](\.principalId)?)?\]$/);
  if (!read?.[1]) return [{ principal: expression, role: fixedRole }];
  const passed = at(assignment.module.parameters, `${read[1]}.value`);
  // A parameter built by a loop in main (a copy, not a value) is not followed: it counts as no one known.
  const unresolved = `${read[1]} as main passes it: ${JSON.stringify(assignment.module.parameters[read[1]])}`;
  if (read[2] === undefined) {
    return [{ principal: typeof passed === "string" ? passed : unresolved, role: fixedRole }];
  }
  if (!Array.isArray(passed)) return [{ principal: unresolved, role: fixedRole }];
  return passed.map((element) => ({
    principal: String(read[3] === undefined ? element : at(element, "principalId")),
    role: fixedRole ?? roleGuid(String(at(element, "roleDefinitionId")), main),
  }));
}

const isRoleAssignment = (resource: Assignment) =>
  resource.type === "Microsoft.Authorization/roleAssignments";

/** A value main passes a module, when it is a literal, a variable of main or a parameter's default. */
function mainString(value: ArmValue): string | undefined {
  if (typeof value !== "string") return undefined;
  if (!value.startsWith("[")) return value;
  const variable = value.match(/^\[variables\('(\w+)'\)\]$/)?.[1];
  const parameter = value.match(/^\[parameters\('(\w+)'\)\]$/)?.[1];
  const found =
    variable !== undefined
      ? main.variables?.[variable]
      : parameter !== undefined
        ? main.parameters?.[parameter]?.defaultValue
        : undefined;
  return typeof found === "string" ? found : undefined;
}

/**
 * What a string of a module evaluates to, as far as main fixes it: literals, the module's parameters (as
 * mainString reads them) and format() over them. Undefined when it depends on the deployment.
 */
function moduleString(module: ArmModule, expression: string): string | undefined {
  const argument = (text: string): string | undefined => {
    const literal = text.match(/^'([^']*)'$/)?.[1];
    if (literal !== undefined) return literal;
    const parameter = text.match(/^parameters\('(\w+)'\)$/)?.[1];
    return parameter === undefined ? undefined : mainString(at(module.parameters, `${parameter}.value`));
  };
  if (!expression.startsWith("[")) return expression;
  const inner = expression.slice(1, -1);
  const formatted = inner.match(/^format\('([^']*)', (.+)\)$/);
  if (!formatted) return argument(inner);
  const values = (formatted[2] ?? "").split(", ").map(argument);
  if (values.some((value) => value === undefined)) return undefined;
  return (formatted[1] ?? "").replace(/\{(\d+)\}/g, (_, index: string) => values[Number(index)] ?? "");
}

/**
 * The names a child resource (or a resourceId() scope) can have: the last segment of its id, one name, or each
 * name of a list parameter it loops over.
 */
function childNames(module: ArmModule, expression: string | undefined): (string | undefined)[] {
  const last = expression?.match(/, (parameters\('(\w+)'\)(\[copyIndex\(\)\])?|'[^']*')\)\]$/);
  if (!last?.[1]) return [undefined];
  if (last[3] === undefined) return [moduleString(module, `[${last[1]}]`)];
  const passed = at(module.parameters, `${last[2]}.value`);
  return Array.isArray(passed) ? passed.map(mainString) : [undefined];
}

describe("bicep build and lint", () => {
  it("compile main.bicep, its modules and main.bicepparam with no warning or error", () => {
    expect(build.output).toContain("main.json");
    expect(build.output).not.toMatch(/\b(Warning|Error)\b/);
  });
});

describe("Service Bus entities follow local/servicebus/Config.json", () => {
  const serviceBus = () => moduleNamed(main, "serviceBus");
  const entityResource = (type: string) => {
    const found = resourcesOf(serviceBus().template).find((resource) => resource.type === type);
    if (!found) throw new Error(`no ${type} in the Service Bus module`);
    return found;
  };

  it("carries the emulator's namespace exactly as Config.json has it, and passes it to the Service Bus module", () => {
    const loaded = String(main.variables?.serviceBusEntities).match(
      /^\[variables\('([^']+)'\)\.UserConfig\.Namespaces\[0\]\]$/,
    )?.[1];
    expect(loaded).toBeDefined();
    expect(main.variables?.[loaded ?? ""]).toEqual(emulatorConfig);
    expect(at(serviceBus().parameters, "entities.value")).toBe("[variables('serviceBusEntities')]");
  });

  it.each([
    ["Microsoft.ServiceBus/namespaces/queues", "queues"],
    ["Microsoft.ServiceBus/namespaces/topics", "topics"],
    ["Microsoft.ServiceBus/namespaces/topics/subscriptions", "subscriptions"],
    ["Microsoft.ServiceBus/namespaces/topics/subscriptions/rules", "rules"],
  ])("declares one %s for every entry of Config.json, named and configured from it", (type, list) => {
    const resource = entityResource(type);
    expect(resource.copy?.count).toBe(`[length(variables('${list}'))]`);
    expect(resource.name).toContain(`variables('${list}')[copyIndex()].Name`);
    expect(JSON.stringify(resource.properties ?? resource)).toContain(`variables('${list}')[copyIndex()]`);
    // Every list is derived from the entities parameter (rules through subscriptions, subscriptions through topics).
    const derivation = String(serviceBus().template.variables?.[list]);
    expect(derivation).toMatch(/parameters\('entities'\)|variables\('(topics|subscriptions)'\)/);
  });

  // The ARM property names of each entity (Microsoft.ServiceBus 2024-01-01); Config.json's names are the same
  // with a capital first letter, which is how the module maps them.
  const ARM_PROPERTIES = {
    queue: [
      "deadLetteringOnMessageExpiration",
      "defaultMessageTimeToLive",
      "duplicateDetectionHistoryTimeWindow",
      "forwardDeadLetteredMessagesTo",
      "forwardTo",
      "lockDuration",
      "maxDeliveryCount",
      "requiresDuplicateDetection",
      "requiresSession",
    ],
    topic: ["defaultMessageTimeToLive", "duplicateDetectionHistoryTimeWindow", "requiresDuplicateDetection"],
    subscription: [
      "deadLetteringOnMessageExpiration",
      "defaultMessageTimeToLive",
      "forwardDeadLetteredMessagesTo",
      "forwardTo",
      "lockDuration",
      "maxDeliveryCount",
      "requiresSession",
    ],
    correlationFilter: [
      "contentType",
      "correlationId",
      "label",
      "messageId",
      "properties",
      "replyTo",
      "replyToSessionId",
      "sessionId",
      "to",
    ],
  };
  const armName = (name: string) => `${name.slice(0, 1).toLowerCase()}${name.slice(1)}`;

  it("maps every property Config.json uses to a Service Bus ARM property", () => {
    const unmapped: string[] = [];
    const check = (kind: keyof typeof ARM_PROPERTIES, where: string, properties: object | undefined) => {
      for (const key of Object.keys(properties ?? {})) {
        if (!ARM_PROPERTIES[kind].includes(armName(key))) unmapped.push(`${where}: ${key}`);
      }
    };
    for (const queue of namespace?.Queues ?? []) check("queue", queue.Name, queue.Properties);
    for (const topic of namespace?.Topics ?? []) {
      check("topic", topic.Name, topic.Properties);
      for (const subscription of topic.Subscriptions ?? []) {
        check("subscription", `${topic.Name}/${subscription.Name}`, subscription.Properties);
        for (const rule of subscription.Rules ?? []) {
          check(
            "correlationFilter",
            `${topic.Name}/${subscription.Name}/${rule.Name}`,
            rule.Properties.CorrelationFilter,
          );
        }
      }
    }
    expect(unmapped).toEqual([]);
  });

  it("fills in what Config.json leaves out with the same defaults as the local emulator", () => {
    const variables = serviceBus().template.variables ?? {};
    const received = receiveSettings({ Name: "q" });
    const sent = sendSettings({ Name: "t", Properties: { RequiresDuplicateDetection: true } });
    for (const name of ["queueDefaults", "subscriptionDefaults"]) {
      const defaults = variables[name] as Record<string, string | number>;
      expect(defaults.maxDeliveryCount).toBe(received.maxDeliveryCount);
      expect(parseDuration(String(defaults.lockDuration))).toBe(received.lockDurationMs);
      expect(parseDuration(String(defaults.defaultMessageTimeToLive))).toBe(received.defaultTtlMs);
    }
    for (const name of ["queueDefaults", "topicDefaults"]) {
      const defaults = variables[name] as Record<string, string>;
      expect(parseDuration(String(defaults.duplicateDetectionHistoryTimeWindow))).toBe(
        sent.duplicateWindowMs,
      );
      expect(parseDuration(String(defaults.defaultMessageTimeToLive))).toBe(sent.defaultTtlMs);
    }
  });

  it("declares no subscription of a trust's own, and no subscription or rule but those Config.json names", () => {
    const subscriptions = (namespace?.Topics ?? []).flatMap((topic) => topic.Subscriptions ?? []);
    expect(
      subscriptions.map((subscription) => subscription.Name).filter((name) => /^trust-/.test(name)),
    ).toEqual([]);
    // A subscription without rules of its own keeps Azure's $Default rule, which takes every event; a rule on a
    // trust's id would be a trust's own feed.
    const rules = subscriptions.flatMap((subscription) => subscription.Rules ?? []);
    expect(rules.filter((rule) => JSON.stringify(rule).includes("trustId"))).toEqual([]);
    for (const [type, list] of [
      ["Microsoft.ServiceBus/namespaces/topics/subscriptions", "subscriptions"],
      ["Microsoft.ServiceBus/namespaces/topics/subscriptions/rules", "rules"],
    ]) {
      const declared = allResources(main).filter((resource) => resource.type === type);
      expect(declared.map((resource) => `${resource.module.name}: ${resource.copy?.count}`)).toEqual([
        `serviceBus: [length(variables('${list}'))]`,
      ]);
    }
  });

  it("has every queue, topic and subscription a function triggers on, and not a trust's own subscription", () => {
    const queues = new Set((namespace?.Queues ?? []).map((queue) => queue.Name));
    const subscriptions = new Set(
      (namespace?.Topics ?? []).flatMap((topic) =>
        (topic.Subscriptions ?? []).map((s) => `${topic.Name}/${s.Name}`),
      ),
    );
    for (const fn of functions) {
      if (fn.kind === "serviceBusQueue") expect(queues, fn.name).toContain(fn.options.queueName);
      if (fn.kind === "serviceBusTopic") {
        expect(subscriptions, fn.name).toContain(`${fn.options.topicName}/${fn.options.subscriptionName}`);
        expect(fn.options.subscriptionName, fn.name).not.toMatch(/^trust-/);
      }
    }
  });
});

describe("Cosmos DB containers follow src/adapters/cosmos/containers.ts", () => {
  // In any order: the two lists are written apart.
  const byId = (list: unknown) =>
    [...(list as { id: string }[])].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

  it("declares the database's containers with the same ids, partition keys, TTL and indexing", () => {
    expect(byId(main.variables?.cosmosContainers)).toEqual(byId(JSON.parse(JSON.stringify(CONTAINERS))));
    const cosmos = moduleNamed(main, "cosmos");
    expect(at(cosmos.parameters, "containers.value")).toBe("[variables('cosmosContainers')]");
    const containers = resourcesOf(cosmos.template).find(
      (resource) => resource.type === "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers",
    );
    expect(containers?.copy?.count).toBe("[length(parameters('containers'))]");
    const resource = JSON.stringify(containers?.properties);
    for (const property of ["partitionKey.paths", "defaultTtl", "indexingPolicy"]) {
      expect(resource).toContain(property.split(".")[0]);
    }
  });
});

describe("security posture", () => {
  // What each resource type must say, checked on every resource of that type.
  const POSTURE: Record<string, Record<string, unknown>> = {
    "Microsoft.DocumentDB/databaseAccounts": {
      "properties.disableLocalAuth": true,
      "properties.disableKeyBasedMetadataWriteAccess": true,
      "properties.minimalTlsVersion": "Tls12",
    },
    "Microsoft.ServiceBus/namespaces": {
      "properties.disableLocalAuth": true,
      "properties.minimumTlsVersion": "1.2",
    },
    "Microsoft.Storage/storageAccounts": {
      "properties.allowSharedKeyAccess": false,
      "properties.allowBlobPublicAccess": false,
      "properties.minimumTlsVersion": "TLS1_2",
      "properties.supportsHttpsTrafficOnly": true,
    },
    "Microsoft.KeyVault/vaults": {
      "properties.enableRbacAuthorization": true,
      "properties.enableSoftDelete": true,
      "properties.enablePurgeProtection": true,
    },
    "Microsoft.Web/sites": {
      "properties.httpsOnly": true,
      "properties.siteConfig.minTlsVersion": "1.2",
      "properties.siteConfig.scmMinTlsVersion": "1.2",
      "properties.siteConfig.ftpsState": "Disabled",
      "properties.functionAppConfig.runtime.name": "node",
      "properties.functionAppConfig.runtime.version": "22",
    },
    "Microsoft.Web/sites/basicPublishingCredentialsPolicies": { "properties.allow": false },
    "Microsoft.Insights/components": { "properties.DisableLocalAuth": true },
    "Microsoft.OperationalInsights/workspaces": { "properties.features.disableLocalAuth": true },
    "Microsoft.Cdn/profiles/afdEndpoints/routes": {
      "properties.forwardingProtocol": "HttpsOnly",
      "properties.httpsRedirect": "Enabled",
    },
  };

  it.each(Object.entries(POSTURE))(
    "%s: local auth off, TLS 1.2 and HTTPS where the resource has them",
    (type, rules) => {
      const resources = allResources(main).filter((resource) => resource.type === type);
      expect(resources.length, type).toBeGreaterThan(0);
      for (const resource of resources) {
        for (const [path, expected] of Object.entries(rules)) {
          expect(at(resource, path), `${resource.symbol} ${path}`).toEqual(expected);
        }
      }
    },
  );

  it("turns off both FTP and basic-auth SCM publishing on the Function App", () => {
    const names = allResources(main)
      .filter((resource) => resource.type === "Microsoft.Web/sites/basicPublishingCredentialsPolicies")
      .map((resource) => resource.name);
    expect(names).toEqual(
      expect.arrayContaining([expect.stringContaining("'ftp'"), expect.stringContaining("'scm'")]),
    );
  });

  it("never lists keys, connection strings or secrets anywhere in the template", () => {
    const text = JSON.stringify(main);
    expect(text).not.toMatch(/list(Keys|ConnectionStrings|Secrets|AccountSas|ServiceSas|Credentials)\s*\(/i);
    expect(text).not.toMatch(/AccountKey=|SharedAccessKey=|primaryKey|secondaryKey|masterKey/i);
    // The signing key is created by operators, never by the template.
    const secrets = allResources(main).filter(
      (resource) => resource.type === "Microsoft.KeyVault/vaults/secrets",
    );
    expect(secrets).toEqual([]);
  });

  it("puts no key, secret or connection string in an output", () => {
    for (const module of modulesOf(main)) {
      for (const [name, output] of Object.entries(module.template.outputs ?? {})) {
        // Application Insights' connection string is an address: its local auth is off (checked above), so
        // sending telemetry also needs an Entra ID token.
        if (module.name === "appInsights" && name === "connectionString") continue;
        // An items() entry's key (the name of a DNS zone) is no key.
        const value = JSON.stringify(output.value)
          .replace(/signingKeyName|openid4vpKeyName|keyVault|vaultUri/gi, "")
          .replace(/lambdaVariables\('\w+'\)\.key/g, "");
        expect(value, `${module.name} output ${name}`).not.toMatch(/key|secret|password|connectionString/i);
      }
    }
  });

  it("gives the Function App identity-based settings only", () => {
    const settings = appSettings();
    for (const [name, value] of Object.entries(settings)) {
      const text = String(value).replace("outputs.signingKeyName", "");
      expect(text, name).not.toMatch(/list\w*\(|AccountKey|SharedAccessKey|secret/i);
      if (name !== "APPLICATIONINSIGHTS_CONNECTION_STRING") {
        expect(name).not.toMatch(/SECRET$|PASSWORD|_KEY$|ConnectionString$|CONNECTION_STRING$/);
      }
    }
    expect(settings).toMatchObject({
      AzureWebJobsStorage__credential: "managedidentity",
      ServiceBusConnection__credential: "managedidentity",
      VERIFIEDID_CREDENTIAL: "managed-identity",
      SIGNING_KEYS: "key-vault",
    });
    expect(settings.APPLICATIONINSIGHTS_AUTHENTICATION_STRING).toContain("Authorization=AAD");
    // Flex Consumption takes the runtime from functionAppConfig; these settings are refused there.
    for (const deprecated of [
      "FUNCTIONS_WORKER_RUNTIME",
      "FUNCTIONS_EXTENSION_VERSION",
      "WEBSITE_RUN_FROM_PACKAGE",
    ]) {
      expect(settings).not.toHaveProperty(deprecated);
    }
  });

  it("never applies CORS to every origin", () => {
    const site = allResources(main).find((resource) => resource.type === "Microsoft.Web/sites");
    expect(at(site, "properties.siteConfig.cors.allowedOrigins")).toMatch(
      /^\[filter\(parameters\('corsAllowedOrigins'\), lambda\('origin', not\(equals\(lambdaVariables\('origin'\), '\*'\)\)\)\)\]$/,
    );
    expect(build.devParameters.corsAllowedOrigins).not.toContain("*");
  });

  it("keeps Front Door off unless asked, and then admits only that profile's traffic", () => {
    expect(main.parameters?.enableFrontDoor?.defaultValue).toBe(false);
    const site = allResources(main).find((resource) => resource.type === "Microsoft.Web/sites");
    expect(JSON.stringify(at(site, "properties.siteConfig.ipSecurityRestrictions"))).toContain(
      "x-azure-fdid",
    );
    expect(at(site, "properties.siteConfig.ipSecurityRestrictionsDefaultAction")).toBe(
      "[if(empty(parameters('frontDoorId')), 'Allow', 'Deny')]",
    );
    const waf = allResources(main).find(
      (resource) => resource.type === "Microsoft.Network/FrontDoorWebApplicationFirewallPolicies",
    );
    const rules = at(waf, "properties.customRules.rules") as ArmObject[];
    const loginRule = rules.find((rule) => JSON.stringify(rule.matchConditions).includes("/api/logins"));
    expect(loginRule).toMatchObject({ ruleType: "RateLimitRule", action: "Block" });
    expect(JSON.stringify(loginRule?.matchConditions)).toContain("POST");
  });
});

describe("role assignments", () => {
  const assignments = () =>
    allResources(main).filter(
      (resource) =>
        resource.type === "Microsoft.Authorization/roleAssignments" ||
        resource.type === "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments",
    );

  it("are each scoped to a resource and named guid(scope, principal, role)", () => {
    expect(assignments().length).toBeGreaterThan(0);
    for (const assignment of assignments()) {
      const scope =
        assignment.type === "Microsoft.Authorization/roleAssignments"
          ? assignment.scope
          : String(at(assignment, "properties.scope"));
      const type = scopeType(scope);
      expect(type, `${assignment.module.name}/${assignment.symbol} scope`).toBeDefined();
      expect(type).not.toMatch(/^Microsoft\.Resources\/(resourceGroups|subscriptions)$/);
      const inner = scope?.slice(1, -1) ?? "";
      expect(assignment.name, `${assignment.module.name}/${assignment.symbol} name`).toContain(
        `guid(${inner}, `,
      );
    }
    // Nothing is assigned by main itself, which would scope it to the resource group.
    expect(resourcesOf(main).filter((resource) => resource.type.includes("roleAssignments"))).toEqual([]);
  });

  it("on Service Bus, or anything in it, go to the app's identity alone (or the operator's)", () => {
    const onBroker = assignments().filter(
      (assignment) =>
        assignment.module.name === "serviceBus" ||
        (scopeType(assignment.scope) ?? "").startsWith("Microsoft.ServiceBus/"),
    );
    expect(onBroker.length).toBeGreaterThan(0);
    const others = onBroker.flatMap((assignment) =>
      grantsOf(assignment)
        .map((grant) => grant.principal)
        .filter((principal) => !isAppPrincipal(principal) && !isOperatorPrincipal(principal))
        .map((principal) => `${assignment.module.name}/${assignment.symbol}: ${principal}`),
    );
    expect(others).toEqual([]);
    expect(main.parameters).not.toHaveProperty("trustTopicReaders");
  });

  it("give the app's identity exactly the roles it needs, each on the narrowest resource", () => {
    const isApp = (value: unknown) =>
      (JSON.stringify(value) ?? "").includes("reference('identity').outputs.principalId");
    const held: string[] = [];
    for (const assignment of assignments()) {
      const module = assignment.module;
      const principal = String(at(assignment, "properties.principalId"));
      const role = String(at(assignment, "properties.roleDefinitionId"));
      const scope =
        scopeType(assignment.scope) ?? scopeType(String(at(assignment, "properties.scope"))) ?? "unscoped";
      const where = assignment.condition ? `${scope} (${assignment.condition})` : scope;
      for (const parameter of principal.matchAll(/parameters\('(\w+)'\)/g)) {
        const passed = at(module.parameters, `${parameter[1]}.value`);
        if (Array.isArray(passed)) {
          // A list of { principalId, roleDefinitionId }: the role is the element's unless the module fixes it.
          for (const element of passed.filter((item) => isApp((item as ArmObject).principalId))) {
            const guid =
              roleGuid(role, module.template) ??
              roleGuid(String((element as ArmObject).roleDefinitionId), main) ??
              "unknown role";
            held.push(`${ROLES[guid] ?? guid} on ${where}`);
          }
        } else if (typeof passed === "string" && passed.includes("createObject('principalId'")) {
          // A list main writes as an expression (it names a module's output): each createObject of it.
          for (const element of passed.matchAll(ROLE_ELEMENT)) {
            if (!isApp(element[1])) continue;
            const id = String(at(main.variables?.builtInRoles, element[2] ?? "") ?? "unknown role");
            held.push(`${ROLES[id] ?? id} on ${where}`);
          }
        } else if (isApp(passed)) {
          const guid = roleGuid(role, module.template) ?? customRole(role) ?? "unknown role";
          held.push(`${ROLES[guid] ?? guid} on ${where}`);
        }
      }
    }
    expect(held.sort()).toEqual(
      [
        "Azure Service Bus Data Receiver on Microsoft.ServiceBus/namespaces/queues",
        "Azure Service Bus Data Receiver on Microsoft.ServiceBus/namespaces/topics/subscriptions",
        "Azure Service Bus Data Sender on Microsoft.ServiceBus/namespaces/queues",
        "Azure Service Bus Data Sender on Microsoft.ServiceBus/namespaces/topics",
        // Custom data roles: trusts read only, audit added to and read only, the other containers read and written.
        "read-only containers reader on Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers",
        "append-only containers appender on Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers",
        "application containers writer on Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers",
        // The signing key and the OpenID4VP request key, each on its own.
        "Key Vault Crypto User on Microsoft.KeyVault/vaults/keys",
        "Key Vault Crypto User on Microsoft.KeyVault/vaults/keys",
        "Monitoring Metrics Publisher on Microsoft.Insights/components",
        // Payloads, the deployment package and the host's own containers, each on its container.
        "Storage Blob Data Contributor on Microsoft.Storage/storageAccounts/blobServices/containers",
        "Storage Blob Data Contributor on Microsoft.Storage/storageAccounts/blobServices/containers",
      ].sort(),
    );
  });
});

describe("diagnostic settings", () => {
  // Resource types that have diagnostic settings (logs or metrics), and those that do not, so that a new type
  // in the template needs a decision here.
  const WITH_DIAGNOSTICS = [
    "Microsoft.Cdn/profiles",
    "Microsoft.DocumentDB/databaseAccounts",
    "Microsoft.Insights/components",
    "Microsoft.KeyVault/vaults",
    "Microsoft.OperationalInsights/workspaces",
    "Microsoft.ServiceBus/namespaces",
    "Microsoft.Storage/storageAccounts",
    "Microsoft.Storage/storageAccounts/blobServices",
    "Microsoft.Network/virtualNetworks",
    "Microsoft.Web/serverfarms",
    "Microsoft.Web/sites",
  ];
  const WITHOUT_DIAGNOSTICS = [
    "Microsoft.Authorization/roleAssignments",
    // Front Door's children and its WAF policy log through the profile.
    "Microsoft.Cdn/profiles/afdEndpoints",
    "Microsoft.Cdn/profiles/afdEndpoints/routes",
    "Microsoft.Cdn/profiles/originGroups",
    "Microsoft.Cdn/profiles/originGroups/origins",
    "Microsoft.Cdn/profiles/securityPolicies",
    "Microsoft.Network/FrontDoorWebApplicationFirewallPolicies",
    // Databases, containers and entities log through their account or namespace.
    "Microsoft.DocumentDB/databaseAccounts/sqlDatabases",
    "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers",
    "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments",
    "Microsoft.DocumentDB/databaseAccounts/sqlRoleDefinitions",
    "Microsoft.Insights/diagnosticSettings",
    // Alert rules and action groups: what they fire and send is in the activity log and Azure Monitor's alerts.
    "Microsoft.Insights/actionGroups",
    "Microsoft.Insights/metricAlerts",
    "Microsoft.Insights/scheduledQueryRules",
    // A key's use is logged by its vault.
    "Microsoft.KeyVault/vaults/keys",
    // Private endpoints, their DNS records and the zones carry traffic that the services they reach log.
    "Microsoft.Network/privateDnsZones",
    "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
    "Microsoft.Network/privateEndpoints",
    "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
    "Microsoft.ManagedIdentity/userAssignedIdentities",
    "Microsoft.Resources/deployments",
    "Microsoft.ServiceBus/namespaces/queues",
    "Microsoft.ServiceBus/namespaces/topics",
    "Microsoft.ServiceBus/namespaces/topics/subscriptions",
    "Microsoft.ServiceBus/namespaces/topics/subscriptions/rules",
    "Microsoft.Storage/storageAccounts/blobServices/containers",
    // A lifecycle policy is a setting of its account; its deletions show in the account's blob logs.
    "Microsoft.Storage/storageAccounts/managementPolicies",
    "Microsoft.Web/sites/basicPublishingCredentialsPolicies",
  ];

  it("are decided for every resource type in the template", () => {
    const types = new Set(allResources(main).map((resource) => resource.type));
    const undecided = [...types].filter(
      (type) => !WITH_DIAGNOSTICS.includes(type) && !WITHOUT_DIAGNOSTICS.includes(type),
    );
    expect(undecided).toEqual([]);
  });

  it("send every resource that supports them to the Log Analytics workspace", () => {
    const missing: string[] = [];
    for (const resource of allResources(main).filter((r) => WITH_DIAGNOSTICS.includes(r.type))) {
      const settings = resourcesOf(resource.module.template).filter(
        (candidate) =>
          candidate.type === "Microsoft.Insights/diagnosticSettings" &&
          scopeType(candidate.scope) === resource.type &&
          at(candidate, "properties.workspaceId") !== undefined,
      );
      if (settings.length === 0)
        missing.push(`${resource.module.name}/${resource.symbol} (${resource.type})`);
    }
    expect(missing).toEqual([]);
  });
});

describe("app settings", () => {
  it("name every setting src/config.ts requires in Azure", () => {
    // Literal values as they are; parameters from the dev parameters file or their defaults; anything computed at
    // deployment time (endpoints, ids) as a well-formed stand-in.
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(appSettings())) {
      const text = String(value);
      const parameter = text.match(/^\[(?:string\()?parameters\('(\w+)'\)\)?\]$/)?.[1] ?? "";
      const given = build.devParameters[parameter] ?? main.parameters?.[parameter]?.defaultValue;
      if (!text.startsWith("[")) env[name] = text;
      else if (typeof given === "string" || typeof given === "number") env[name] = String(given);
      else env[name] = "https://computed-at-deployment.example/";
    }
    try {
      loadConfig(env);
    } catch (error) {
      if (error instanceof ConfigError) expect.fail(`Bicep app settings miss or break: ${error.message}`);
      throw error;
    }
  });
});

describe("share event payloads", () => {
  const storage = () => moduleNamed(main, "storage");
  const CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe";

  it("have a share-payloads container with no public access", () => {
    const payloads = allResources(main).filter(
      (resource) =>
        resource.type === CONTAINER_TYPE &&
        childNames(resource.module, resource.name).includes(PAYLOAD_CONTAINER),
    );
    expect(payloads.map((resource) => resource.module.name)).toEqual(["storage"]);
    expect(at(payloads[0], "properties.publicAccess")).toBe("None");
  });

  it("are deleted by the lifecycle policy after the retention parameter's days, whatever the app did", () => {
    const policies = allResources(main).filter(
      (resource) => resource.type === "Microsoft.Storage/storageAccounts/managementPolicies",
    );
    expect(policies.map((policy) => [policy.module.name, childNames(policy.module, policy.name)])).toEqual([
      ["storage", ["default"]],
    ]);
    const rules = (at(policies[0], "properties.policy.rules") ?? []) as ArmObject[];
    const payloadRules = rules.filter((rule) =>
      ((at(rule, "definition.filters.prefixMatch") ?? []) as string[])
        .map((prefix) => moduleString(storage(), prefix))
        .includes(`${PAYLOAD_CONTAINER}/`),
    );
    expect(payloadRules).toHaveLength(1);
    const rule = payloadRules[0];
    expect(rule).toMatchObject({ enabled: true, type: "Lifecycle" });
    expect(at(rule, "definition.filters.blobTypes")).toContain("blockBlob");
    // A blob index filter would let a payload without the tag outlive the retention period.
    expect(at(rule, "definition.filters.blobIndexMatch")).toBeUndefined();
    const deletion = at(rule, "definition.actions.baseBlob.delete") as ArmObject | undefined;
    const days = String(deletion?.daysAfterCreationGreaterThan ?? deletion?.daysAfterModificationGreaterThan);
    const parameter = days.match(/^\[parameters\('(\w+)'\)\]$/)?.[1];
    expect(at(storage().parameters, `${parameter}.value`)).toBe("[parameters('shareEventRetentionDays')]");
    expect(main.parameters?.shareEventRetentionDays).toMatchObject({
      type: "int",
      defaultValue: 30,
      minValue: 1,
    });
  });

  it("are reached by the app's identity with a blob data role scoped to their container, not the account", () => {
    const appBlobRoles = allResources(main)
      .filter(isRoleAssignment)
      .filter((assignment) =>
        grantsOf(assignment).some((grant) => isAppPrincipal(grant.principal) && grant.role === CONTRIBUTOR),
      );
    // Every blob data role of the app is on a container, never the account.
    expect(appBlobRoles.map((assignment) => scopeType(assignment.scope))).toEqual(
      appBlobRoles.map(() => CONTAINER_TYPE),
    );
    const onPayloads = appBlobRoles.filter((assignment) =>
      childNames(assignment.module, assignment.scope).includes(PAYLOAD_CONTAINER),
    );
    expect(onPayloads.map((assignment) => assignment.symbol)).toEqual(["payloadRoles"]);
  });

  it("are found by the app through PAYLOAD_STORAGE_URL, the host's own storage account, kept as long as SHARE_EVENT_RETENTION_DAYS says", () => {
    const settings = appSettings();
    expect(settings.PAYLOAD_STORAGE_URL).toBe("[reference('storage').outputs.blobEndpoint.value]");
    expect(settings.PAYLOAD_STORAGE_URL).toBe(settings.AzureWebJobsStorage__blobServiceUri);
    // The same parameter as the lifecycle rule's, so the app and the policy agree on the retention period.
    expect(settings.SHARE_EVENT_RETENTION_DAYS).toBe("[string(parameters('shareEventRetentionDays'))]");
    // The connection string (with a key) is for Azurite only.
    expect(settings).not.toHaveProperty("PAYLOAD_STORAGE_CONNECTION_STRING");
  });
});
