// What a log line says about a caught error: codes and identifiers, never messages, bodies or stacks.
import { describe, expect, it } from "vitest";
import { DependencyUnavailable } from "../../src/adapters/cosmos/errors.js";
import { describeError } from "../../src/log.js";

/** A failure in the shape @azure/cosmos gives it, with a body that quotes the request. */
function cosmosFailure() {
  return Object.assign(new Error('Message: {"Errors":["claim value 1234567"]}'), {
    code: 429,
    body: { message: "claim value 1234567" },
    headers: { "x-ms-activity-id": "0b7d3c1e-1111-4a5b-9c2d-3e4f5a6b7c8d", "x-ms-substatus": "3200" },
  });
}

describe("describeError", () => {
  it("logs a wrapped Cosmos DB failure's status, substatus and activity id from its headers", () => {
    const fields = describeError(new DependencyUnavailable("Cosmos DB", { cause: cosmosFailure() }));
    expect(fields).toMatchObject({
      errorCode: "dependency_unavailable",
      cosmosStatus: 429,
      cosmosSubstatus: 3200,
      cosmosActivityId: "0b7d3c1e-1111-4a5b-9c2d-3e4f5a6b7c8d",
    });
    expect(JSON.stringify(fields)).not.toContain("1234567");
  });

  it("logs the same fields for a Cosmos DB failure caught unwrapped", () => {
    expect(describeError(cosmosFailure())).toMatchObject({ cosmosStatus: 429, cosmosSubstatus: 3200 });
  });

  it("adds no Cosmos DB fields to an error that is not one", () => {
    expect(describeError(new TypeError("x is undefined"))).toEqual({
      errorName: "TypeError",
      errorCode: undefined,
    });
  });
});
