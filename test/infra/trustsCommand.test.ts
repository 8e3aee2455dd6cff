// `npm run trusts -- list|add|set|deactivate`: its arguments, and what it does to the `trusts` container of the
// Cosmos DB emulator through the real @azure/cosmos SDK: every document checked as the service reads it, shown
// before it is written, written only when the operator says so, and never over a change it did not see.
import type { Container, Database } from "@azure/cosmos";
import { beforeEach, describe, expect, it } from "vitest";
import {
  parseTrustsCommand,
  Refused,
  runTrustsCommand,
  type TrustsCommand,
  type TrustsDeps,
  UsageError,
} from "../../scripts/trusts.js";
import { ensureDatabase } from "../../src/adapters/cosmos/client.js";
import { ensureContainers } from "../../src/adapters/cosmos/containers.js";
import { stripSystemFields } from "../../src/adapters/cosmos/errors.js";
import { trustStore } from "../../src/adapters/cosmos/trustStore.js";
import { mintId } from "../../src/domain/secrets.js";
import { useCosmosEmulator } from "../support/cosmosEmulator.js";
import { npmRun } from "../support/npmRun.js";

const trust = (id: string, changes: Record<string, unknown> = {}) => ({
  id,
  name: `Trust ${id}`,
  active: true,
  accessKeyType: "StaffPassportAccessKey",
  issuerDids: [`did:web:${id.toLowerCase()}.staffpassport.nhs.uk`],
  delivery: { mode: "poll" },
  ...changes,
});

describe("npm run trusts: arguments", () => {
  it("reads each command, its file or fields (JSON when they are JSON), and whether to ask, write or only show", () => {
    expect(parseTrustsCommand(["list"])).toEqual({ command: "list" });
    expect(parseTrustsCommand(["add", "--file", "rth.json"])).toEqual({
      command: "add",
      file: "rth.json",
      mode: "ask",
    });
    expect(parseTrustsCommand(["add", "--file", "-", "--yes"])).toEqual({
      command: "add",
      file: "-",
      mode: "yes",
    });
    expect(parseTrustsCommand(["set", "RTH", "--file", "patch.json", "--dry-run"])).toEqual({
      command: "set",
      id: "RTH",
      patch: { file: "patch.json" },
      mode: "dry-run",
    });
    expect(
      parseTrustsCommand([
        "set",
        "RTH",
        "--field",
        "name=Oxford University Hospitals",
        "--field",
        "active=true",
        "--field",
        'delivery={"mode":"poll"}',
        "--field",
        "jwksUri=null",
      ]),
    ).toEqual({
      command: "set",
      id: "RTH",
      patch: {
        fields: {
          name: "Oxford University Hospitals",
          active: true,
          delivery: { mode: "poll" },
          jwksUri: null,
        },
      },
      mode: "ask",
    });
    expect(parseTrustsCommand(["deactivate", "RTH", "--yes"])).toEqual({
      command: "deactivate",
      id: "RTH",
      mode: "yes",
    });
  });

  it.each([
    [[], "no command"],
    [["drop"], 'unknown command "drop"'],
    [["list", "--yes"], "list takes no --yes"],
    [["list", "RTH"], 'list takes no "RTH"'],
    [["add"], "add needs --file"],
    [["add", "--file"], "--file"],
    [["add", "--file", "a.json", "--force"], "--force"],
    [["add", "--file", "a.json", "--yes", "--dry-run"], "pass one"],
    [["set", "--field", "name=x"], "set needs one trust id, not 0"],
    [["set", "RTH"], "set needs either --file"],
    [["set", "RTH", "--file", "a.json", "--field", "name=x"], "set needs either --file"],
    [["set", "RTH", "--field", "name"], '--field "name" is not <name>=<value>'],
    [["set", "RTH", "--field", "=x"], '--field "=x" is not <name>=<value>'],
    [["set", "RTH", "--field", "name=a", "--field", "name=b"], "--field name is given twice"],
    [["deactivate"], "deactivate needs one trust id, not 0"],
    [["deactivate", "RTH", "RJ1"], "deactivate needs one trust id, not 2"],
    [["deactivate", "RTH", "--file", "a.json"], "deactivate takes no --file"],
  ])("refuses %j, saying why", (argv, reason) => {
    expect(() => parseTrustsCommand(argv)).toThrow(UsageError);
    expect(() => parseTrustsCommand(argv)).toThrow(reason);
  });
});

let database: Database;
let container: Container;
const cosmos = useCosmosEmulator();
beforeEach(async () => {
  database = await ensureDatabase(cosmos.client(), `trusts-command-${mintId()}`);
  await ensureContainers(database);
  container = database.container("trusts");
});

/** Every stored trust, without Cosmos DB's own fields, by id. */
async function stored(): Promise<Record<string, unknown>[]> {
  const { resources } = await container.items.query<Record<string, unknown>>("SELECT * FROM c").fetchAll();
  return resources
    .map((document) => stripSystemFields<Record<string, unknown>>(document))
    .sort((a, b) => String(a.id).localeCompare(String(b.id)));
}

type Run = { exitCode: number | undefined; output: string; refused: string | undefined; asked: string[] };

/**
 * Runs the command against the emulator's container with the files given; `answer` is what the operator types
 * at the terminal (none: no terminal), `meanwhile` what another writer does while the operator is asked.
 */
async function run(
  command: TrustsCommand,
  options: { files?: Record<string, string>; answer?: boolean; meanwhile?: () => Promise<void> } = {},
): Promise<Run> {
  const lines: string[] = [];
  const asked: string[] = [];
  const deps: TrustsDeps = {
    container,
    read: async (file) => {
      const text = options.files?.[file];
      if (text === undefined) throw new Error(`no file ${file} in this test`);
      return text;
    },
    confirm:
      options.answer === undefined
        ? undefined
        : async (question) => {
            asked.push(question);
            await options.meanwhile?.();
            return options.answer ?? false;
          },
    print: (line) => lines.push(line),
  };
  try {
    const exitCode = await runTrustsCommand(command, deps);
    return { exitCode, output: lines.join("\n"), refused: undefined, asked };
  } catch (error) {
    if (!(error instanceof Refused)) throw error;
    return { exitCode: undefined, output: lines.join("\n"), refused: error.message, asked };
  }
}

describe("npm run trusts: against Cosmos DB", () => {
  it("lists every trust by id, inactive ones too, and marks a document the service cannot read", async () => {
    await container.items.create(trust("RTH", { protocols: ["verifiedid", "openid4vp"] }));
    await container.items.create(
      trust("RJ1", {
        active: false,
        delivery: { mode: "push", endpoint: "https://rj1.example.nhs.uk/events" },
      }),
    );
    await container.items.create({ ...trust("R0A"), delivery: undefined, issuerDids: ["not-a-did"] });
    const { exitCode, output } = await run({ command: "list" });
    expect(exitCode).toBe(0);
    expect(output.split("\n").map((line) => line.split(/ {2,}/))).toEqual([
      ["ID", "NAME", "ACTIVE", "PROTOCOLS", "DELIVERY", "DOCUMENT"],
      ["R0A", "Trust R0A", "?", "?", "?", "invalid: issuerDids.0"],
      ["RJ1", "Trust RJ1", "no", "verifiedid", "push", "ok"],
      ["RTH", "Trust RTH", "yes", "verifiedid,openid4vp", "poll", "ok"],
    ]);
  });

  it("adds a new trust with --yes: shows the document, then creates it as the service reads it", async () => {
    const document = trust("RTH", { jwksUri: "https://rth.example.nhs.uk/jwks.json" });
    const { exitCode, output } = await run(
      { command: "add", file: "rth.json", mode: "yes" },
      { files: { "rth.json": JSON.stringify(document) } },
    );
    expect(exitCode).toBe(0);
    expect(output).toContain(`new trust RTH:\n${JSON.stringify(document, null, 2)}`);
    expect(await stored()).toEqual([document]);
    expect(await trustStore(async () => container).get("RTH")).toEqual(document);
  });

  it("refuses a document the service would not read, naming each wrong field, and writes nothing", async () => {
    const document = { ...trust("RTH", { issuerDids: ["rth"] }), colour: "blue" };
    const { refused, output } = await run(
      { command: "add", file: "rth.json", mode: "yes" },
      { files: { "rth.json": JSON.stringify(document) } },
    );
    expect(refused).toContain("rth.json is not a valid trust; nothing written");
    expect(refused).toContain("issuerDids.0: must be a DID");
    expect(refused).toContain('(document): Unrecognized key: "colour"');
    expect(output).toBe("");
    expect(await stored()).toEqual([]);
  });

  it("refuses a file that is not JSON and writes nothing", async () => {
    const { refused } = await run(
      { command: "add", file: "rth.json", mode: "yes" },
      { files: { "rth.json": "{ id: RTH" } },
    );
    expect(refused).toMatch(/^rth\.json is not JSON .*; nothing written$/);
    expect(await stored()).toEqual([]);
  });

  it("refuses to add a trust whose id exists before asking, and leaves the stored one as it was", async () => {
    await container.items.create(trust("RTH"));
    const { refused, output, asked } = await run(
      { command: "add", file: "rth.json", mode: "ask" },
      { files: { "rth.json": JSON.stringify(trust("RTH", { name: "Another" })) }, answer: true },
    );
    expect(refused).toBe("trust RTH exists; change it with set");
    expect({ output, asked }).toEqual({ output: "", asked: [] });
    expect(await stored()).toEqual([trust("RTH")]);
  });

  it("refuses to add a trust that someone else created while the operator was asked, and theirs stays", async () => {
    const { refused, asked } = await run(
      { command: "add", file: "rth.json", mode: "ask" },
      {
        files: { "rth.json": JSON.stringify(trust("RTH", { name: "Another" })) },
        answer: true,
        meanwhile: async () => {
          await container.items.create(trust("RTH"));
        },
      },
    );
    expect(asked).toHaveLength(1);
    expect(refused).toBe("trust RTH exists; change it with set");
    expect(await stored()).toEqual([trust("RTH")]);
  });

  it("sets fields given on the command line, showing only the fields that change, before and after", async () => {
    await container.items.create(trust("RTH", { jwksUri: "https://rth.example.nhs.uk/jwks.json" }));
    const { exitCode, output } = await run({
      command: "set",
      id: "RTH",
      patch: { fields: { name: "Oxford", active: true, protocols: ["openid4vp"], jwksUri: null } },
      mode: "yes",
    });
    expect(exitCode).toBe(0);
    expect(output).toContain(
      [
        "trust RTH, fields that change:",
        "  name:",
        '    - "Trust RTH"',
        '    + "Oxford"',
        "  jwksUri:",
        '    - "https://rth.example.nhs.uk/jwks.json"',
        "    + (absent)",
        "  protocols:",
        "    - (absent)",
        '    + ["openid4vp"]',
      ].join("\n"),
    );
    expect(output).not.toContain("active:");
    expect(await stored()).toEqual([trust("RTH", { name: "Oxford", protocols: ["openid4vp"] })]);
  });

  it("sets the fields of a patch file", async () => {
    await container.items.create(trust("RTH"));
    const patch = { delivery: { mode: "push", endpoint: "https://rth.example.nhs.uk/events" } };
    const { exitCode } = await run(
      { command: "set", id: "RTH", patch: { file: "patch.json" }, mode: "yes" },
      { files: { "patch.json": JSON.stringify(patch) } },
    );
    expect(exitCode).toBe(0);
    expect(await stored()).toEqual([trust("RTH", patch)]);
  });

  it.each([
    [
      { delivery: { mode: "push", endpoint: "http://rth.example.nhs.uk/events" } },
      "delivery.endpoint: must be https",
    ],
    [{ issuerDids: [] }, "issuerDids"],
    [{ active: "no" }, "active: Invalid input: expected boolean"],
    [{ accessKeyType: null }, "accessKeyType: Invalid input"],
    [{ colour: "blue" }, 'Unrecognized key: "colour"'],
  ])("refuses to set %j, naming the field, and leaves the trust as it was", async (fields, reason) => {
    await container.items.create(trust("RTH"));
    const { refused } = await run({ command: "set", id: "RTH", patch: { fields }, mode: "yes" });
    expect(refused).toContain("trust RTH with this change is not a valid trust; nothing written");
    expect(refused).toContain(reason);
    expect(await stored()).toEqual([trust("RTH")]);
  });

  it("refuses to change a trust's id, or one that does not exist", async () => {
    await container.items.create(trust("RTH"));
    const renamed = await run({ command: "set", id: "RTH", patch: { fields: { id: "RJ1" } }, mode: "yes" });
    expect(renamed.refused).toBe("a trust's id cannot change; nothing written");
    const missing = await run({ command: "deactivate", id: "RJ1", mode: "yes" });
    expect(missing.refused).toBe('there is no trust "RJ1"');
    expect(await stored()).toEqual([trust("RTH")]);
  });

  it("refuses to write over a change made by someone else after the trust was read, which stays", async () => {
    await container.items.create(trust("RTH"));
    const { refused, asked } = await run(
      { command: "set", id: "RTH", patch: { fields: { name: "Oxford" } }, mode: "ask" },
      {
        answer: true,
        meanwhile: async () => {
          await container.item("RTH", "RTH").replace(trust("RTH", { name: "Someone else's" }));
        },
      },
    );
    expect(asked).toHaveLength(1);
    expect(refused).toBe(
      "trust RTH was changed by someone else after it was read; nothing written: run again",
    );
    expect(await stored()).toEqual([trust("RTH", { name: "Someone else's" })]);
  });

  it("deactivates a trust, showing the change; deactivating it again changes nothing", async () => {
    await container.items.create(trust("RTH"));
    const first = await run({ command: "deactivate", id: "RTH", mode: "yes" });
    expect(first.exitCode).toBe(0);
    expect(first.output).toContain("trust RTH, fields that change:\n  active:\n    - true\n    + false");
    expect(await stored()).toEqual([trust("RTH", { active: false })]);
    const { resource } = await container.item("RTH", "RTH").read();
    const again = await run({ command: "deactivate", id: "RTH", mode: "yes" });
    expect(again).toMatchObject({ exitCode: 0, output: "trust RTH already is so; nothing to write" });
    expect((await container.item("RTH", "RTH").read()).resource?._etag).toBe(resource?._etag);
  });

  it("with --dry-run, shows the change and writes nothing", async () => {
    const added = await run(
      { command: "add", file: "rth.json", mode: "dry-run" },
      { files: { "rth.json": JSON.stringify(trust("RTH")) } },
    );
    expect(added.exitCode).toBe(0);
    expect(added.output).toContain("new trust RTH:");
    expect(added.output).toContain("dry run: nothing written");
    expect(await stored()).toEqual([]);
    await container.items.create(trust("RTH"));
    const deactivated = await run({ command: "deactivate", id: "RTH", mode: "dry-run" });
    expect(deactivated.output).toContain("  active:\n    - true\n    + false\ndry run: nothing written");
    expect(await stored()).toEqual([trust("RTH")]);
  });

  it("asks before writing: writes on yes, refuses on no, and refuses with no terminal to ask at", async () => {
    await container.items.create(trust("RTH"));
    const patch = { command: "set", id: "RTH", patch: { fields: { name: "Oxford" } }, mode: "ask" } as const;
    const noTerminal = await run(patch);
    expect(noTerminal.refused).toBe(
      "nothing written: standard input is not a terminal to confirm at; pass --yes to write",
    );
    const declined = await run(patch, { answer: false });
    expect(declined).toMatchObject({
      asked: ["write this? [y/N] "],
      refused: "nothing written: not confirmed",
    });
    expect(await stored()).toEqual([trust("RTH")]);
    const confirmed = await run(patch, { answer: true });
    expect(confirmed).toMatchObject({ asked: ["write this? [y/N] "], exitCode: 0 });
    expect(await stored()).toEqual([trust("RTH", { name: "Oxford" })]);
  });
});

describe("npm run trusts: as the operator runs it", () => {
  /** Runs `npm run trusts` with the emulator and this test's database, `input` on its standard input. */
  const trusts = (args: readonly string[], input = "") =>
    npmRun("trusts", args, {
      env: { COSMOS_ENDPOINT: cosmos.endpoint(), COSMOS_DATABASE: database.id },
      input,
    });

  // Runs of npm and tsx: slow on a loaded machine, hence the longer timeout.
  it("exits 2 on a usage error, 1 when it refuses to write without a terminal, 0 once written", async () => {
    const usage = await trusts(["deactivate"]);
    expect(usage).toMatchObject({ code: 2, stdout: "" });
    expect(usage.stderr).toContain("deactivate needs one trust id, not 0\nusage: npm run trusts --");
    const document = JSON.stringify(trust("RTH"));
    const unasked = await trusts(["add", "--file", "-"], document);
    expect(unasked.code).toBe(1);
    expect(unasked.stdout).toContain("new trust RTH:");
    expect(unasked.stderr).toContain("standard input is not a terminal to confirm at; pass --yes to write");
    expect(await stored()).toEqual([]);
    const written = await trusts(["add", "--file", "-", "--yes"], document);
    expect(written).toMatchObject({ code: 0, stderr: "" });
    expect(await stored()).toEqual([trust("RTH")]);
  }, 60_000);
});
