// Compiles and lints the Bicep templates with the Bicep CLI, which comes from its NuGet package through the
// .NET SDK (no other download). Output: dist/infra/main.json (ARM JSON, read by the infrastructure tests) and
// dist/infra/main.parameters.json (the dev parameters of infra/main.bicepparam). An argument names another output
// folder (the tests build into their own).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

const PACKAGE = "Azure.Bicep.CommandLine.linux-x64";
const VERSION = "0.49.2";
const toolDir = join(".local", "bicep-tool");
const packages = process.env.NUGET_PACKAGES ?? join(homedir(), ".nuget", "packages");
const binary = join(packages, PACKAGE.toLowerCase(), VERSION, "tools", "bicep");

function ensureBicep() {
  if (existsSync(binary)) return binary;
  mkdirSync(toolDir, { recursive: true });
  // A project that only downloads the package: `dotnet restore` fetches it into the NuGet cache.
  writeFileSync(
    join(toolDir, "bicep-tool.csproj"),
    `<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>
  <ItemGroup><PackageDownload Include="${PACKAGE}" Version="[${VERSION}]" /></ItemGroup>
</Project>
`,
  );
  execFileSync("dotnet", ["restore", join(toolDir, "bicep-tool.csproj")], { stdio: "inherit" });
  if (!existsSync(binary)) throw new Error(`The Bicep CLI was not found after restore at ${binary}`);
  return binary;
}

const bicep = ensureBicep();
const outDir = process.argv[2] ?? join("dist", "infra");
mkdirSync(outDir, { recursive: true });
// main.bicep pulls in every module, so linting and building it covers them all.
execFileSync(bicep, ["lint", join("infra", "main.bicep")], { stdio: "inherit" });
execFileSync(bicep, ["lint", join("infra", "main.bicepparam")], { stdio: "inherit" });
execFileSync(bicep, ["build", join("infra", "main.bicep"), "--outfile", join(outDir, "main.json")], {
  stdio: "inherit",
});
execFileSync(
  bicep,
  ["build-params", join("infra", "main.bicepparam"), "--outfile", join(outDir, "main.parameters.json")],
  { stdio: "inherit" },
);
console.log(`built ${join(outDir, "main.json")} and ${join(outDir, "main.parameters.json")}`);
