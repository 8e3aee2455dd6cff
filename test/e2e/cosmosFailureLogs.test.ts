// A Cosmos DB failure is logged with what an operator needs to look it up (status, substatus and activity id)
// and nothing of the response body.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalSystem } from "../../local/system.js";
import { services } from "../../src/composition.js";
import { correlationIdOf, startTestSystem } from "../support/system.js";

let system: LocalSystem;
const lines: string[] = [];

beforeAll(async () => {
  system = await startTestSystem({ log: (line) => lines.push(line) });
});
afterAll(() => system?.close());

describe("Cosmos DB failure logs", () => {
  it("logs the status, substatus and activity id of a failed call, and not its body", async () => {
    // The trusts container is gone: the query fails inside Cosmos DB with a status of its own.
    await (await services().database()).container("trusts").delete();
    const response = await fetch(`${system.urls.host}/api/trusts?search=oxford`);
    expect(response.status).toBe(503);
    const correlationId = correlationIdOf(response);
    const line = lines.find((l) => l.includes(correlationId) && l.includes('"level":"error"')) ?? "";
    // The local host prefixes each line with its level, as the Functions host's console does.
    const logged = JSON.parse(line.slice(line.indexOf("{"))) as Record<string, unknown>;
    expect(logged).toMatchObject({ errorCode: "dependency_unavailable", cosmosStatus: 404 });
    expect(typeof logged.cosmosSubstatus).toBe("number");
    expect(typeof logged.cosmosActivityId).toBe("string");
    expect(line).not.toMatch(/"body"|Resource Not Found|"message":"[^"]*Resource/i);
  });
});
