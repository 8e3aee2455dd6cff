// `npm run outbox -- list | retry --id <id>... | retry --all`: lists the share events parked in an outbox (where they
// are and why, never the event), or releases them so that the next outbox sweep publishes them, with a full round
// of tries again. Connects to COSMOS_ENDPOINT / COSMOS_DATABASE: the emulator's key on loopback, else the
// operator's own Azure sign-in or a managed identity (DefaultAzureCredential).
import { DefaultAzureCredential } from "@azure/identity";
import { createCosmosClient } from "../src/adapters/cosmos/client.js";
import { credentialRequestStore } from "../src/adapters/cosmos/credentialRequestStore.js";
import { shareStore } from "../src/adapters/cosmos/shareStore.js";
import { listParked, type ParkedEvent, releaseParked } from "../src/app/outbox.js";
import type { Clock, CredentialRequestStore, ShareStore } from "../src/app/ports.js";
import { runCommand } from "./cli.js";

export const USAGE = `usage: npm run outbox -- list | retry --id <id> [--id <id>...] | retry --all
  list   the parked share events: kind, document id, event id, trust, tries, reason, when
  retry  releases the parked events named (document id or event id), or every one with --all
  with COSMOS_ENDPOINT (and COSMOS_DATABASE, default staff-passport) set`;

export type OutboxCommand =
  | { readonly command: "list" }
  | { readonly command: "retry"; readonly ids: readonly string[] | "all" };

export class UsageError extends Error {
  constructor(message: string) {
    super(`${message}\n${USAGE}`);
    this.name = "UsageError";
  }
}

/** Reads the command line (after `--`); throws UsageError, naming what is wrong. */
export function parseOutboxCommand(argv: readonly string[]): OutboxCommand {
  const [command, ...rest] = argv;
  if (command === "list") {
    if (rest.length > 0) throw new UsageError(`list takes no options, not "${rest[0]}"`);
    return { command };
  }
  if (command !== "retry") throw new UsageError(command ? `unknown command "${command}"` : "no command");
  if (rest.length === 1 && rest[0] === "--all") return { command, ids: "all" };
  const ids: string[] = [];
  for (let i = 0; i < rest.length; i += 2) {
    const [flag, value] = [rest[i], rest[i + 1]];
    if (flag !== "--id") throw new UsageError(`unknown option "${flag}"`);
    if (value === undefined || value.startsWith("--")) throw new UsageError("--id needs a value");
    ids.push(value);
  }
  // Releasing every parked event is a choice to make on purpose, never the default of a bare `retry`.
  if (ids.length === 0) throw new UsageError("name the events to release with --id, or pass --all");
  return { command, ids };
}

/** A parked event as the command prints it: no partition key (a share's is the holder's DID) and no event. */
const shown = ({ kind, id, eventId, trustId, tries, reason, parkedAt }: ParkedEvent) => ({
  kind,
  id,
  eventId,
  trustId,
  tries,
  reason,
  parkedAt,
});

/** Runs the command: lines for standard output, a summary for standard error, and the exit code. */
export async function runOutboxCommand(
  command: OutboxCommand,
  deps: { shares: ShareStore; credentialRequests: CredentialRequestStore; clock: Clock },
): Promise<{ lines: string[]; summary: string; exitCode: number }> {
  if (command.command === "list") {
    const parked = await listParked(deps);
    return {
      lines: parked.map((entry) => JSON.stringify(shown(entry))),
      summary: `${parked.length} parked share event(s)`,
      exitCode: 0,
    };
  }
  const released = await releaseParked(deps, command.ids === "all" ? undefined : command.ids);
  return {
    lines: released.map((entry) => JSON.stringify({ released: true, ...shown(entry) })),
    summary: `${released.length} parked share event(s) released; the next outbox sweep publishes them`,
    exitCode: command.ids !== "all" && released.length === 0 ? 1 : 0,
  };
}

async function main(): Promise<number> {
  const command = parseOutboxCommand(process.argv.slice(2));
  const endpoint = process.env.COSMOS_ENDPOINT;
  if (!endpoint) throw new UsageError("set COSMOS_ENDPOINT");
  const client = await createCosmosClient(endpoint, () => new DefaultAzureCredential());
  try {
    const database = client.database(process.env.COSMOS_DATABASE || "staff-passport");
    const { lines, summary, exitCode } = await runOutboxCommand(command, {
      shares: shareStore(async () => database.container("shares")),
      credentialRequests: credentialRequestStore(async () => database.container("credentialRequests")),
      clock: () => new Date(),
    });
    for (const line of lines) console.log(line);
    console.error(summary);
    return exitCode;
  } finally {
    client.dispose();
  }
}

await runCommand(import.meta.url, main, (error) => error instanceof UsageError);
