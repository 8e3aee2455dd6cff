// How the operators' commands end: a usage error exits 2 with the usage, any other failure exits 1 with its message,
// and success exits with the code the command returned. Runs `main` only when the file is the one node was started on.
import { pathToFileURL } from "node:url";

export async function runCommand(
  moduleUrl: string,
  main: () => Promise<number>,
  isUsageError: (error: unknown) => boolean,
): Promise<void> {
  if (moduleUrl !== pathToFileURL(process.argv[1] ?? "").href) return;
  try {
    process.exitCode = await main();
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = isUsageError(error) ? 2 : 1;
  }
}
