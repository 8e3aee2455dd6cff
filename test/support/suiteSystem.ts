// One local system for a test file and what most of its tests start from: the API's and the simulator's URLs and,
// when asked, the demo wallet's session at a trust. Started before the file's tests and closed after them, whatever
// they did.
import { afterAll, beforeAll } from "vitest";
import type { LocalSystem, SystemOptions } from "../../local/system.js";
import { logIn, type Urls } from "./journeys.js";
import { startTestSystem } from "./system.js";

export type SuiteSystem = {
  /** Filled in before the file's first test; the same object throughout, so a file may keep it in a constant. */
  readonly urls: Urls;
  system(): LocalSystem;
  /** The demo wallet's session token at the trust named by `logIn`. */
  session(): string;
};

export type SuiteOptions = Partial<SystemOptions> & {
  /** Logs the demo wallet in at this trust before the first test. */
  readonly logIn?: string;
};

/** Registers the start and stop hooks; hooks a file registers after this call run once the system is up. */
export function useTestSystem({ logIn: trustId, ...options }: SuiteOptions = {}): SuiteSystem {
  const urls: Urls = { api: "", sim: "" };
  let system: LocalSystem | undefined;
  let session: string | undefined;
  beforeAll(async () => {
    system = await startTestSystem(options);
    Object.assign(urls, { api: `${system.urls.host}/api`, sim: system.urls.verifiedId });
    if (trustId !== undefined) session = await logIn(urls, "demo", trustId);
  });
  afterAll(() => system?.close());
  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is there from the file's first test on`);
    return value;
  };
  return {
    urls,
    system: () => started(system, "the local system"),
    session: () => started(session, "a session (pass logIn)"),
  };
}
