// Reading the compiled ARM JSON of infra/main.bicep (CI's build in dist/infra when it is up to date, else a fresh
// one from the project's infra:build script) and walking its modules and resources.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
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
  /** Bicep's user-defined functions (func), under the namespace __bicep. */
  functions?: ArmFunctions;
};

/** A template's user-defined functions: each namespace's members, with their parameters' names and their output. */
export type ArmFunctions = {
  namespace: string;
  members: Record<string, { parameters?: { name: string }[]; output: { value: ArmValue } }>;
}[];

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
  /** The production parameters built from main.production.bicepparam. */
  productionParameters: Record<string, ArmValue>;
  /** Everything the Bicep CLI printed while linting and building. */
  output: string;
  /** Whether the build was the one CI left in dist/infra or one made for the tests. */
  source: "dist" | "fresh";
};

/** What the build reads: a change to any of these makes an earlier build stale. */
const SOURCES = ["infra", "scripts/infra-build.mjs", "local/servicebus/Config.json"];
const OUTPUTS = ["main.json", "main.parameters.json", "main.production.parameters.json", "build.log"];

function newestChange(path: string): number {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return Math.max(stats.mtimeMs, ...readdirSync(path).map((entry) => newestChange(join(path, entry))));
}

/**
 * True when outDir holds every output and each is newer than every source under root: a build of what is
 * checked out, which need not be made again.
 */
export function isFreshBuild(outDir: string, rootDir: string): boolean {
  const outputs = OUTPUTS.map((name) => join(outDir, name));
  if (!outputs.every((path) => existsSync(path))) return false;
  const built = Math.min(...outputs.map((path) => statSync(path).mtimeMs));
  return SOURCES.every((source) => newestChange(join(rootDir, source)) <= built);
}

function readParameters(path: string): Record<string, ArmValue> {
  const parameters = JSON.parse(readFileSync(path, "utf8")) as {
    parameters: Record<string, { value: ArmValue }>;
  };
  return Object.fromEntries(Object.entries(parameters.parameters).map(([name, { value }]) => [name, value]));
}

/** Reads a build of infra/ from outDir. */
export function readBuild(outDir: string, source: Build["source"]): Build {
  return {
    main: JSON.parse(readFileSync(join(outDir, "main.json"), "utf8")) as ArmTemplate,
    devParameters: readParameters(join(outDir, "main.parameters.json")),
    productionParameters: readParameters(join(outDir, "main.production.parameters.json")),
    output: readFileSync(join(outDir, "build.log"), "utf8"),
    source,
  };
}

/**
 * The build `npm run infra:build` left in dist/infra when it is fresh (CI builds before it tests), otherwise a new
 * one with `node scripts/infra-build.mjs` into a folder of its own.
 */
export async function buildInfra(): Promise<Build> {
  const rootDir = fileURLToPath(root);
  const built = join(rootDir, "dist", "infra");
  if (isFreshBuild(built, rootDir)) return readBuild(built, "dist");
  const outDir = mkdtempSync(join(tmpdir(), "infra-build-"));
  try {
    await run(process.execPath, ["scripts/infra-build.mjs", outDir], { cwd: root });
    return readBuild(outDir, "fresh");
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
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

/**
 * The resource type an expression such as [resourceId('Microsoft.KeyVault/vaults', ...)] points at; a Cosmos DB
 * data role's scope, which the module writes with its containerScope function, is a container.
 */
export function scopeType(expression: string | undefined): string | undefined {
  if (expression?.startsWith("[__bicep.containerScope(resourceId('Microsoft.DocumentDB/databaseAccounts'")) {
    return "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers";
  }
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

/**
 * Builds one parameter file (infra/main.bicepparam by default) with the given environment variables set, as azd
 * would with its environment's values, and returns the parameter values.
 */
export async function buildParameters(
  env: Record<string, string>,
  file = "infra/main.bicepparam",
): Promise<Record<string, ArmValue>> {
  const outDir = mkdtempSync(join(tmpdir(), "infra-params-"));
  try {
    const outFile = join(outDir, "parameters.json");
    await run(process.execPath, ["scripts/infra-build.mjs", "--params", file, outFile], {
      cwd: root,
      env: { ...process.env, ...env },
    });
    return readParameters(outFile);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}
