// Reading the compiled ARM JSON of infra/main.bicep: building it with the project's own infra:build script, and
// walking its modules and resources without evaluating the deployment.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const root = new URL("../../", import.meta.url);

export type ArmValue = unknown;
export type ArmObject = { [key: string]: ArmValue };

export type ArmResource = ArmObject & {
  type: string;
  name: string;
  scope?: string;
  condition?: string;
  existing?: boolean;
  copy?: { name: string; count: string };
  properties?: ArmObject;
};

export type ArmTemplate = {
  languageVersion?: string;
  parameters?: Record<string, ArmObject>;
  variables?: ArmObject;
  resources: Record<string, ArmResource> | ArmResource[];
  outputs?: Record<string, { type: string; value: ArmValue }>;
};

/** One template of the deployment: main, or a module with the parameter values main passes it. */
export type ArmModule = {
  /** Symbolic name in main ("main" for main itself). */
  name: string;
  template: ArmTemplate;
  /** The values main passes, unevaluated: { value } or a copy loop. */
  parameters: Record<string, ArmObject>;
};

export type Build = {
  main: ArmTemplate;
  /** The dev parameters built from main.bicepparam. */
  devParameters: Record<string, ArmValue>;
  /** Everything the Bicep CLI printed while linting and building. */
  output: string;
};

/** Lints and builds infra/main.bicep and main.bicepparam with `node scripts/infra-build.mjs` into a fresh folder. */
export async function buildInfra(): Promise<Build> {
  const outDir = mkdtempSync(join(tmpdir(), "infra-build-"));
  const { stdout, stderr } = await run(process.execPath, ["scripts/infra-build.mjs", outDir], { cwd: root });
  const main = JSON.parse(readFileSync(join(outDir, "main.json"), "utf8")) as ArmTemplate;
  const parameters = JSON.parse(readFileSync(join(outDir, "main.parameters.json"), "utf8")) as {
    parameters: Record<string, { value: ArmValue }>;
  };
  const devParameters = Object.fromEntries(
    Object.entries(parameters.parameters).map(([name, { value }]) => [name, value]),
  );
  return { main, devParameters, output: stdout + stderr };
}

export function resourcesOf(template: ArmTemplate): (ArmResource & { symbol: string })[] {
  const entries = Array.isArray(template.resources)
    ? template.resources.map((resource, index) => [String(index), resource] as const)
    : Object.entries(template.resources);
  return entries.map(([symbol, resource]) => ({ ...resource, symbol }));
}

/** Main and every module it deploys (modules here are one level deep). */
export function modulesOf(main: ArmTemplate): ArmModule[] {
  const modules: ArmModule[] = [{ name: "main", template: main, parameters: {} }];
  for (const resource of resourcesOf(main)) {
    if (resource.type !== "Microsoft.Resources/deployments") continue;
    const properties = resource.properties as {
      template: ArmTemplate;
      parameters?: Record<string, ArmObject>;
    };
    modules.push({
      name: resource.symbol,
      template: properties.template,
      parameters: properties.parameters ?? {},
    });
  }
  return modules;
}

export function moduleNamed(main: ArmTemplate, name: string): ArmModule {
  const found = modulesOf(main).find((module) => module.name === name);
  if (!found) throw new Error(`main.bicep deploys no module named ${name}`);
  return found;
}

/** Every resource the deployment declares (not `existing` references), with the module it is in. */
export function allResources(main: ArmTemplate): (ArmResource & { symbol: string; module: ArmModule })[] {
  return modulesOf(main).flatMap((module) =>
    resourcesOf(module.template)
      .filter((resource) => resource.existing !== true)
      .map((resource) => ({ ...resource, module })),
  );
}

/** The resource type an expression such as [resourceId('Microsoft.KeyVault/vaults', ...)] points at. */
export function scopeType(expression: string | undefined): string | undefined {
  return expression?.match(/^\[resourceId\('([^']+)'/)?.[1];
}

/** Reads a dotted path ("siteConfig.minTlsVersion") from an object. */
export function at(value: ArmValue, path: string): ArmValue {
  let current = value;
  for (const key of path.split(".")) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as ArmObject)[key];
  }
  return current;
}

/**
 * Resolves the one kind of expression main uses to name built-in roles: [variables('builtInRoles').name] (or a
 * variable holding a GUID), against a template's variables. Literal GUIDs are returned as they are.
 */
export function roleGuid(expression: string, template: ArmTemplate): string | undefined {
  const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
  if (guid.test(expression)) return expression;
  const match = expression.match(/variables\('(\w+)'\)(?:\.(\w+))?/);
  if (!match?.[1]) return undefined;
  const variable = template.variables?.[match[1]];
  const value = match[2] === undefined ? variable : at(variable, match[2]);
  return typeof value === "string" && guid.test(value) ? value : undefined;
}
