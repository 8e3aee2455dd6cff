// Compiles and lints the Bicep templates with the Bicep CLI, which comes from its NuGet package through the
// .NET SDK (no other download). Output: dist/infra/main.json (ARM JSON, read by the infrastructure tests),
// dist/infra/main.parameters.json and dist/infra/main.production.parameters.json (the parameters of
// infra/main.bicepparam and infra/main.production.bicepparam), and dist/infra/build.log (what the CLI printed, which
// the tests check for warnings). An argument names another output folder. `--params <file.bicepparam> <out.json>`
// builds only that parameter file, with the environment as it is (the tests' other environment names).
import { execFileSync, spawnSync } from "node:child_process";
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
if (process.argv[2] === "--params") {
  const [file, outFile] = process.argv.slice(3);
  if (!file || !outFile)
    throw new Error("usage: node scripts/infra-build.mjs --params <file.bicepparam> <out.json>");
  execFileSync(bicep, ["build-params", file, "--outfile", outFile], { stdio: "inherit" });
  process.exit(0);
}
const outDir = process.argv[2] ?? join("dist", "infra");
mkdirSync(outDir, { recursive: true });
const log = [];

/** Runs the CLI, echoing and keeping what it prints (its warnings go to stderr even when it succeeds). */
function run(args, env = process.env) {
  const result = spawnSync(bicep, args, { encoding: "utf8", env });
  process.stdout.write(result.stdout ?? "");
  process.stderr.write(result.stderr ?? "");
  log.push(result.stdout ?? "", result.stderr ?? "");
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`bicep ${args.join(" ")} failed with status ${result.status}`);
}

// main.bicep pulls in every module, so linting and building it covers them all.
run(["lint", join("infra", "main.bicep")]);
run(["lint", join("infra", "main.bicepparam")]);
// The production file has no defaults for what only a real deployment knows; the build checks the file with
// stand-ins for those, which never reach Azure.
const productionEnv = {
  ...process.env,
  VERIFIEDID_AUTHORITY: process.env.VERIFIEDID_AUTHORITY ?? "did:web:verifier.example",
  PORTAL_ORIGIN: process.env.PORTAL_ORIGIN ?? "https://portal.example",
};
run(["lint", join("infra", "main.production.bicepparam")], productionEnv);
run(["build", join("infra", "main.bicep"), "--outfile", join(outDir, "main.json")]);
run(["build-params", join("infra", "main.bicepparam"), "--outfile", join(outDir, "main.parameters.json")]);
run(
  [
    "build-params",
    join("infra", "main.production.bicepparam"),
    "--outfile",
    join(outDir, "main.production.parameters.json"),
  ],
  productionEnv,
);
log.push(`built ${join(outDir, "main.json")}\n`);
writeFileSync(join(outDir, "build.log"), log.join(""));
console.log(`built ${join(outDir, "main.json")} and its parameter files`);
