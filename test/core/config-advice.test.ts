import { describe, expect, it } from "vitest";
import { KNOWN_CONFIG_KEYS, unknownConfigKeyWarning } from "../../provider/core";

describe("unknownConfigKeyWarning", () => {
  it("is silent for every key something reads", () => {
    for (const key of KNOWN_CONFIG_KEYS) expect(unknownConfigKeyWarning(key), key).toBeUndefined();
  });

  it.each([
    ["apiurl", "apiUrl"],
    ["apiURL", "apiUrl"],
    ["apiUlr", "apiUrl"],
    ["api_key", "apiKey"],
    ["allowInsecureHTTP", "allowInsecureHttp"],
    ["maxConcurency", "maxConcurrency"],
    ["ratelimit", "rateLimit"],
    ["declaration", "declarations"],
  ])("names the closest known key for %s: %s", (typo, known) => {
    const w = unknownConfigKeyWarning(typo);
    expect(w).toContain(`Config key marin-social:${typo} is not one marin-social reads`);
    expect(w).toContain(`did you mean marin-social:${known}?`);
  });

  it("lists the known keys when none is close", () => {
    const w = unknownConfigKeyWarning("region");
    expect(w).not.toContain("did you mean");
    for (const key of KNOWN_CONFIG_KEYS) expect(w).toContain(`marin-social:${key}`);
  });

  it("shows a key with control characters escaped, and a long one cut", () => {
    expect(unknownConfigKeyWarning("api\u001b[2JUrl")).toContain("marin-social:api\\u001b[2JUrl");
    expect(unknownConfigKeyWarning("x".repeat(500))?.length).toBeLessThan(600);
  });
});
