// The types of local/azuriteProcess.mjs.
import type { ChildProcessByStdio } from "node:child_process";
import type { Readable } from "node:stream";

export type AzuriteProcess = ChildProcessByStdio<null, Readable, Readable>;

export function spawnAzurite(host: string, port: number): AzuriteProcess;
