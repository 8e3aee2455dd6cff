// The alert rules of the compiled template, as a deployment with given parameters would create them: what each
// watches and when it fires, and where it is sent (an existing action group, an e-mail group, or nowhere).
import { beforeAll, describe, expect, it } from "vitest";
import { type DeliveryOutcome, METRIC_NAMES } from "../../src/telemetry/metrics.js";
import { atCopyIndex, evaluate, mainScope, moduleScope } from "./armExpression.js";
import {
  type ArmObject,
  type ArmTemplate,
  type ArmValue,
  allResources,
  at,
  buildInfra,
  buildParameters,
  moduleNamed,
} from "./armTemplate.js";

let main: ArmTemplate;
/** main.bicepparam as built with this environment. */
let devParameters: Record<string, ArmValue>;

beforeAll(async () => {
  const build = await buildInfra();
  main = build.main;
  devParameters = build.devParameters;
}, 180_000);

const ON_CALL =
  "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/ops/providers/Microsoft.Insights/actionGroups/on-call";
const LOG_ANALYTICS_READER = "73c42c96-874c-492b-b04d-ab87d138a893";

const ALERT_TYPES = [
  "Microsoft.Insights/actionGroups",
  "Microsoft.Insights/metricAlerts",
  "Microsoft.Insights/scheduledQueryRules",
];

type Rule = { type: string; name: string; properties: ArmObject; identity: ArmObject | undefined };

/** Every alert rule (each iteration of a loop apart) and action group, evaluated for these parameters of main. */
function deployedAlerts(parameters: Record<string, ArmValue>): { rules: Rule[]; actionGroups: Rule[] } {
  const scope = moduleScope(
    moduleNamed(main, "alerts"),
    mainScope(main, { ...devParameters, ...parameters }),
  );
  const rules: Rule[] = [];
  const actionGroups: Rule[] = [];
  for (const resource of allResources(main)) {
    if (resource.module.name !== "alerts" || !ALERT_TYPES.includes(resource.type)) continue;
    if (resource.condition !== undefined && evaluate(resource.condition, scope) !== true) continue;
    const count = resource.copy ? Number(evaluate(resource.copy.count, scope)) : 1;
    for (let index = 0; index < count; index += 1) {
      const at = resource.copy ? atCopyIndex(scope, index) : scope;
      const deployed = {
        type: resource.type,
        name: String(evaluate(resource.name, at)),
        properties: evaluate(resource.properties, at) as ArmObject,
        identity: evaluate(resource.identity, at) as ArmObject | undefined,
      };
      if (resource.type === "Microsoft.Insights/actionGroups") actionGroups.push(deployed);
      else rules.push(deployed);
    }
  }
  return { rules, actionGroups };
}

const metricRule = (rules: Rule[], metricName: string) =>
  rules.filter(
    (rule) =>
      rule.type === "Microsoft.Insights/metricAlerts" &&
      at(rule.properties, "criteria.allOf.0.metricName") === metricName,
  );

/** The log search rules on one instrument: the query reads AppMetrics rows of that Name. */
const logRule = (rules: Rule[], instrument: string) =>
  rules.filter((rule) => {
    const query = String(at(rule.properties, "criteria.allOf.0.query"));
    return (
      rule.type === "Microsoft.Insights/scheduledQueryRules" &&
      /^AppMetrics\n/.test(query) &&
      query.includes(`| where Name == "${instrument}"`)
    );
  });

const actionGroupsOf = (rule: Rule): ArmValue[] =>
  rule.type === "Microsoft.Insights/metricAlerts"
    ? ((rule.properties.actions ?? []) as ArmObject[]).map((action) => action.actionGroupId)
    : ((at(rule.properties, "actions.actionGroups") ?? []) as ArmValue[]);

describe("alert rules", () => {
  it("are five, each enabled with a severity, an operator's description, an evaluation frequency and a window", () => {
    const { rules } = deployedAlerts({});
    expect(rules).toHaveLength(5);
    for (const rule of rules) {
      expect(rule.properties.enabled, rule.name).toBe(true);
      expect([0, 1, 2, 3, 4], rule.name).toContain(rule.properties.severity);
      expect(String(rule.properties.description).length, rule.name).toBeGreaterThan(80);
      expect(rule.properties.evaluationFrequency, rule.name).toMatch(/^PT\d+[MH]$/);
      expect(rule.properties.windowSize, rule.name).toMatch(/^PT\d+[MH]$/);
    }
    expect(new Set(rules.map((rule) => rule.name)).size).toBe(5);
  });

  it("fire on any dead-lettered message in the Service Bus namespace, per entity", () => {
    const [rule, ...others] = metricRule(deployedAlerts({}).rules, "DeadletteredMessages");
    expect(others).toEqual([]);
    expect(rule?.properties.scopes).toEqual([
      expect.objectContaining({ path: "reference serviceBus.outputs.resourceId.value" }),
    ]);
    expect(at(rule?.properties, "criteria.allOf.0")).toMatchObject({
      metricNamespace: "Microsoft.ServiceBus/namespaces",
      timeAggregation: "Maximum",
      operator: "GreaterThan",
      threshold: 0,
      dimensions: [{ name: "EntityName", operator: "Include", values: ["*"] }],
    });
  });

  it("fire on the Function App's HTTP 5xx count over http5xxAlertThreshold", () => {
    const [rule, ...others] = metricRule(deployedAlerts({ http5xxAlertThreshold: 17 }).rules, "Http5xx");
    expect(others).toEqual([]);
    expect(rule?.properties.scopes).toEqual([
      expect.objectContaining({ path: "reference functionApp.outputs.resourceId.value" }),
    ]);
    expect(at(rule?.properties, "criteria.allOf.0")).toMatchObject({
      metricNamespace: "Microsoft.Web/sites",
      timeAggregation: "Total",
      operator: "GreaterThan",
      threshold: 17,
    });
  });

  it("fire on failed and dead-lettered deliveries over deliveryFailureAlertThreshold, counted from the workspace's AppMetrics", () => {
    const [rule, ...others] = logRule(
      deployedAlerts({ deliveryFailureAlertThreshold: 9 }).rules,
      "staff_passport.deliveries",
    );
    expect(others).toEqual([]);
    expect(String(at(rule?.properties, "criteria.allOf.0.query"))).toContain(
      '| where tostring(Properties.outcome) in ("failed", "dead_lettered")',
    );
    expect(at(rule?.properties, "criteria.allOf.0")).toMatchObject({
      metricMeasureColumn: "Sum",
      timeAggregation: "Total",
      operator: "GreaterThan",
      threshold: 9,
    });
  });

  it("query only metrics the service emits, with label values it records", () => {
    const queries = deployedAlerts({})
      .rules.filter((rule) => rule.type === "Microsoft.Insights/scheduledQueryRules")
      .map((rule) => String(at(rule.properties, "criteria.allOf.0.query")));
    expect(queries).toHaveLength(3);
    const queried = queries.flatMap((query) =>
      [...query.matchAll(/Name == "([^"]+)"/g)].map((match) => match[1]),
    );
    expect(queried.length).toBe(3);
    for (const name of queried) expect(Object.values(METRIC_NAMES)).toContain(name);
    // The outcomes the delivery rule counts are outcomes the delivery use case records.
    const outcomes: DeliveryOutcome[] = ["failed", "dead_lettered"];
    expect(queries.join("\n")).toContain(`in (${outcomes.map((outcome) => `"${outcome}"`).join(", ")})`);
  });

  it("fire when the oldest unacknowledged share event is more than an hour old", () => {
    const [rule, ...others] = logRule(deployedAlerts({}).rules, "staff_passport.events.unacknowledged_age");
    expect(others).toEqual([]);
    expect(at(rule?.properties, "criteria.allOf.0")).toMatchObject({
      metricMeasureColumn: "Max",
      timeAggregation: "Maximum",
      operator: "GreaterThan",
      threshold: 3600,
    });
  });

  it("fire on refused authentications over authRefusedAlertThreshold", () => {
    const [rule, ...others] = logRule(
      deployedAlerts({ authRefusedAlertThreshold: 123 }).rules,
      "staff_passport.auth.refused",
    );
    expect(others).toEqual([]);
    expect(at(rule?.properties, "criteria.allOf.0")).toMatchObject({
      metricMeasureColumn: "Sum",
      timeAggregation: "Total",
      operator: "GreaterThan",
      threshold: 123,
    });
  });

  it("query the Log Analytics workspace as their own identities, each given Log Analytics Reader on that workspace alone", () => {
    const workspace =
      "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/<reference logAnalytics.outputs.name.value>";
    const logRules = deployedAlerts({}).rules.filter(
      (rule) => rule.type === "Microsoft.Insights/scheduledQueryRules",
    );
    expect(logRules).toHaveLength(3);
    for (const rule of logRules) {
      expect(rule.properties.scopes, rule.name).toEqual([workspace]);
      expect(rule.identity, rule.name).toEqual({ type: "SystemAssigned" });
    }
    const readers = allResources(main).filter(
      (resource) =>
        resource.module.name === "alerts" && resource.type === "Microsoft.Authorization/roleAssignments",
    );
    expect(readers).toHaveLength(1);
    const reader = readers[0];
    const scope = moduleScope(moduleNamed(main, "alerts"), mainScope(main, devParameters));
    expect(evaluate(reader?.copy?.count, scope)).toBe(logRules.length);
    expect(evaluate(reader?.scope, scope)).toBe(workspace);
    expect(evaluate(at(reader, "properties.roleDefinitionId"), scope)).toMatch(
      new RegExp(`/roleDefinitions/${LOG_ANALYTICS_READER}$`),
    );
    // Each iteration grants the rule of the same index, by its system-assigned identity.
    expect(at(reader, "properties.principalId")).toMatch(
      /^\[reference\(format\('logAlerts\[\{0\}\]', copyIndex\(\)\), '[^']+', 'full'\)\.identity\.principalId\]$/,
    );
  });
});

describe("where alerts go", () => {
  it("is the action group alertActionGroupId names, for every rule", () => {
    const { rules, actionGroups } = deployedAlerts({ alertActionGroupId: ON_CALL });
    expect(actionGroups).toEqual([]);
    expect(rules.map((rule) => [rule.name, actionGroupsOf(rule)])).toEqual(
      rules.map((rule) => [rule.name, [ON_CALL]]),
    );
  });

  it("is nowhere when neither alertActionGroupId nor alertEmail is set: the rules are still created", () => {
    const { rules, actionGroups } = deployedAlerts({ alertActionGroupId: "", alertEmail: "" });
    expect(actionGroups).toEqual([]);
    expect(rules).toHaveLength(5);
    expect(rules.map((rule) => [rule.name, actionGroupsOf(rule)])).toEqual(
      rules.map((rule) => [rule.name, []]),
    );
  });

  it("is also an e-mail action group of the template's own when alertEmail is set", () => {
    const { rules, actionGroups } = deployedAlerts({
      alertActionGroupId: ON_CALL,
      alertEmail: "staff-passport-ops@nhs.example",
    });
    expect(actionGroups).toHaveLength(1);
    const group = actionGroups[0];
    expect(at(group?.properties, "emailReceivers")).toEqual([
      expect.objectContaining({ emailAddress: "staff-passport-ops@nhs.example", useCommonAlertSchema: true }),
    ]);
    const groupId = `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Insights/actionGroups/${group?.name}`;
    expect(rules.map((rule) => [rule.name, actionGroupsOf(rule)])).toEqual(
      rules.map((rule) => [rule.name, [ON_CALL, groupId]]),
    );
  });

  it("is taken from azd's environment (ALERT_ACTION_GROUP_ID, ALERT_EMAIL) in both parameter files, none unless set", async () => {
    const [set, unset, production] = await Promise.all([
      buildParameters({
        AZURE_ENV_NAME: "dev",
        ALERT_ACTION_GROUP_ID: ON_CALL,
        ALERT_EMAIL: "ops@nhs.example",
      }),
      buildParameters({ AZURE_ENV_NAME: "dev", ALERT_ACTION_GROUP_ID: "", ALERT_EMAIL: "" }),
      buildParameters(
        {
          AZURE_ENV_NAME: "prod",
          VERIFIEDID_AUTHORITY: "did:web:verifier.example",
          PORTAL_ORIGIN: "https://portal.example",
          ALERT_ACTION_GROUP_ID: ON_CALL,
        },
        "infra/main.production.bicepparam",
      ),
    ]);
    expect(set).toMatchObject({ alertActionGroupId: ON_CALL, alertEmail: "ops@nhs.example" });
    expect(unset).toMatchObject({ alertActionGroupId: "", alertEmail: "" });
    expect(production).toMatchObject({ alertActionGroupId: ON_CALL });
    // Three builds of parameter files on a shared machine.
  }, 120_000);
});
