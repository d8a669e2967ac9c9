/**
 * The contract (schemas/marin-social-api.yaml) is the single source of ids, lengths, enums and
 * the API's types, and the token definition (schemas/publisher-token.yaml) of the token's
 * properties: what is generated from them is up to date, a change shows up as stale files, and
 * no hand copy of their rules is left in the code.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  ACCOUNT_ID,
  ACTOR,
  AGENCY_ID,
  LIST_ACCOUNTS,
  PUBLISHER_ID_PREFIXES,
  PUBLISHER_SQL_CHECK,
  PUBLISHERS,
  REASON,
  REQUEST_BODY_LIMITS,
} from "../../provider/generated/contract";
import { loadContract } from "../../provider/sandbox";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const generator = require("../../scripts/generate-contract.js") as { generate(root?: string): Record<string, string>; stale(root?: string): string[] };

const ROOT = path.resolve(__dirname, "..", "..");
const tmp = mkdtempSync(path.join(tmpdir(), "marin-contract-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("generated from the contract", () => {
  it("provider/generated/ and schemas/tokens.schema.json are up to date (run `npm run build` if not)", () => {
    expect(generator.stale()).toEqual([]);
  });

  it("the drift check (`--check`, which `npm test` runs before the build) names a stale file and a file in provider/generated that nothing generates", () => {
    cpSync(path.join(ROOT, "schemas"), path.join(tmp, "schemas"), { recursive: true });
    cpSync(path.join(ROOT, "provider", "generated"), path.join(tmp, "provider", "generated"), { recursive: true });
    const token = path.join(tmp, "provider", "generated", "token.ts");
    writeFileSync(token, readFileSync(token, "utf8").replace("accountId: AccountId;", "accountId: string;"));
    writeFileSync(path.join(tmp, "provider", "generated", "by-hand.ts"), "export const X = 1;\n");
    expect(generator.stale(tmp)).toEqual(["provider/generated/token.ts", "provider/generated/by-hand.ts (not generated: remove it)"]);
    rmSync(path.join(tmp, "provider", "generated"), { recursive: true });
  });

  it("refuses a publisher without an account id prefix, or not named in the enum's description", () => {
    cpSync(path.join(ROOT, "schemas"), path.join(tmp, "schemas"), { recursive: true });
    const file = path.join(tmp, "schemas", "marin-social-api.yaml");
    const text = readFileSync(path.join(ROOT, "schemas", "marin-social-api.yaml"), "utf8");
    writeFileSync(file, text.replace("enum: [facebook, twitter]", "enum: [facebook, twitter, linkedin]"));
    expect(() => generator.generate(tmp)).toThrow(/Publisher\.description must name linkedin/);
    writeFileSync(
      file,
      text
        .replace("enum: [facebook, twitter]", "enum: [facebook, twitter, linkedin]")
        .replace("description: one of facebook, twitter", "description: one of facebook, twitter, linkedin"),
    );
    expect(() => generator.generate(tmp)).toThrow(/x-publisher-id-prefixes needs an account id prefix for linkedin/);
  });

  it("a change to the contract makes both stale, and regenerating carries it over", () => {
    cpSync(path.join(ROOT, "schemas"), path.join(tmp, "schemas"), { recursive: true });
    cpSync(path.join(ROOT, "provider", "generated"), path.join(tmp, "provider", "generated"), { recursive: true });
    expect(generator.stale(tmp)).toEqual([]);
    const file = path.join(tmp, "schemas", "marin-social-api.yaml");
    const text = readFileSync(file, "utf8");
    const changed = text
      .replace(/(AgencyId:\n(?: {6}.*\n)*? {6}maxLength: )64/, "$180")
      .replace("an agency id of 1 to 64 letters", "an agency id of 1 to 80 letters");
    expect(changed).not.toBe(text);
    writeFileSync(file, changed);
    expect(generator.stale(tmp).sort()).toEqual(["provider/generated/contract.ts", "schemas/tokens.schema.json"]);
    // The token's own generated file changes with what it takes from the contract.
    writeFileSync(
      file,
      changed.replace("maxLength: 1000\n      description: a reason of at most 1000", "maxLength: 2000\n      description: a reason of at most 2000"),
    );
    expect(generator.stale(tmp).sort()).toEqual(["provider/generated/contract.ts", "provider/generated/token.ts", "schemas/tokens.schema.json"]);
    writeFileSync(file, changed);
    const out = generator.generate(tmp);
    expect(out["provider/generated/contract.ts"]).toContain('"maxLength": 80');
    expect(JSON.parse(out["schemas/tokens.schema.json"]!).definitions.expectAgencies.items.maxLength).toBe(80);
  });

  it("refuses a rule whose description does not name its length limit (messages quote the description)", () => {
    const file = path.join(tmp, "schemas", "marin-social-api.yaml");
    writeFileSync(file, readFileSync(path.join(ROOT, "schemas", "marin-social-api.yaml"), "utf8").replace("who acts, 1 to 200 characters", "who acts"));
    expect(() => generator.generate(tmp)).toThrow(/Actor\.description must name its (min|max)Length/);
  });

  it("the constants are the contract's own values", () => {
    const doc = loadContract();
    const accounts = doc.operation("GET /v1/accounts")!;
    expect(accounts).toBeDefined();
    expect(PUBLISHERS).toEqual(["facebook", "twitter"]);
    expect(PUBLISHER_ID_PREFIXES).toEqual({ facebook: "fb-", twitter: "tw-" });
    expect(PUBLISHER_SQL_CHECK).toBe("publisher IN ('facebook', 'twitter')");
    expect([ACCOUNT_ID.maxLength, AGENCY_ID.maxLength, ACTOR.maxLength, REASON.maxLength]).toEqual([64, 64, 200, 1000]);
    expect(LIST_ACCOUNTS).toEqual({ maxIds: 100, maxLimit: 500, defaultLimit: 100 });
    expect(REQUEST_BODY_LIMITS).toEqual({ v1: 64 * 1024, sandbox: 16 * 1024 * 1024 });
  });
});

describe("no hand copy of a contract rule", () => {
  /** Every .ts/.js source under these folders, except the generated file. */
  function sources(...dirs: string[]): string[] {
    const out: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const p = path.join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.(ts|js|mjs|cjs)$/.test(name) && !p.includes(`${path.sep}generated${path.sep}`)) out.push(p);
      }
    };
    for (const d of dirs) walk(path.join(ROOT, d));
    return out;
  }

  it.each([
    ["an id character class", /\[A-Za-z0-9\]\[A-Za-z0-9\._/],
    ["an id length quantifier", /\{0,(63|127)\}/],
    ["the publisher union", /["']facebook["']\s*\|\s*["']twitter["']/],
    ["a list of the publishers", /["']facebook["'],\s*["']twitter["']/],
    ["a test for one publisher", /publisher\s*[!=]==?\s*["'](facebook|twitter)["']/],
    ["a body limit", /64\s*\*\s*1024(?!\s*\*)/],
  ])("%s appears only in provider/generated", (_what, copy) => {
    const found = sources("provider", "bench", "scripts").filter((f) => copy.test(readFileSync(f, "utf8")));
    expect(found.map((f) => path.relative(ROOT, f))).toEqual([]);
  });
});
