// The Cosmos DB data roles of the compiled template, as a deployment would create them: the app may only add audit
// entries and read them, holds no role over the whole account or database, and still reaches every other container.
import { beforeAll, describe, expect, it } from "vitest";
import { CONTAINERS } from "../../src/adapters/cosmos/containers.js";
import { atCopyIndex, evaluate, mainScope, moduleScope } from "./armExpression.js";
import { type ArmTemplate, type ArmValue, allResources, buildInfra, moduleNamed } from "./armTemplate.js";

let main: ArmTemplate;
let devParameters: Record<string, ArmValue>;

beforeAll(async () => {
  const build = await buildInfra();
  main = build.main;
  devParameters = build.devParameters;
}, 180_000);

const ACTION = "Microsoft.DocumentDB/databaseAccounts";
const CONTAINER_ACTION = `${ACTION}/sqlDatabases/containers`;
const READ_METADATA = `${ACTION}/readMetadata`;
const CREATE = `${CONTAINER_ACTION}/items/create`;
const READ = `${CONTAINER_ACTION}/items/read`;
const REPLACE = `${CONTAINER_ACTION}/items/replace`;
const UPSERT = `${CONTAINER_ACTION}/items/upsert`;
const DELETE = `${CONTAINER_ACTION}/items/delete`;
const QUERY = `${CONTAINER_ACTION}/executeQuery`;
const CHANGE_FEED = `${CONTAINER_ACTION}/readChangeFeed`;

/** The built-in data roles, by their fixed ids, with the actions Microsoft documents for them. */
const BUILT_IN: Record<string, string[]> = {
  "00000000-0000-0000-0000-000000000001": [READ_METADATA, READ, QUERY, CHANGE_FEED],
  "00000000-0000-0000-0000-000000000002": [
    READ_METADATA,
    `${CONTAINER_ACTION}/*`,
    `${CONTAINER_ACTION}/items/*`,
  ],
};

const OPERATOR = "operator-object-id";
/** How the evaluator shows the app's identity, which only the deployment knows. */
const isApp = (principal: string) => principal.includes("reference identity.outputs.principalId");

type Role = { id: string; name: string; dataActions: string[]; assignableScopes: string[] };
type Grant = { principal: string; roleId: string; scope: string };

/**
 * Every Cosmos DB data role definition and assignment of the deployment with these parameters of main (each
 * iteration of a loop apart), and the account's and the database's ids, as Azure would be asked for them.
 */
function deployed(parameters: Record<string, ArmValue>) {
  const mainParameters = mainScope(main, { ...devParameters, ...parameters });
  const cosmosScope = moduleScope(moduleNamed(main, "cosmos"), mainParameters);
  const accountId = String(
    evaluate("[resourceId('Microsoft.DocumentDB/databaseAccounts', parameters('name'))]", cosmosScope),
  );
  const databaseId = `${accountId}/dbs/${String(evaluate("[parameters('databaseName')]", cosmosScope))}`;
  const roles: Role[] = [];
  const grants: Grant[] = [];
  for (const resource of allResources(main)) {
    const isDefinition = resource.type === `${ACTION}/sqlRoleDefinitions`;
    if (!isDefinition && resource.type !== `${ACTION}/sqlRoleAssignments`) continue;
    const scope = moduleScope(resource.module, mainParameters);
    if (resource.condition !== undefined && evaluate(resource.condition, scope) !== true) continue;
    const count = resource.copy ? Number(evaluate(resource.copy.count, scope)) : 1;
    for (let index = 0; index < count; index += 1) {
      const at = resource.copy ? atCopyIndex(scope, index) : scope;
      const properties = evaluate(resource.properties, at) as Record<string, unknown>;
      if (isDefinition) {
        // Its name is "<account>/<id>"; assignments name it by resource id.
        const [account, id] = String(evaluate(resource.name, at)).split("/");
        roles.push({
          id: String(
            evaluate(
              `[resourceId('${ACTION}/sqlRoleDefinitions', '${String(account)}', '${String(id)}')]`,
              at,
            ),
          ),
          name: String(properties.roleName),
          dataActions: (properties.permissions as { dataActions: string[] }[]).flatMap((p) => p.dataActions),
          assignableScopes: properties.assignableScopes as string[],
        });
      } else {
        grants.push({
          principal: String(properties.principalId),
          roleId: String(properties.roleDefinitionId),
          scope: String(properties.scope),
        });
      }
    }
  }
  /** The data actions a role id allows: a custom role of the template's, or a built-in one. */
  const actionsOf = (roleId: string): string[] => {
    const custom = roles.find((role) => role.id === roleId);
    if (custom) return custom.dataActions;
    const builtIn = Object.entries(BUILT_IN).find(([guid]) => roleId.endsWith(guid));
    if (!builtIn)
      throw new Error(`an assignment names role ${roleId}, which is neither declared nor built in`);
    return builtIn[1];
  };
  const containerScope = (id: string) => `${databaseId}/colls/${id}`;
  return { accountId, databaseId, roles, grants, actionsOf, containerScope };
}

/** Whether a list of data actions allows one action, itself or through a wildcard ("…/items/*"). */
const allows = (actions: string[], action: string) =>
  actions.some(
    (granted) => granted === action || (granted.endsWith("/*") && action.startsWith(granted.slice(0, -1))),
  );

// With and without an operator: the operator's own roles must not change what the app holds.
const DEPLOYMENTS: [string, Record<string, ArmValue>][] = [
  ["without an operator", { operatorPrincipalId: "" }],
  ["with an operator", { operatorPrincipalId: OPERATOR, operatorPrincipalType: "User" }],
];

describe.each(DEPLOYMENTS)("Cosmos DB data roles, %s", (_, parameters) => {
  it("give the app a custom role on the audit container that may only create, read, query, read the change feed and read metadata", () => {
    const { grants, roles, containerScope } = deployed(parameters);
    const onAudit = grants.filter(
      (grant) => isApp(grant.principal) && grant.scope === containerScope("audit"),
    );
    expect(onAudit).toHaveLength(1);
    const role = roles.find((candidate) => candidate.id === onAudit[0]?.roleId);
    expect(role, "the app's role on audit is one of the template's custom roles").toBeDefined();
    expect([...(role?.dataActions ?? [])].sort()).toEqual(
      [CHANGE_FEED, CREATE, QUERY, READ, READ_METADATA].sort(),
    );
    for (const action of [REPLACE, UPSERT, DELETE])
      expect(allows(role?.dataActions ?? [], action), action).toBe(false);
    expect(role?.dataActions.filter((action) => action.includes("*"))).toEqual([]);
    // Assignable on the audit container alone, so that no one can grant this role where the app needs more.
    expect(role?.assignableScopes).toEqual([containerScope("audit")]);
  });

  it("assign it to the app's identity at the audit container's scope, and let no one replace, upsert or delete an entry", () => {
    const { grants, actionsOf, containerScope, accountId, databaseId } = deployed(parameters);
    const auditScope = containerScope("audit");
    expect(auditScope).toMatch(
      /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.DocumentDB\/databaseAccounts\/[^/]+\/dbs\/staff-passport\/colls\/audit$/,
    );
    const appOnAudit = grants.filter((grant) => isApp(grant.principal) && grant.scope === auditScope);
    expect(appOnAudit.map((grant) => actionsOf(grant.roleId).sort())).toEqual([
      [CHANGE_FEED, CREATE, QUERY, READ, READ_METADATA].sort(),
    ]);
    // Whoever holds a role on the audit container, or above it, cannot change or remove an entry.
    const overAudit = grants.filter((grant) => [auditScope, databaseId, accountId].includes(grant.scope));
    const rewriters = overAudit.filter((grant) =>
      [REPLACE, UPSERT, DELETE].some((action) => allows(actionsOf(grant.roleId), action)),
    );
    expect(rewriters).toEqual([]);
  });

  it("give the app no Cosmos DB data role at the account or the database scope, only on containers", () => {
    const { grants, accountId, databaseId } = deployed(parameters);
    const app = grants.filter((grant) => isApp(grant.principal));
    expect(app.length).toBeGreaterThan(0);
    for (const grant of app) {
      expect(grant.scope).not.toBe(accountId);
      expect(grant.scope).not.toBe(databaseId);
      expect(grant.scope.startsWith(`${databaseId}/colls/`), grant.scope).toBe(true);
      expect(grant.scope.slice(`${databaseId}/colls/`.length)).toMatch(/^[^/]+$/);
    }
  });

  it("let the app reach every other container of the code's with what it does there: trusts read only, the rest read and written", () => {
    const { grants, actionsOf, containerScope } = deployed(parameters);
    const READS = [READ_METADATA, READ, QUERY, CHANGE_FEED];
    const WRITES = [CREATE, REPLACE, UPSERT, DELETE];
    const others = CONTAINERS.map((container) => container.id).filter((id) => id !== "audit");
    expect(others.length).toBeGreaterThan(1);
    for (const id of others) {
      const actions = grants
        .filter((grant) => isApp(grant.principal) && grant.scope === containerScope(id))
        .flatMap((grant) => actionsOf(grant.roleId));
      for (const action of READS) expect(allows(actions, action), `${id}: ${action}`).toBe(true);
      // Only operators write trusts; the app writes every other container it uses.
      for (const action of WRITES) expect(allows(actions, action), `${id}: ${action}`).toBe(id !== "trusts");
    }
  });
});
