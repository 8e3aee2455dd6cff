// Cost: Cosmos DB operations and Service Bus messages per share on the happy path, counted by instrumentation
// (the Cosmos DB emulator counts what it serves, by kind; the host counts what its Service Bus senders send or
// schedule), over BENCH_SHARES whole shares one after another: POST /api/shares, the wallet scans and presents,
// the portal reads the share once, and the trust receives the SET (recorded and delivered). Request units are
// estimated from the bytes of each operation (the emulator charges 1 for everything): a point read 1 RU per KB,
// a query 2.5 RU plus 1 per KB returned, a create, replace or upsert 5.5 RU per KB written, a delete 5 RU.
// Baseline: the floor the design sets, the operations a share makes by design, per container and kind, each with
// its reason (bench/shareOperations.ts), summed; the measured count must stay within 20% of it, and any operation
// measured more often than its design count is reported. Service Bus messages and Blob storage operations are
// reported beside their design counts.

import { againstFloor, FLOOR_TOLERANCE } from "./floor.js";
import {
  aboveDesign,
  designedPerShare,
  SHARE_BLOB_OPERATIONS,
  SHARE_MESSAGES,
  SHARE_OPERATIONS,
} from "./shareOperations.js";
import { logIn, receipts, requestIdOf, SHARED_TYPES, startStack } from "./stack.js";
import { keepAlive, ok, report, round } from "./support.js";

const SHARES = Number(process.env.BENCH_SHARES ?? 50);

type Operations = Record<string, { count: number; requestBytes: number; responseBytes: number }>;

function requestUnits(
  kind: string,
  entry: { requestBytes: number; responseBytes: number; count: number },
): number {
  const kb = (bytes: number) => Math.max(1, bytes / 1024);
  const perOperation = (bytes: number) => bytes / Math.max(1, entry.count);
  switch (kind) {
    case "read":
      return entry.count * Math.ceil(kb(perOperation(entry.responseBytes)));
    case "query":
    case "readFeed":
      return entry.count * (2.5 + kb(perOperation(entry.responseBytes)));
    case "create":
    case "replace":
    case "upsert":
    case "patch":
      return entry.count * 5.5 * Math.ceil(kb(perOperation(entry.requestBytes)));
    case "delete":
      return entry.count * 5;
    default:
      return 0;
  }
}

const stack = await startStack();
try {
  const agent = keepAlive(10);
  const session = await logIn(agent, stack.urls);
  const auth = { authorization: `Bearer ${session}` };
  const share = async () => {
    const started = await ok<{ shareId: string; url: string }>(agent, `${stack.urls.api}/shares`, {
      body: { credentialTypes: SHARED_TYPES },
      headers: auth,
    });
    await ok(agent, `${stack.urls.sim}/wallet/wallets/demo/scan`, { body: { url: started.url } });
    await ok(agent, `${stack.urls.sim}/wallet/wallets/demo/present`, {
      body: { requestId: requestIdOf(started.url) },
    });
    const view = await ok<{ status: string }>(agent, `${stack.urls.api}/shares/${started.shareId}`, {
      headers: auth,
    });
    if (view.status !== "shared") throw new Error(`share is ${view.status}`);
    await receipts(stack, [started.shareId]);
  };
  for (let i = 0; i < 5; i++) await share();

  // A share's last writes (its delivery's audit entry and payload mark) follow the trust's receipt: the counts are
  // reset and read once the emulator has served nothing new for a while, so that each share is counted whole.
  const quiet = async () => {
    let last = "";
    for (let i = 0; i < 50; i++) {
      const now = JSON.stringify(await stack.parts.cosmos.command<Operations>("stats"));
      if (now === last) return;
      last = now;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };
  await quiet();
  await stack.parts.cosmos.command("reset");
  type HostStats = { serviceBusMessages: number; blobOperations: Record<string, number> };
  const before = await stack.parts.host.command<HostStats>("stats");
  for (let i = 0; i < SHARES; i++) await share();
  await quiet();
  const operations = await stack.parts.cosmos.command<Operations>("stats");
  const after = await stack.parts.host.command<HostStats>("stats");
  const sent = after.serviceBusMessages - before.serviceBusMessages;
  // Blob storage operations on share event payloads (the claim check), by kind, per share.
  const blobByKind = Object.fromEntries(
    Object.entries(after.blobOperations).map(([kind, count]) => [
      kind,
      round((count - (before.blobOperations[kind] ?? 0)) / SHARES, 2),
    ]),
  );
  const blobOperations = round(
    Object.values(blobByKind).reduce((sum, perShare) => sum + perShare, 0),
    2,
  );
  agent.destroy();

  const rows = Object.entries(operations)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([kind, entry]) => ({
      operation: kind,
      perShare: round(entry.count / SHARES, 2),
      requestUnitsPerShare: round(requestUnits(kind.split(" ")[0] ?? "", entry) / SHARES, 2),
    }));
  const measured = Object.fromEntries(
    rows.filter((row) => row.operation !== "metadata").map((row) => [row.operation, row.perShare]),
  );
  const documentOperations = Object.values(measured).reduce((sum, perShare) => sum + perShare, 0);
  const designed = designedPerShare();
  const held = againstFloor(documentOperations, designed);
  const above = aboveDesign(measured);
  const units = rows.reduce((sum, row) => sum + row.requestUnitsPerShare, 0);
  rows.push({
    operation: "all document operations",
    perShare: round(documentOperations, 2),
    requestUnitsPerShare: round(units, 2),
  });
  report(
    {
      name: "cost",
      unit: "Cosmos DB operations per share",
      value: documentOperations,
      baseline: { name: "design: Cosmos DB operations per share", value: designed },
      params: {
        shares: SHARES,
        ratioToDesign: round(held.ratio, 3),
        withinDesign: held.withinFloor,
        tolerance: FLOOR_TOLERANCE,
        design: Object.fromEntries(SHARE_OPERATIONS.map((row) => [row.operation, row.perShare])),
        aboveDesign: above,
        serviceBusMessages: round(sent / SHARES, 2),
        serviceBusMessagesDesign: SHARE_MESSAGES.sent,
        blobOperations,
        blobOperationsDesign: Object.values(SHARE_BLOB_OPERATIONS).reduce((sum, count) => sum + count, 0),
        blobByKind,
        requestUnits: round(units, 2),
        metadataOperations: round((operations.metadata?.count ?? 0) / SHARES, 2),
        byKind: Object.fromEntries(rows.map((row) => [row.operation, row.perShare])),
      },
    },
    rows,
  );
  console.table(
    SHARE_OPERATIONS.map((row) => ({
      operation: row.operation,
      design: row.perShare,
      measured: measured[row.operation] ?? 0,
      why: row.why,
    })),
  );
  console.log(
    `design ${designed} Cosmos DB operations a share, measured ${round(documentOperations, 2)}: ` +
      `${round(held.ratio, 2)}× (${held.withinFloor ? "within" : "beyond"} ${Math.round((FLOOR_TOLERANCE - 1) * 100)}%)` +
      (above.length === 0
        ? "; no operation above its design count"
        : `; above their design count: ${above
            .map((row) => `${row.operation} ${row.measured} (design ${row.designed})`)
            .join(", ")}`),
  );
} finally {
  await stack.close();
}
