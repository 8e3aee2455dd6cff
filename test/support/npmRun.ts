// Runs one of the package's operator commands (`npm run <script> -- <args>`) as an operator runs it, in a process
// that the current test stops when it finishes, and answers its exit code and all it printed.
import { once } from "node:events";
import { spawnForTest } from "./processes.js";

export type NpmRunResult = { code: number | null; stdout: string; stderr: string };

/**
 * `env` is added to this process's environment; `input`, when given, is written to the command's standard input
 * (which is otherwise empty), so a command that asks for confirmation finds no terminal either way.
 */
export async function npmRun(
  script: string,
  args: readonly string[],
  { env = {}, input }: { env?: Record<string, string>; input?: string } = {},
): Promise<NpmRunResult> {
  const child = spawnForTest("npm", ["run", "--silent", script, "--", ...args], {
    env: { ...process.env, ...env },
    stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
  });
  let [stdout, stderr] = ["", ""];
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdin?.end(input);
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, stdout, stderr };
}
