// The triggers the Azure entry point declares at start (functions/triggers.ts) are exactly those of the function
// definitions (functions/index.ts), so registering without loading the code can never drift from the code.
import { describe, expect, it } from "vitest";
import { functions } from "../../functions/index.js";
import { triggers } from "../../functions/triggers.js";

describe("the declared triggers", () => {
  it("name every defined function once, with its kind and its trigger options (all but the handler)", () => {
    const defined = functions.map(({ kind, name, options }) => {
      const { handler: _handler, ...trigger } = options as typeof options & { handler: unknown };
      return { kind, name, options: trigger };
    });
    expect(triggers).toEqual(defined);
  });
});
