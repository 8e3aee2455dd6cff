// `npm run trusts -- list | add | set | deactivate`: the operators' way to register and change trusts in the
// `trusts` container, each document checked with the schema the service reads trusts with, shown before it is written.
// Connects to COSMOS_ENDPOINT / COSMOS_DATABASE: the emulator's key on loopback, else the operator's own Azure
// sign-in (DefaultAzureCredential), which needs the data role that makes the operator the container's only writer.
import { readFile } from "node:fs/promises";
import { createInterface } from "node:readline/promises";
import { parseArgs } from "node:util";
import type { Container } from "@azure/cosmos";
import { DefaultAzureCredential } from "@azure/identity";
import type * as z from "zod";
import { createCosmosClient } from "../src/adapters/cosmos/client.js";
import { cosmosStatus, stripSystemFields } from "../src/adapters/cosmos/errors.js";
import { protocolsOf, strictTrustSchema, type Trust, trustSchema } from "../src/domain/trust.js";
import { runCommand } from "./cli.js";

export const USAGE = `usage: npm run trusts -- list
       npm run trusts -- add --file <trust.json | -> [--yes | --dry-run]
       npm run trusts -- set <id> --file <patch.json | -> [--yes | --dry-run]
       npm run trusts -- set <id> --field <name>=<value> [--field ...] [--yes | --dry-run]
       npm run trusts -- deactivate <id> [--yes | --dry-run]
  list        every trust, inactive ones too: id, name, active, protocols, delivery, and whether the service can read it
  add         registers a new trust from a whole document (- reads it from standard input)
  set         changes a trust: each field of the patch replaces the stored one, and null removes it; a --field
              value is read as JSON when it is JSON (false, 12, ["a"], {"mode":"poll"}), else as a string
  deactivate  sets active to false
  --yes       writes without asking; otherwise the change is shown and confirmed at the terminal
  --dry-run   shows the change and writes nothing
  with COSMOS_ENDPOINT (and COSMOS_DATABASE, default staff-passport) set`;

export type WriteMode = "ask" | "yes" | "dry-run";

/** A change to a stored trust: fields that replace the stored ones; a null removes the field. */
export type TrustPatch = { readonly file: string } | { readonly fields: Readonly<Record<string, unknown>> };

export type TrustsCommand =
  | { readonly command: "list" }
  | { readonly command: "add"; readonly file: string; readonly mode: WriteMode }
  | { readonly command: "set"; readonly id: string; readonly patch: TrustPatch; readonly mode: WriteMode }
  | { readonly command: "deactivate"; readonly id: string; readonly mode: WriteMode };

export class UsageError extends Error {
  constructor(message: string) {
    super(`${message}\n${USAGE}`);
    this.name = "UsageError";
  }
}

const OPTIONS = {
  file: { type: "string" },
  field: { type: "string", multiple: true },
  yes: { type: "boolean" },
  "dry-run": { type: "boolean" },
} as const;

/** A --field value: JSON when it parses as JSON, else the text itself, so that names need no quoting twice. */
function fieldValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Reads the command line (after `--`); throws UsageError, naming what is wrong. */
export function parseTrustsCommand(argv: readonly string[]): TrustsCommand {
  let parsed: ReturnType<
    typeof parseArgs<{ args: string[]; options: typeof OPTIONS; allowPositionals: true }>
  >;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { positionals, values } = parsed;
  const [command, ...rest] = positionals;
  const given = (Object.keys(values) as (keyof typeof OPTIONS)[]).filter(
    (name) => values[name] !== undefined,
  );
  const only = (...allowed: (keyof typeof OPTIONS)[]) => {
    const other = given.find((name) => !allowed.includes(name));
    if (other !== undefined) throw new UsageError(`${command} takes no --${other}`);
  };
  const positional = (count: number) => {
    if (rest.length !== count) {
      throw new UsageError(
        count === 0
          ? `${command} takes no "${rest[0]}"`
          : `${command} needs one trust id, not ${rest.length}`,
      );
    }
  };
  if (values.yes && values["dry-run"]) throw new UsageError("--yes writes and --dry-run does not: pass one");
  const mode: WriteMode = values.yes ? "yes" : values["dry-run"] ? "dry-run" : "ask";
  switch (command) {
    case "list":
      only();
      positional(0);
      return { command };
    case "add":
      only("file", "yes", "dry-run");
      positional(0);
      if (values.file === undefined)
        throw new UsageError("add needs --file <trust.json> (or --file - for stdin)");
      return { command, file: values.file, mode };
    case "deactivate":
      only("yes", "dry-run");
      positional(1);
      return { command, id: rest[0] ?? "", mode };
    case "set": {
      only("file", "field", "yes", "dry-run");
      positional(1);
      const id = rest[0] ?? "";
      const fieldArgs = values.field ?? [];
      if ((values.file === undefined) === (fieldArgs.length === 0)) {
        throw new UsageError("set needs either --file <patch.json> or --field <name>=<value>, not both");
      }
      if (values.file !== undefined) return { command, id, patch: { file: values.file }, mode };
      const fields: Record<string, unknown> = {};
      for (const arg of fieldArgs) {
        const at = arg.indexOf("=");
        if (at <= 0) throw new UsageError(`--field "${arg}" is not <name>=<value>`);
        const name = arg.slice(0, at);
        if (name in fields) throw new UsageError(`--field ${name} is given twice`);
        fields[name] = fieldValue(arg.slice(at + 1));
      }
      return { command, id, patch: { fields }, mode };
    }
    default:
      throw new UsageError(command ? `unknown command "${command}"` : "no command");
  }
}

export type TrustsDeps = {
  /** The `trusts` container. */
  readonly container: Container;
  /** The text of a file, or of standard input for "-". */
  readonly read: (file: string) => Promise<string>;
  /** Asks the operator; undefined when nobody can answer (standard input is not a terminal, or holds the document). */
  readonly confirm: ((question: string) => Promise<boolean>) | undefined;
  /** A line for the operator. */
  readonly print: (line: string) => void;
};

/** Refused, with the reason on standard error: exit 1. */
export class Refused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "Refused";
  }
}

/** Each wrong field of a document as zod names it: its path and why. */
function problems(error: z.ZodError): string {
  return error.issues
    .map((issue) => `  ${issue.path.join(".") || "(document)"}: ${issue.message}`)
    .join("\n");
}

/** The document as the service will read it, or Refused naming every wrong field. */
function validTrust(document: unknown, what: string): Trust {
  const result = strictTrustSchema.safeParse(document);
  if (!result.success)
    throw new Refused(`${what} is not a valid trust; nothing written:\n${problems(result.error)}`);
  return result.data;
}

async function readJson(deps: TrustsDeps, file: string): Promise<unknown> {
  const text = await deps.read(file);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Refused(
      `${file === "-" ? "standard input" : file} is not JSON (${error instanceof Error ? error.message : error}); nothing written`,
    );
  }
}

const shownValue = (value: unknown) => (value === undefined ? "(absent)" : JSON.stringify(value));

/** The fields that differ, each as its value before and after. */
export function changedFields(before: object, after: object): string[] {
  const was = before as Record<string, unknown>;
  const now = after as Record<string, unknown>;
  const names = [...new Set([...Object.keys(was), ...Object.keys(now)])];
  return names
    .filter((name) => JSON.stringify(was[name]) !== JSON.stringify(now[name]))
    .map((name) => `  ${name}:\n    - ${shownValue(was[name])}\n    + ${shownValue(now[name])}`);
}

/** Whether to write what has been shown: --yes writes, --dry-run never does, otherwise the operator says. */
async function approved(mode: WriteMode, deps: TrustsDeps): Promise<boolean> {
  if (mode === "yes") return true;
  if (mode === "dry-run") {
    deps.print("dry run: nothing written");
    return false;
  }
  // Silence is never consent: with no terminal to answer at, the change is only written when --yes says so.
  if (deps.confirm === undefined) {
    throw new Refused("nothing written: standard input is not a terminal to confirm at; pass --yes to write");
  }
  if (!(await deps.confirm("write this? [y/N] "))) throw new Refused("nothing written: not confirmed");
  return true;
}

async function readStored(container: Container, id: string) {
  const { resource } = await container.item(id, id).read<Record<string, unknown>>();
  if (resource === undefined || typeof resource._etag !== "string")
    throw new Refused(`there is no trust "${id}"`);
  return { document: stripSystemFields<Record<string, unknown>>(resource), etag: resource._etag };
}

/** Applies a patch: each field given replaces the stored one; null removes it. The id is the trust's name. */
function patched(stored: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  if ("id" in patch && patch.id !== stored.id)
    throw new Refused("a trust's id cannot change; nothing written");
  const next = { ...stored };
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) delete next[name];
    else next[name] = value;
  }
  return next;
}

async function change(
  deps: TrustsDeps,
  id: string,
  mode: WriteMode,
  patchOf: () => Promise<Record<string, unknown>>,
): Promise<number> {
  const patch = await patchOf();
  const { document, etag } = await readStored(deps.container, id);
  const next = validTrust(patched(document, patch), `trust ${id} with this change`);
  const lines = changedFields(document, next);
  if (lines.length === 0) {
    deps.print(`trust ${id} already is so; nothing to write`);
    return 0;
  }
  deps.print(`trust ${id}, fields that change:`);
  for (const line of lines) deps.print(line);
  if (!(await approved(mode, deps))) return 0;
  try {
    await deps.container
      .item(id, id)
      .replace(next, { accessCondition: { type: "IfMatch", condition: etag } });
  } catch (error) {
    if (cosmosStatus(error) === 412) {
      throw new Refused(
        `trust ${id} was changed by someone else after it was read; nothing written: run again`,
      );
    }
    throw error;
  }
  deps.print(`trust ${id} written; each instance of the service reads it within TRUST_CACHE_SECONDS`);
  return 0;
}

const column = (rows: string[][], index: number) => Math.max(...rows.map((row) => (row[index] ?? "").length));

/** Every trust as a table, by id; a document the service cannot read says which fields are wrong. */
async function list(deps: TrustsDeps): Promise<number> {
  const { resources } = await deps.container.items
    .query<Record<string, unknown>>("SELECT * FROM c")
    .fetchAll();
  const rows = resources
    .map((document) => {
      const result = trustSchema.safeParse(document);
      const id = String(document.id);
      if (!result.success) {
        const paths = [...new Set(result.error.issues.map((issue) => issue.path.join(".") || "(document)"))];
        const name = typeof document.name === "string" ? document.name : "";
        return [id, name, "?", "?", "?", `invalid: ${paths.join(", ")}`];
      }
      const trust = result.data;
      return [
        id,
        trust.name,
        trust.active ? "yes" : "no",
        protocolsOf(trust).join(","),
        trust.delivery?.mode ?? "none",
        "ok",
      ];
    })
    .sort((a, b) => (a[0] ?? "").localeCompare(b[0] ?? ""));
  const table = [["ID", "NAME", "ACTIVE", "PROTOCOLS", "DELIVERY", "DOCUMENT"], ...rows];
  const widths = table[0]?.map((_, index) => column(table, index)) ?? [];
  for (const row of table) {
    deps.print(
      row
        .map((cell, index) => cell.padEnd(widths[index] ?? 0))
        .join("  ")
        .trimEnd(),
    );
  }
  return 0;
}

/** Runs the command; answers the exit code, or throws Refused (exit 1). */
export async function runTrustsCommand(command: TrustsCommand, deps: TrustsDeps): Promise<number> {
  switch (command.command) {
    case "list":
      return list(deps);
    case "add": {
      const trust = validTrust(
        await readJson(deps, command.file),
        command.file === "-" ? "standard input" : command.file,
      );
      const { resource } = await deps.container.item(trust.id, trust.id).read();
      if (resource !== undefined) throw new Refused(`trust ${trust.id} exists; change it with set`);
      deps.print(`new trust ${trust.id}:`);
      deps.print(JSON.stringify(trust, null, 2));
      if (!(await approved(command.mode, deps))) return 0;
      try {
        await deps.container.items.create(trust);
      } catch (error) {
        // Created by someone else between the read and now: theirs stays.
        if (cosmosStatus(error) === 409) throw new Refused(`trust ${trust.id} exists; change it with set`);
        throw error;
      }
      deps.print(
        `trust ${trust.id} written; each instance of the service reads it within TRUST_CACHE_SECONDS`,
      );
      return 0;
    }
    case "set":
      return change(deps, command.id, command.mode, async () => {
        const { patch } = command;
        if ("fields" in patch) return { ...patch.fields };
        const document = await readJson(deps, patch.file);
        if (typeof document !== "object" || document === null || Array.isArray(document)) {
          throw new Refused(`${patch.file} is not a JSON object of fields; nothing written`);
        }
        return document as Record<string, unknown>;
      });
    case "deactivate":
      return change(deps, command.id, command.mode, async () => ({ active: false }));
  }
}

async function readInput(file: string): Promise<string> {
  if (file !== "-") return readFile(file, "utf8");
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString("utf8");
}

async function askAtTerminal(question: string): Promise<boolean> {
  const terminal = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await terminal.question(question)).trim());
  } finally {
    terminal.close();
  }
}

async function main(): Promise<number> {
  const command = parseTrustsCommand(process.argv.slice(2));
  const endpoint = process.env.COSMOS_ENDPOINT;
  if (!endpoint) throw new UsageError("set COSMOS_ENDPOINT");
  const client = await createCosmosClient(endpoint, () => new DefaultAzureCredential());
  const fromStdin =
    "file" in command
      ? command.file === "-"
      : "patch" in command && "file" in command.patch && command.patch.file === "-";
  try {
    const container = client.database(process.env.COSMOS_DATABASE || "staff-passport").container("trusts");
    return await runTrustsCommand(command, {
      container,
      read: readInput,
      confirm: process.stdin.isTTY && !fromStdin ? askAtTerminal : undefined,
      // Tables and documents on standard output; the question goes to standard error with readline.
      print: (line) => console.log(line),
    });
  } finally {
    client.dispose();
  }
}

await runCommand(import.meta.url, main, (error) => error instanceof UsageError);
