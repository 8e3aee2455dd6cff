// azure.yaml: what `azd up` provisions and deploys.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

type YamlMap = { [key: string]: string | YamlMap };

/** Reads the block-style YAML azure.yaml is written in: nested maps of plain scalars, and comments. */
function readYamlMaps(text: string): YamlMap {
  const root: YamlMap = {};
  const stack: { indent: number; map: YamlMap }[] = [{ indent: -1, map: root }];
  for (const line of text.split("\n")) {
    if (line.trim() === "" || line.trim().startsWith("#")) continue;
    const match = line.match(/^( *)([^:#]+):(?: +(.*))?$/);
    if (!match) throw new Error(`azure.yaml: not a "key: value" line: ${line}`);
    const [, spaces = "", key = "", value] = match;
    const indent = spaces.length;
    while ((stack.at(-1)?.indent ?? -1) >= indent) stack.pop();
    const parent = stack.at(-1)?.map ?? root;
    if (value === undefined || value === "") {
      const child: YamlMap = {};
      parent[key.trim()] = child;
      stack.push({ indent, map: child });
    } else parent[key.trim()] = value.trim();
  }
  return root;
}

const azureYaml = readYamlMaps(readFileSync(new URL("../../azure.yaml", import.meta.url), "utf8"));

describe("azure.yaml", () => {
  it("provisions the Bicep in the infra folder", () => {
    expect(azureYaml.infra).toMatchObject({ provider: "bicep", path: "infra", module: "main" });
  });

  it("deploys this project as a TypeScript Function App, the service the Bicep tags azd-service-name api", () => {
    const main = readFileSync(new URL("../../infra/main.bicep", import.meta.url), "utf8");
    expect(main).toContain("'azd-service-name': 'api'");
    expect(azureYaml.services).toMatchObject({ api: { project: ".", language: "ts", host: "function" } });
  });

  it("builds the bundle with npm run build before packaging it", () => {
    const hooks = (azureYaml.services as YamlMap | undefined)?.api as YamlMap | undefined;
    const runs = Object.values((hooks?.hooks as YamlMap | undefined) ?? {}).map(
      (hook) => (hook as YamlMap).run,
    );
    expect(runs).toContain("npm run build");
  });
});
