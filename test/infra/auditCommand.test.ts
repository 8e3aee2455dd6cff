// `npm run audit -- --subject DID | --trust ID [--since DATE]`: its arguments, and what it prints from the `audit`
// container of the Cosmos DB emulator through the real @azure/cosmos SDK, run as the operator runs it.
import type { Database } from "@azure/cosmos";
import { beforeEach, describe, expect, it } from "vitest";
import { parseAuditCommand, runAuditCommand, UsageError } from "../../scripts/audit.js";
import { cosmosAuditTrail } from "../../src/adapters/cosmos/auditTrail.js";
import { ensureDatabase } from "../../src/adapters/cosmos/client.js";
import { ensureContainers } from "../../src/adapters/cosmos/containers.js";
import type { AuditEntry } from "../../src/domain/audit.js";
import { mintId } from "../../src/domain/secrets.js";
import { useCosmosEmulator } from "../support/cosmosEmulator.js";
import { npmRun } from "../support/npmRun.js";

const SUBJECT = "did:jwk:operator-test";
const DAY = 24 * 60 * 60 * 1000;

describe("npm run audit: arguments", () => {
  it("takes one of --subject and --trust, an optional --since date and --json", () => {
    expect(parseAuditCommand(["--subject", SUBJECT])).toEqual({ by: { subject: SUBJECT }, json: false });
    expect(parseAuditCommand(["--trust", "RTH", "--since", "2026-11-01", "--json"])).toEqual({
      by: { trust: "RTH" },
      since: new Date("2026-11-01"),
      json: true,
    });
    for (const wrong of [
      [],
      ["--subject", SUBJECT, "--trust", "RTH"],
      ["--subject", "not-a-did"],
      ["--trust", "rth"],
      ["--trust", "RTH", "--since", "last week"],
      ["--trust", "RTH", "extra"],
    ])
      expect(() => parseAuditCommand(wrong)).toThrow(UsageError);
  });
});

describe("npm run audit: against the emulator", () => {
  const cosmos = useCosmosEmulator();
  let database: Database;
  const now = Date.now();
  const entries: AuditEntry[] = [
    {
      id: `login.verified:${mintId()}`,
      at: new Date(now - 2 * DAY).toISOString(),
      action: "login.verified",
      actor: "staff",
      subject: SUBJECT,
      trustId: "RTH",
    },
    {
      id: `share.shared:${mintId()}`,
      at: new Date(now - DAY).toISOString(),
      action: "share.shared",
      actor: "staff",
      subject: SUBJECT,
      trustId: "RTH",
      credentialTypes: ["StaffPassportIdentity"],
    },
    {
      id: `auth.refused:${mintId()}`,
      at: new Date(now).toISOString(),
      action: "auth.refused",
      actor: "anonymous",
      trustId: "RTH",
      code: "invalid_trust_token",
      route: "POST /api/trust/credential-requests",
      clientAddress: "203.0.113.9",
    },
  ];
  beforeEach(async () => {
    database = await ensureDatabase(cosmos.client(), `audit-command-${mintId()}`);
    await ensureContainers(database);
    const audit = cosmosAuditTrail(async () => database.container("audit"), 60);
    for (const entry of entries) await audit.append(entry);
  });

  const lines = async (args: string[]) => {
    const printed: string[] = [];
    const audit = cosmosAuditTrail(async () => database.container("audit"), 0);
    expect(
      await runAuditCommand(parseAuditCommand(args), { audit, print: (line) => printed.push(line) }),
    ).toBe(0);
    return printed;
  };

  it("prints a person's entries oldest first, and a trust's with the refusals claiming it", async () => {
    const mine = await lines(["--subject", SUBJECT]);
    expect(mine[0]).toBe(`2 audit entries of subject ${SUBJECT}`);
    expect(mine.slice(1).map((line) => line.split(/\s+/)[1])).toEqual(["login.verified", "share.shared"]);
    expect(mine[2]).toContain("types=StaffPassportIdentity");
    const trusts = await lines(["--trust", "RTH"]);
    expect(trusts[0]).toBe("3 audit entries of trust RTH");
    expect(trusts[3]).toContain(
      "code=invalid_trust_token route=POST /api/trust/credential-requests from=203.0.113.9",
    );
  });

  it("keeps to --since, and prints JSON lines with --json", async () => {
    const since = new Date(now - DAY - 1000).toISOString();
    const json = await lines(["--trust", "RTH", "--since", since, "--json"]);
    expect(json.map((line) => JSON.parse(line) as AuditEntry)).toEqual(entries.slice(1));
  });

  it("runs as npm run audit with COSMOS_ENDPOINT, and exits 2 on a usage error", async () => {
    const run = (args: string[]) =>
      npmRun("audit", args, { env: { COSMOS_ENDPOINT: cosmos.endpoint(), COSMOS_DATABASE: database.id } });
    const printed = await run(["--subject", SUBJECT]);
    expect(printed).toMatchObject({ code: 0 });
    expect(printed.stdout).toContain(`2 audit entries of subject ${SUBJECT}`);
    const usage = await run(["--trust", "nope"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("usage: npm run audit");
  }, 60_000);
});
