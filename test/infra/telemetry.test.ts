// Telemetry in Azure: the Functions host exports OpenTelemetry (host.json), and both it and the app's exporter reach
// Application Insights only with the app's Entra ID identity, local authentication being off.
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluate, mainScope, moduleScope } from "./armExpression.js";
import {
  type ArmObject,
  type ArmTemplate,
  type ArmValue,
  allResources,
  at,
  buildInfra,
  moduleNamed,
} from "./armTemplate.js";

let main: ArmTemplate;

beforeAll(async () => {
  main = (await buildInfra()).main;
}, 180_000);

type HostJson = { telemetryMode?: string; logging?: { applicationInsights?: unknown } };

const hostJson = JSON.parse(readFileSync(new URL("../../host.json", import.meta.url), "utf8")) as HostJson;

/** The Function App's settings as a deployment with the default parameters would give them. */
function deployedSettings(): Record<string, ArmValue> {
  const scope = moduleScope(moduleNamed(main, "functionApp"), mainScope(main, { environmentName: "dev" }));
  return evaluate(at(moduleNamed(main, "functionApp").parameters, "appSettings.value"), scope) as Record<
    string,
    ArmValue
  >;
}

describe("host.json", () => {
  it("has the Functions host export its logs and traces with OpenTelemetry", () => {
    expect(hostJson.telemetryMode).toBe("OpenTelemetry");
  });

  it("keeps no Application Insights SDK settings, which the host ignores in OpenTelemetry mode", () => {
    expect(hostJson.logging).not.toHaveProperty("applicationInsights");
  });
});

describe("Application Insights", () => {
  it("accepts telemetry only with an Entra ID token: local authentication is off", () => {
    const components = allResources(main).filter(
      (resource) => resource.type === "Microsoft.Insights/components",
    );
    expect(components.map((component) => at(component, "properties.DisableLocalAuth"))).toEqual([true]);
  });

  it("is given the app's identity as Monitoring Metrics Publisher, the role Entra-authenticated ingestion needs", () => {
    const roles = at(moduleNamed(main, "appInsights").parameters, "roleAssignments.value") as ArmObject[];
    expect(roles).toEqual([
      {
        principalId: "[reference('identity').outputs.principalId.value]",
        principalType: "ServicePrincipal",
        roleDefinitionId: "[variables('builtInRoles').monitoringMetricsPublisher]",
      },
    ]);
    expect(at(main.variables, "builtInRoles")).toMatchObject({
      monitoringMetricsPublisher: "3913510d-42f4-4e42-8a64-420c390055eb",
    });
  });

  it("is reached with the app's user-assigned identity: the host by APPLICATIONINSIGHTS_AUTHENTICATION_STRING, the app's exporter by AZURE_CLIENT_ID", () => {
    const settings = deployedSettings();
    expect(String(settings.APPLICATIONINSIGHTS_CONNECTION_STRING)).toBe(
      "<reference appInsights.outputs.connectionString.value>",
    );
    const clientId = "<reference identity.outputs.clientId.value>";
    // What the host's OpenTelemetry exporter parses to pick the managed identity it asks for a token.
    expect(settings.APPLICATIONINSIGHTS_AUTHENTICATION_STRING).toBe(`ClientId=${clientId};Authorization=AAD`);
    expect(String(settings.AZURE_CLIENT_ID)).toBe(clientId);
    // An instrumentation key would be the local authentication that is off.
    expect(Object.keys(settings)).not.toContain("APPINSIGHTS_INSTRUMENTATIONKEY");
  });
});
