// `npm run outbox -- list|retry`: its arguments, and what it lists and releases in the Cosmos DB emulator through
// the real stores: where a parked event is and why, never the event or the holder's DID, and a released event is
// what the sweep's query takes next.
import type { Database } from "@azure/cosmos";
import { beforeEach, describe, expect, it } from "vitest";
import { parseOutboxCommand, runOutboxCommand, UsageError } from "../../scripts/outbox.js";
import { ensureDatabase } from "../../src/adapters/cosmos/client.js";
import { ensureContainers } from "../../src/adapters/cosmos/containers.js";
import { credentialRequestStore } from "../../src/adapters/cosmos/credentialRequestStore.js";
import { shareStore } from "../../src/adapters/cosmos/shareStore.js";
import { mintId } from "../../src/domain/secrets.js";
import { useCosmosEmulator } from "../support/cosmosEmulator.js";

describe("npm run outbox: arguments", () => {
  it("reads list, retry with ids, and retry --all", () => {
    expect(parseOutboxCommand(["list"])).toEqual({ command: "list" });
    expect(parseOutboxCommand(["retry", "--id", "a", "--id", "b"])).toEqual({
      command: "retry",
      ids: ["a", "b"],
    });
    expect(parseOutboxCommand(["retry", "--all"])).toEqual({ command: "retry", ids: "all" });
  });

  it.each([
    [[], "no command"],
    [["drop"], 'unknown command "drop"'],
    [["list", "--all"], "list takes no options"],
    [["retry"], "pass --all"],
    [["retry", "--id"], "--id needs a value"],
    [["retry", "--id", "a", "--force", "b"], 'unknown option "--force"'],
  ])("refuses %j, saying why", (argv, reason) => {
    expect(() => parseOutboxCommand(argv)).toThrow(UsageError);
    expect(() => parseOutboxCommand(argv)).toThrow(reason);
  });
});

let database: Database;
const cosmos = useCosmosEmulator();
beforeEach(async () => {
  database = await ensureDatabase(cosmos.client(), `outbox-command-${mintId()}`);
  await ensureContainers(database);
});

describe("npm run outbox: against Cosmos DB", () => {
  const deps = () => ({
    shares: shareStore(async () => database.container("shares")),
    credentialRequests: credentialRequestStore(async () => database.container("credentialRequests")),
    clock: () => now,
  });
  let now = new Date();

  async function parked(container: "shares" | "credentialRequests", parkedAt: Date) {
    const id = mintId();
    const subject = `did:example:${mintId()}`;
    const eventId = mintId();
    await database.container(container).items.create({
      id,
      ...(container === "shares" ? { subject } : {}),
      trustId: "RTH",
      outbox: {
        event: {
          eventId,
          trustId: "RTH",
          type: "test",
          occurredAt: parkedAt.toISOString(),
          data: { secret: "claim" },
        },
        correlationId: "corr",
        storedAt: new Date(parkedAt.getTime() - 3_600_000).toISOString(),
        tries: 10,
        nextTryAt: parkedAt.toISOString(),
        parked: { reason: "MessageSizeExceeded", at: parkedAt.toISOString() },
      },
    });
    return { id, subject, eventId };
  }

  it("lists every parked event, oldest first, with where it is and why, and never the event or the DID", async () => {
    now = new Date();
    const share = await parked("shares", new Date(now.getTime() - 2_000));
    const request = await parked("credentialRequests", new Date(now.getTime() - 1_000));
    const { lines, summary, exitCode } = await runOutboxCommand({ command: "list" }, deps());
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      {
        kind: "share",
        id: share.id,
        eventId: share.eventId,
        trustId: "RTH",
        tries: 10,
        reason: "MessageSizeExceeded",
        parkedAt: new Date(now.getTime() - 2_000).toISOString(),
      },
      {
        kind: "credentialRequest",
        id: request.id,
        eventId: request.eventId,
        trustId: "RTH",
        tries: 10,
        reason: "MessageSizeExceeded",
        parkedAt: new Date(now.getTime() - 1_000).toISOString(),
      },
    ]);
    expect(lines.join("\n")).not.toContain("claim");
    expect(lines.join("\n")).not.toContain(share.subject);
    expect(summary).toBe("2 parked share event(s)");
    expect(exitCode).toBe(0);
  });

  it("releases the events named, by document or event id, so that the sweep's query takes them at once", async () => {
    now = new Date();
    const first = await parked("shares", now);
    const second = await parked("credentialRequests", now);
    const third = await parked("shares", now);
    const released = await runOutboxCommand({ command: "retry", ids: [first.id, second.eventId] }, deps());
    expect(released.lines.map((line) => JSON.parse(line).id).sort()).toEqual([first.id, second.id].sort());
    expect(released.exitCode).toBe(0);
    const { shares, credentialRequests } = deps();
    const due = { storedBefore: now, now };
    expect((await shares.unpublished(due, 10)).map((stored) => stored.value.id)).toEqual([first.id]);
    expect((await credentialRequests.unpublished(due, 10)).map((stored) => stored.value.id)).toEqual([
      second.id,
    ]);
    expect((await shares.get(first.subject, first.id))?.value.outbox).toMatchObject({ tries: 0 });
    // The one not named stays parked; naming only released ones again releases nothing, and says so.
    expect((await runOutboxCommand({ command: "list" }, deps())).lines).toHaveLength(1);
    expect(await runOutboxCommand({ command: "retry", ids: [first.id] }, deps())).toMatchObject({
      lines: [],
      exitCode: 1,
    });
    expect((await runOutboxCommand({ command: "retry", ids: "all" }, deps())).lines).toHaveLength(1);
    expect((await shares.unpublished(due, 10)).map((stored) => stored.value.id).sort()).toEqual(
      [first.id, third.id].sort(),
    );
    expect(await shares.countParkedOutboxes()).toBe(0);
  });
});
