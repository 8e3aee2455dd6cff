// `npm run audit -- --subject <DID> | --trust <ID> [--since <date>] [--json]`: prints the audit entries of one person
// or one trust, oldest first, for answering a subject-access request or reviewing an incident. It only reads. It
// connects to COSMOS_ENDPOINT / COSMOS_DATABASE: the emulator's key on loopback, else the operator's own Azure sign-in
// (DefaultAzureCredential), which needs read access to the `audit` container (docs/operators.md, "Reading the audit trail").
import { parseArgs } from "node:util";
import { DefaultAzureCredential } from "@azure/identity";
import { cosmosAuditTrail } from "../src/adapters/cosmos/auditTrail.js";
import { createCosmosClient } from "../src/adapters/cosmos/client.js";
import type { AuditTrail } from "../src/app/ports.js";
import type { AuditEntry } from "../src/domain/audit.js";
import { runCommand } from "./cli.js";

export const USAGE = `usage: npm run audit -- --subject <DID> [--since <date>] [--json]
       npm run audit -- --trust <ID> [--since <date>] [--json]
  --subject   a member of staff's entries across trusts (their DID, as in their shares)
  --trust     a trust's entries (its id, e.g. RTH), refused authentications claiming it among them
  --since     only entries at or after this date or time (ISO 8601, e.g. 2026-11-01)
  --json      one JSON object per line instead of the table
  with COSMOS_ENDPOINT (and COSMOS_DATABASE, default staff-passport) set`;

export class UsageError extends Error {
  constructor(message: string) {
    super(`${message}\n${USAGE}`);
    this.name = "UsageError";
  }
}

export type AuditQuery = {
  readonly by: { readonly subject: string } | { readonly trust: string };
  readonly since?: Date;
  readonly json: boolean;
};

const TRUST_ID = /^[A-Z0-9]{3,5}$/;

export function parseAuditCommand(args: readonly string[]): AuditQuery {
  let values: { subject?: string; trust?: string; since?: string; json?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        subject: { type: "string" },
        trust: { type: "string" },
        since: { type: "string" },
        json: { type: "boolean" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if ((values.subject === undefined) === (values.trust === undefined))
    throw new UsageError("give exactly one of --subject and --trust");
  if (values.subject !== undefined && !values.subject.startsWith("did:"))
    throw new UsageError("--subject must be a DID (did:...)");
  if (values.trust !== undefined && !TRUST_ID.test(values.trust))
    throw new UsageError("--trust must be a trust id (3 to 5 capital letters and digits)");
  let since: Date | undefined;
  if (values.since !== undefined) {
    since = new Date(values.since);
    if (Number.isNaN(since.getTime())) throw new UsageError(`--since ${values.since} is not a date`);
  }
  return {
    by: values.subject !== undefined ? { subject: values.subject } : { trust: values.trust ?? "" },
    ...(since === undefined ? {} : { since }),
    json: values.json ?? false,
  };
}

/** The columns of the table: when, what, who acted, and the ids and codes the entry names. */
function row(entry: AuditEntry): string {
  const ids = [
    entry.subject === undefined ? undefined : `subject=${entry.subject}`,
    entry.trustId === undefined ? undefined : `trust=${entry.trustId}`,
    entry.shareId === undefined ? undefined : `share=${entry.shareId}`,
    entry.loginId === undefined ? undefined : `login=${entry.loginId}`,
    entry.eventId === undefined ? undefined : `event=${entry.eventId}`,
    entry.requestId === undefined ? undefined : `request=${entry.requestId}`,
    entry.accessKeyId === undefined ? undefined : `accessKey=${entry.accessKeyId}`,
    entry.staffId === undefined ? undefined : `staff=${entry.staffId}`,
    entry.credentialTypes === undefined ? undefined : `types=${entry.credentialTypes.join(",")}`,
    entry.code === undefined ? undefined : `code=${entry.code}`,
    entry.route === undefined ? undefined : `route=${entry.route}`,
    entry.clientAddress === undefined ? undefined : `from=${entry.clientAddress}`,
    entry.count === undefined ? undefined : `count=${entry.count}`,
    entry.since === undefined ? undefined : `since=${entry.since}`,
  ].filter((part) => part !== undefined);
  return [entry.at, entry.action.padEnd(28), entry.actor.padEnd(9), ids.join(" ")].join("  ");
}

/** Prints the entries; the exit code (0, even for none: an empty trail is an answer). */
export async function runAuditCommand(
  query: AuditQuery,
  deps: { audit: AuditTrail; print: (line: string) => void },
): Promise<number> {
  const entries =
    "subject" in query.by
      ? await deps.audit.bySubject(query.by.subject, query.since)
      : await deps.audit.byTrust(query.by.trust, query.since);
  if (query.json) {
    for (const entry of entries) deps.print(JSON.stringify(entry));
    return 0;
  }
  const whose = "subject" in query.by ? `subject ${query.by.subject}` : `trust ${query.by.trust}`;
  deps.print(`${entries.length} audit ${entries.length === 1 ? "entry" : "entries"} of ${whose}`);
  for (const entry of entries) deps.print(row(entry));
  return 0;
}

async function main(): Promise<number> {
  const query = parseAuditCommand(process.argv.slice(2));
  const endpoint = process.env.COSMOS_ENDPOINT;
  if (!endpoint) throw new UsageError("set COSMOS_ENDPOINT");
  const client = await createCosmosClient(endpoint, () => new DefaultAzureCredential());
  try {
    const container = client.database(process.env.COSMOS_DATABASE || "staff-passport").container("audit");
    // Only reads: the retention is what a write would stamp, and nothing here writes.
    const audit = cosmosAuditTrail(async () => container, 0);
    return await runAuditCommand(query, { audit, print: (line) => console.log(line) });
  } finally {
    client.dispose();
  }
}

await runCommand(import.meta.url, main, (error) => error instanceof UsageError);
