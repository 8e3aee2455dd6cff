// The audit trail's store against the Cosmos DB emulator through the real @azure/cosmos SDK: an entry is written
// under the person's scope and the trust's, read back oldest first from either, with the retention as its ttl; it
// cannot be changed or removed through the store, whose only write is a create that leaves an existing entry be.
import type { Database } from "@azure/cosmos";
import { beforeEach, describe, expect, it } from "vitest";
import { cosmosAuditTrail } from "../../src/adapters/cosmos/auditTrail.js";
import { ensureDatabase } from "../../src/adapters/cosmos/client.js";
import { ensureContainers } from "../../src/adapters/cosmos/containers.js";
import type { AuditTrail } from "../../src/app/ports.js";
import type { AuditEntry } from "../../src/domain/audit.js";
import { mintId } from "../../src/domain/secrets.js";
import { useCosmosEmulator } from "../support/cosmosEmulator.js";

const RETENTION_SECONDS = 6 * 365 * 24 * 60 * 60;

let database: Database;
let audit: AuditTrail;

const cosmos = useCosmosEmulator();
beforeEach(async () => {
  database = await ensureDatabase(cosmos.client(), `audit-${mintId()}`);
  await ensureContainers(database);
  audit = cosmosAuditTrail(async () => database.container("audit"), RETENTION_SECONDS);
});

const subject = "did:jwk:someone";

function entry(overrides: Partial<AuditEntry> = {}): AuditEntry {
  const shareId = mintId();
  return {
    id: `share.shared:${shareId}`,
    at: new Date().toISOString(),
    action: "share.shared",
    actor: "staff",
    subject,
    trustId: "RTH",
    shareId,
    credentialTypes: ["StaffPassportIdentity"],
    ...overrides,
  };
}

describe("the audit trail's store", () => {
  it("reads an entry back from the person's scope and the trust's, oldest first, each from one partition", async () => {
    const now = Date.now();
    const later = entry({ at: new Date(now).toISOString() });
    const earlier = entry({ at: new Date(now - 60_000).toISOString() });
    const otherTrust = entry({ trustId: "RJ1", at: new Date(now - 30_000).toISOString() });
    for (const written of [later, earlier, otherTrust]) await audit.append(written);

    expect(await audit.bySubject(subject)).toEqual([earlier, otherTrust, later]);
    expect(await audit.byTrust("RTH")).toEqual([earlier, later]);
    expect(await audit.byTrust("RJ1")).toEqual([otherTrust]);
    expect(await audit.bySubject(subject, new Date(now - 1_000))).not.toContainEqual(earlier);
    // Each copy carries the retention period as its own ttl.
    const { resources } = await database
      .container("audit")
      .items.query<{ ttl: number; scope: string }>("SELECT c.ttl, c.scope FROM c")
      .fetchAll();
    expect(resources.map((resource) => resource.ttl)).toEqual(resources.map(() => RETENTION_SECONDS));
    expect(new Set(resources.map((resource) => resource.scope))).toEqual(
      new Set([`subject:${subject}`, "trust:RTH", "trust:RJ1"]),
    );
  });

  it("keeps the first write of an entry: appending the same id with other content changes nothing", async () => {
    const first = entry({ code: "rejected", action: "decision.made" });
    await audit.append(first);
    await audit.append({ ...first, code: "accepted", at: new Date().toISOString() });
    expect(await audit.byTrust("RTH")).toEqual([first]);
    expect(await audit.bySubject(subject)).toEqual([first]);
  });

  it("offers no way to change or delete an entry: its only write is append", () => {
    expect(Object.keys(audit).sort()).toEqual(["append", "bySubject", "byTrust"]);
  });

  it("keeps a refusal that names no one under its month", async () => {
    const { subject: _s, trustId: _t, ...refusal } = entry({ action: "auth.refused", actor: "anonymous" });
    await audit.append(refusal);
    const { resources } = await database
      .container("audit")
      .items.query<{ scope: string }>("SELECT c.scope FROM c")
      .fetchAll();
    expect(resources.map((resource) => resource.scope)).toEqual([`unattributed:${refusal.at.slice(0, 7)}`]);
  });
});
