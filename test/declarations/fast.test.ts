/**
 * The fast reader must agree with the full YAML parser: on every input it
 * accepts, both paths give the same tokens and locations; on inputs near the
 * edge of its shape it must step aside rather than guess.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, test } from "vitest";
import { parseDeclarations } from "../../provider/declarations";
import { fastRead } from "../../provider/declarations/fast";

const GOOD = path.join(__dirname, "..", "fixtures", "declarations", "good");
const T = "tokens:\n  - accountId: a\n    valid: false\n";

function same(text: string): void {
  const fast = parseDeclarations(text, "f.yaml");
  const full = parseDeclarations(text, "f.yaml", { fast: false });
  expect(fast).toEqual(full);
}

describe("fast reader", () => {
  test("takes the common shapes (so the 10,000-token benchmark uses it)", () => {
    expect(fastRead(readFileSync(path.join(GOOD, "offboarding.yaml"), "utf8"))).toBeDefined();
    expect(fastRead("tokens:\n- { accountId: fb-1001, valid: false, publisher: facebook }\n- {accountId: b, valid: true}\n")).toBeDefined();
    expect(fastRead("defaults:\n  valid: false\ntokens:\n  - accountId: a\n  - accountId: b\n")).toBeDefined();
    expect(fastRead("tokens: []\n")).toBeDefined();
  });

  test("steps aside for anchors, tags, numbers, escapes, odd indentation and more", () => {
    for (const text of [
      readFileSync(path.join(GOOD, "anchors.yaml"), "utf8"),
      T + "    reason: !!str x\n",
      "tokens:\n  - accountId: 1001\n    valid: false\n",
      T + '    reason: "say \\"hi\\""\n',
      T + "   reason: x\n",
      "---\n" + T,
      T.replace(/\n/g, "\r\n"),
      T + "    reason: caf\u00e9\n",
      "tokens:\n",
      "defaults:\ntokens: []\n",
    ]) {
      expect(fastRead(text), JSON.stringify(text)).toBeUndefined();
    }
  });

  test.each([
    ["indent-0 items", "tokens:\n- accountId: a\n  valid: false\n"],
    ["True is a boolean", "tokens:\n  - accountId: a\n    valid: True\n"],
    ["yes is text", "tokens:\n  - accountId: a\n    valid: yes\n"],
    ["plain text with spaces and a comment", T + "    reason: Jane  Doe left (HR-1) # note\n"],
    ["a # inside plain text", T + "    reason: a#b\n"],
    ["single-quote escape", T + "    reason: 'it''s'\n"],
    ["a colon-space in plain text", T + "    reason: a: b\n"],
    ["a trailing colon", T + "    reason: x:\n"],
    ["a colon without space", T + "    reason: a:b\n"],
    ["quoted text with # and :", T + '    reason: "a #b: c"   # real comment\n'],
    ["quoted then junk", T + '    reason: "abc" extra\n'],
    ["quote then #, no space", T + '    reason: "abc"#c\n'],
    ["trailing spaces", "tokens:\n  - accountId: a   \n    valid: false   \n"],
    ["comment lines anywhere", "# top\ntokens:\n# a\n  - accountId: a\n      # deep comment\n    valid: false\n#end"],
    ["blank lines with spaces", "tokens:\n\n  - accountId: a\n    \n    valid: false\n"],
    ["tokens: with a comment", "tokens:   # list\n  - accountId: a\n    valid: false\n"],
    ["block list", T + "    expectAgencies:\n      - n\n      - 's'\n      - \"q\"\n"],
    ["indentless block list", T + "    expectAgencies:\n    - n\n    - s\n    reason: r\n"],
    ["block list with a comment", T + "    expectAgencies:\n      # c\n      - n # c\n    reason: r\n"],
    ["block list, ragged", T + "    expectAgencies:\n      - a\n        - b\n"],
    ["block list item that is a map", T + "    expectAgencies:\n      - a: b\n"],
    ["block list item that is quoted with a colon", T + '    expectAgencies:\n      - "a: b"\n'],
    ["empty key then key", T + "    reason:\n    publisher: twitter\n"],
    ["flow list variants", T + "    expectAgencies: [ n , 's',\"q\" ]\n"],
    ["flow list trailing comma", T + "    expectAgencies: [n, s,]\n"],
    ["empty flow list", T + "    expectAgencies: []\n"],
    ["tokens: [] then defaults", "tokens: []\ndefaults:\n  valid: false\n"],
    ["tokens: then defaults", "tokens:\ndefaults:\n  valid: false\n"],
    ["defaults after items", "tokens:\n  - accountId: a\ndefaults:\n  valid: false\n"],
    ["no space after colon", "tokens:\n  - accountId:a\n    valid: false\n"],
    ["no space after dash", "tokens:\n  -accountId: a\n    valid: false\n"],
    ["key with a digit", T + "    valid2: x\n"],
    ["null values", T + "    reason: null\n"],
    ["~ as a value", T + "    reason: ~\n"],
    ["other keywords", T + "    reason: Null\n    publisher: TRUE\n"],
    ["keywords in a flow list", T + "    expectAgencies: [null, True, x]\n"],
    ["keywords in a flow map", "tokens:\n- {accountId: a, valid: false, reason: NULL}\n"],
    ["duplicate key", T + "    valid: true\n"],
    ["forbidden key", T + "    constructor: x\n"],
    ["flow map with a comment", "tokens:\n- {accountId: a, valid: false} # c\n"],
    ["flow map with a list", "tokens:\n- { accountId: a, valid: false, expectAgencies: [x, y] }\n"],
    ["flow map trailing comma", "tokens:\n- {accountId: a, valid: false, }\n"],
    ["empty flow map", "tokens:\n- {}\n"],
    ["flow map duplicate key", "tokens:\n- {accountId: a, valid: false, valid: true}\n"],
    ["flow map quoted comma", 'tokens:\n- {accountId: a, valid: false, reason: "x, y"}\n'],
    ["flow map then keys", "tokens:\n- {accountId: a}\n  valid: false\n"],
    ["mixed item styles", "tokens:\n- {accountId: a, valid: false}\n- accountId: b\n  valid: true\n"],
    ["misaligned items", "tokens:\n  - accountId: a\n    valid: false\n - accountId: b\n   valid: false\n"],
    ["a tab", "tokens:\n  - accountId: a\n    valid:\tfalse\n"],
    ["a second document", T + "---\n" + T],
    ["a document end", T + "...\n"],
    ["unknown top-level key", T + "extra: 1\n"],
    ["defaults with a list", "defaults:\n  valid: false\n  expectAgencies:\n  - n\ntokens:\n  - accountId: a\n"],
    ["quoted keys", 'tokens:\n  - "accountId": a\n    valid: false\n'],
  ])("%s: both paths agree", (_name, text) => {
    same(text);
  });

  test("generated files in both item styles agree, token for token", () => {
    let block = "defaults:\n  reason: \"left (HR-1)\"\ntokens:\n";
    let flow = "tokens:\n";
    for (let i = 0; i < 300; i++) {
      const valid = i % 3 === 0;
      block += `  - accountId: fb-${i}\n    valid: ${valid}\n` + (i % 2 ? "    publisher: facebook\n" : "") + (i % 5 ? "" : "    expectAgencies: [ag-a, ag-b]\n");
      flow += `- { accountId: tw-${i}, valid: ${valid}${i % 4 ? "" : ", expectAgencies: [ag-a]"} }\n`;
    }
    expect(fastRead(block)).toBeDefined();
    expect(fastRead(flow)).toBeDefined();
    same(block);
    same(flow);
  });
});
