/**
 * The bad-input corpus: every file in test/fixtures/declarations/bad has a
 * sibling NN-name.expected.txt with the exact problem lines, the file named
 * as `bad/NN-name.yaml`. Huge inputs (oversize, too many tokens, a deep alias
 * bomb, deep nesting) are generated here instead of committed.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import {
  formatProblem,
  type LoadResult,
  loadDeclarations,
  MAX_ALIAS_COUNT,
  MAX_FILE_BYTES,
  MAX_MAP_KEYS,
  MAX_TOKENS,
  parseDeclarations,
  SPLIT_ADVICE,
} from "../../provider/declarations";

const BAD = path.join(__dirname, "..", "fixtures", "declarations", "bad");
const files = readdirSync(BAD)
  .filter((f) => f.endsWith(".yaml"))
  .sort();

function lines(result: LoadResult): string[] {
  expect(result.ok).toBe(false);
  if (result.ok) return [];
  expect("tokens" in result).toBe(false);
  return result.problems.map(formatProblem);
}

describe("bad declaration corpus", () => {
  test("holds at least 30 files, each with its expected output", () => {
    expect(files.length).toBeGreaterThanOrEqual(30);
    for (const f of files) expect(readdirSync(BAD)).toContain(f.replace(/\.yaml$/, ".expected.txt"));
  });

  test.each(files)("%s", async (f) => {
    const text = readFileSync(path.join(BAD, f), "utf8");
    const expected = readFileSync(path.join(BAD, f.replace(/\.yaml$/, ".expected.txt")), "utf8")
      .trimEnd()
      .split("\n");
    expect(lines(parseDeclarations(text, `bad/${f}`))).toEqual(expected);
    // Reading from disk is the same loader; only the file label differs.
    const onDisk = path.join(BAD, f);
    expect(lines(await loadDeclarations(onDisk))).toEqual(expected.map((l) => onDisk + l.slice(`bad/${f}`.length)));
  });
});

describe("generated bad inputs", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "decl-corpus-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("a file over MAX_FILE_BYTES is refused with both sizes, before parsing", async () => {
    const head = "tokens:\n  - accountId: fb-1001\n    valid: false\n";
    const text = `${head + "#".repeat(MAX_FILE_BYTES + 1 - head.length)}\n`;
    const bytes = Buffer.byteLength(text);
    const want = [`big.yaml:1:1: (root): the file is ${bytes.toLocaleString("en-US")} bytes (1.00 MiB); the limit is 1,048,576 bytes (1 MiB); ${SPLIT_ADVICE}`];
    expect(lines(parseDeclarations(text, "big.yaml"))).toEqual(want);
    const file = path.join(dir, "big.yaml");
    writeFileSync(file, text);
    expect(lines(await loadDeclarations(file))).toEqual(want.map((l) => l.replace("big.yaml", file)));
  });

  test("the size limit counts UTF-8 bytes, not characters", () => {
    const text = `tokens: []\n# ${"é".repeat(MAX_FILE_BYTES / 2)}\n`;
    expect(text.length).toBeLessThan(MAX_FILE_BYTES);
    const [line] = lines(parseDeclarations(text, "wide.yaml"));
    expect(line).toContain(`the file is ${Buffer.byteLength(text).toLocaleString("en-US")} bytes`);
  });

  test("a file exactly at MAX_FILE_BYTES is read", () => {
    const head = "tokens: []\n";
    const text = `${head + "#".repeat(MAX_FILE_BYTES - head.length - 1)}\n`;
    expect(Buffer.byteLength(text)).toBe(MAX_FILE_BYTES);
    expect(parseDeclarations(text, "full.yaml")).toEqual({ ok: true, file: "full.yaml", tokens: [], people: [] });
  });

  test("more than MAX_TOKENS tokens are refused", () => {
    let text = "defaults: {valid: false}\ntokens:\n";
    for (let i = 0; i <= MAX_TOKENS; i++) text += `- accountId: a${i}\n`;
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_FILE_BYTES);
    expect(lines(parseDeclarations(text, "many.yaml"))).toEqual([
      `many.yaml:3:1: tokens: declares ${(MAX_TOKENS + 1).toLocaleString("en-US")} tokens; the limit is 50,000 per file; ${SPLIT_ADVICE}`,
    ]);
  });

  test("a nine-level alias bomb stops at MAX_ALIAS_COUNT expansions", () => {
    let text = "defaults:\n  valid: false\n  expectAgencies: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\ntokens:\n";
    for (let level = 1; level <= 9; level++) {
      const refs = Array.from({ length: 10 }, () => `*l${level - 1}`).join(", ");
      text += `  - accountId: fb-${level}\n    expectAgencies: &l${level} [${refs}]\n`;
    }
    // yaml's maxAliasCount: *l0 is used 11 times in all at level 1 (each weighs 1); each *l1 then
    // weighs 11, so its 9th alias (index 8; 10 uses in all) makes 110 > 100.
    const line = 8; // the line of level 2's list
    const col = "    expectAgencies: &l2 [".length + 1 + 8 * "*l1, ".length;
    expect(lines(parseDeclarations(text, "bomb.yaml"))).toEqual([
      `bomb.yaml:${line}:${col}: tokens[1].expectAgencies[8]: too many alias expansions: expanding *l1 goes over ${MAX_ALIAS_COUNT} (counting the aliases inside it each time); this looks like an alias bomb: write the values out, or set shared values once under defaults:`,
    ]);
  });

  // yaml's maxAliasCount: an anchor's uses (the anchor itself and each alias so far) times the aliases nested in it.
  test("an anchor used MAX_ALIAS_COUNT times in all is fine; one more use is refused, at that alias", () => {
    const make = (aliases: number) => {
      let text = "defaults: {valid: false}\ntokens:\n  - accountId: a0\n    expectAgencies: &ags [ag-north]\n";
      for (let i = 1; i <= aliases; i++) text += `  - accountId: a${i}\n    expectAgencies: *ags\n`;
      return text;
    };
    const ok = parseDeclarations(make(MAX_ALIAS_COUNT - 1), "ok.yaml");
    expect(ok.ok && ok.tokens.length).toBe(MAX_ALIAS_COUNT);
    expect(lines(parseDeclarations(make(MAX_ALIAS_COUNT), "over.yaml"))).toEqual([
      `over.yaml:${2 * MAX_ALIAS_COUNT + 4}:21: tokens[100].expectAgencies: too many alias expansions: expanding *ags goes over 100 (counting the aliases inside it each time); this looks like an alias bomb: write the values out, or set shared values once under defaults:`,
    ]);
  });

  test("more than MAX_ALIAS_COUNT aliases in one file are refused, at the first one over", () => {
    let text = "defaults: {valid: false}\ntokens:\n";
    for (let i = 0; i <= MAX_ALIAS_COUNT; i++) text += `  - accountId: &id${i} a${i}\n    reason: *id${i}\n`;
    expect(lines(parseDeclarations(text, "many.yaml"))).toEqual([
      `many.yaml:${2 * MAX_ALIAS_COUNT + 4}:13: tokens[100].reason: more than 100 aliases (*name) in one file; write the values out, or set shared values once under defaults:`,
    ]);
  });

  // yaml's own CST parser stack is watched while parsing: deeper than 64 stops.
  test.each([
    ["flow lists", "[".repeat(MAX_FILE_BYTES - 1), "1:64"],
    ["flow maps", "{".repeat(MAX_FILE_BYTES - 1), "1:64"],
    ["block lists on one line", `${"- ".repeat(MAX_FILE_BYTES / 2 - 1)}x`, "1:127"],
    ["explicit keys", `${"? ".repeat(MAX_FILE_BYTES / 2 - 1)}x`, "1:127"],
    ["indented lists", Array.from({ length: 1000 }, (_, i) => `${" ".repeat(i)}-\n`).join(""), "64:64"],
    ["indented maps", Array.from({ length: 1000 }, (_, i) => `${" ".repeat(i)}a:\n`).join(""), "64:64"],
  ])("deep nesting (%s) is refused early, where it goes over", (_name, text, at) => {
    expect(lines(parseDeclarations(text, "deep.yaml"))).toEqual([
      `deep.yaml:${at}: (root): lists and maps are nested more than 64 levels deep; a declaration file needs 4 (root, tokens, a token, expectAgencies)`,
    ]);
  });

  // yaml's duplicate-key check compares each key with every earlier one: a huge map is refused while
  // parsing, where yaml's parser opens the key over the limit (its indentation, or the comma before it).
  test.each([
    ["a block map", Array.from({ length: 120_000 }, (_, i) => `${i}:\n`).join(""), `${MAX_MAP_KEYS + 1}:1`],
    [
      "a flow map",
      `{${Array.from({ length: 100_000 }, (_, i) => `${i}: x`).join(", ")}}`,
      `1:${"{".length + "0: x, ".length * 10 + "10: x, ".length * 90 - 1}`,
    ],
    ["a token map", `tokens:\n  - accountId: a\n${Array.from({ length: 1000 }, (_, i) => `    k${i}: x\n`).join("")}`, `${MAX_MAP_KEYS + 2}:1`],
  ])("a map with more than MAX_MAP_KEYS keys (%s) is refused early, where it goes over", (_name, text, at) => {
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_FILE_BYTES);
    expect(lines(parseDeclarations(text, "wide.yaml"))).toEqual([
      `wide.yaml:${at}: (root): a map with more than 100 keys; a declaration map has at most 5 (accountId, valid, publisher, reason, expectAgencies): write tokens as a list, one \`- \` per token`,
    ]);
  });

  test("nesting at the limit that a real file could have is fine", () => {
    const text = "tokens:\n  - accountId: fb-1\n    valid: false\n    expectAgencies:\n      - ag-north\n";
    expect(parseDeclarations(text, "f.yaml").ok).toBe(true);
  });
});
