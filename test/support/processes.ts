// Child processes that a test starts and is sure to stop: each runs in a process group of its own, and the group
// is killed when the test finishes, passed or failed, so nothing it spawned outlives the test.
import { type ChildProcess, type SpawnOptions, spawn } from "node:child_process";
import { onTestFinished } from "vitest";

function running(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Kills the child's whole process group (npm and what it started), if any of it is still there. */
export async function killGroup(child: ChildProcess): Promise<void> {
  const exited = running(child) ? new Promise((resolve) => child.once("exit", resolve)) : undefined;
  try {
    if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
  } catch {
    // ESRCH: the group is already gone.
  }
  await exited;
}

/** Spawns a process for the current test; it and its descendants are killed when the test finishes. */
export function spawnForTest(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  const child = spawn(command, args, { ...options, detached: true });
  onTestFinished(() => killGroup(child));
  return child;
}
