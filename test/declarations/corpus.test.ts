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
  loadDeclarations,
  MAX_ALIAS_COUNT,
  MAX_FILE_BYTES,
  MAX_TOKENS,
  parseDeclarations,
  type LoadResult,
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
    const expected = readFileSync(path.join(BAD, f.replace(/\.yaml$/, ".expected.txt")), "utf8").trimEnd().split("\n");
    expect(lines(parseDeclarations(text, `bad/${f}`))).toEqual(expected);
    // The full parser alone gives the same (the fast reader never hides a problem).
    expect(lines(parseDeclarations(text, `bad/${f}`, { fast: false }))).toEqual(expected);
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
    const text = head + "#".repeat(MAX_FILE_BYTES + 1 - head.length) + "\n";
    const bytes = Buffer.byteLength(text);
    const want = [
      `big.yaml:1:1: (root): the file is ${bytes.toLocaleString("en-US")} bytes (1.00 MiB); the limit is 1,048,576 bytes (1 MiB); split the tokens across several files`,
    ];
    expect(lines(parseDeclarations(text, "big.yaml"))).toEqual(want);
    const file = path.join(dir, "big.yaml");
    writeFileSync(file, text);
    expect(lines(await loadDeclarations(file))).toEqual(want.map((l) => l.replace("big.yaml", file)));
  });

  test("the size limit counts UTF-8 bytes, not characters", () => {
    const text = "tokens: []\n# " + "é".repeat(MAX_FILE_BYTES / 2) + "\n";
    expect(text.length).toBeLessThan(MAX_FILE_BYTES);
    const [line] = lines(parseDeclarations(text, "wide.yaml"));
    expect(line).toContain(`the file is ${Buffer.byteLength(text).toLocaleString("en-US")} bytes`);
  });

  test("a file exactly at MAX_FILE_BYTES is read", () => {
    const head = "tokens: []\n";
    const text = head + "#".repeat(MAX_FILE_BYTES - head.length - 1) + "\n";
    expect(Buffer.byteLength(text)).toBe(MAX_FILE_BYTES);
    expect(parseDeclarations(text, "full.yaml")).toEqual({ ok: true, file: "full.yaml", tokens: [] });
  });

  test("more than MAX_TOKENS tokens are refused", () => {
    let text = "defaults: {valid: false}\ntokens:\n";
    for (let i = 0; i <= MAX_TOKENS; i++) text += `- accountId: a${i}\n`;
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_FILE_BYTES);
    expect(lines(parseDeclarations(text, "many.yaml"))).toEqual([
      `many.yaml:3:1: tokens: declares ${(MAX_TOKENS + 1).toLocaleString("en-US")} tokens; the limit is 50,000 per file`,
    ]);
  });

  test("a nine-level alias bomb stops at MAX_ALIAS_COUNT expansions", () => {
    let text = "defaults:\n  valid: false\n  expectAgencies: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\ntokens:\n";
    for (let level = 1; level <= 9; level++) {
      const refs = Array.from({ length: 10 }, () => `*l${level - 1}`).join(", ");
      text += `  - accountId: fb-${level}\n    expectAgencies: &l${level} [${refs}]\n`;
    }
    // 10 expansions at level 1, 11 per *l1 at level 2: the 9th *l1 (index 8) goes over 100.
    const line = 8; // the line of level 2's list
    const col = "    expectAgencies: &l2 [".length + 1 + 8 * "*l1, ".length;
    expect(lines(parseDeclarations(text, "bomb.yaml"))).toEqual([
      `bomb.yaml:${line}:${col}: tokens[1].expectAgencies[8]: too many alias expansions: expanding *l1 goes over ${MAX_ALIAS_COUNT} (counting the aliases inside it each time); this looks like an alias bomb: write the values out, or set shared values once under defaults:`,
    ]);
  });

  test("MAX_ALIAS_COUNT alias uses are fine; one more is refused", () => {
    const make = (n: number) => {
      let text = "defaults: {valid: false}\ntokens:\n  - accountId: a0\n    expectAgencies: &ags [ag-north]\n";
      for (let i = 1; i <= n; i++) text += `  - accountId: a${i}\n    expectAgencies: *ags\n`;
      return text;
    };
    const ok = parseDeclarations(make(MAX_ALIAS_COUNT), "ok.yaml");
    expect(ok.ok && ok.tokens.length).toBe(MAX_ALIAS_COUNT + 1);
    const over = lines(parseDeclarations(make(MAX_ALIAS_COUNT + 1), "over.yaml"));
    expect(over).toHaveLength(1);
    expect(over[0]).toMatch(/^over\.yaml:\d+:\d+: tokens\[101\]\.expectAgencies: too many alias expansions: expanding \*ags goes over 100/);
  });

  // The guard counts an upper bound of the depth: open indentation levels +
  // block indicators on the line + open flow collections; over 64 stops.
  test.each([
    ["flow lists", "[".repeat(MAX_FILE_BYTES - 1), "1:64"],
    ["flow maps", "{".repeat(MAX_FILE_BYTES - 1), "1:64"],
    ["block lists on one line", "- ".repeat(MAX_FILE_BYTES / 2 - 1) + "x", "1:127"],
    ["explicit keys", "? ".repeat(MAX_FILE_BYTES / 2 - 1) + "x", "1:127"],
    ["indented lists", Array.from({ length: 1000 }, (_, i) => " ".repeat(i) + "-\n").join(""), "64:64"],
    ["indented maps", Array.from({ length: 1000 }, (_, i) => " ".repeat(i) + "a:\n").join(""), "65:65"],
  ])("deep nesting (%s) is refused early, where it goes over", (_name, text, at) => {
    expect(lines(parseDeclarations(text, "deep.yaml"))).toEqual([
      `deep.yaml:${at}: (root): lists and maps are nested more than 64 levels deep; a declaration file needs 4 (root, tokens, a token, expectAgencies)`,
    ]);
  });

  test("nesting at the limit that a real file could have is fine", () => {
    const text = "tokens:\n  - accountId: fb-1\n    valid: false\n    expectAgencies:\n      - ag-north\n";
    expect(parseDeclarations(text, "f.yaml", { fast: false }).ok).toBe(true);
  });
});
