// `npm start`'s settings: the environment wins over local.settings.sample.json for the sample's own names, as it
// does with the Functions host, and nothing else of the environment becomes a setting.
import { describe, expect, it } from "vitest";
import { sampleSettings, settingsFromEnv } from "../../local/settings.js";

describe("npm start's settings from the environment", () => {
  it("takes a sample setting the environment sets, over the file's value", () => {
    expect(sampleSettings().RATE_LIMIT_LOGINS_PER_MINUTE).not.toBe("20");
    expect(settingsFromEnv({ RATE_LIMIT_LOGINS_PER_MINUTE: "20" })).toEqual({
      RATE_LIMIT_LOGINS_PER_MINUTE: "20",
    });
  });

  it("leaves out blank values and names the sample does not have", () => {
    expect(settingsFromEnv({ LOG_LEVEL: "", PATH: "/usr/bin", HOME: "/root", SOME_SECRET: "x" })).toEqual({});
  });
});
