/**
 * Valid declaration files: the tokens they declare, with defaults applied,
 * and where each was declared.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, test } from "vitest";
import { parse } from "yaml";
import { formatProblem, type LocatedToken, loadDeclarations, parseDeclarations, YAML_OPTIONS } from "../../provider/declarations";

const GOOD = path.join(__dirname, "..", "fixtures", "declarations", "good");
const at = (file: string, line: number, col: number) => ({ file, line, col });

async function load(name: string): Promise<LocatedToken[]> {
  const file = path.join(GOOD, name);
  const result = await loadDeclarations(file);
  if (!result.ok) throw new Error(`${name} should be valid: ${JSON.stringify(result.problems)}`);
  expect(result.file).toBe(file);
  expect(withoutLocation(result.tokens)).toEqual(yamlReads(readFileSync(file, "utf8")));
  return result.tokens;
}

const withoutLocation = (tokens: LocatedToken[]) => tokens.map(({ location: _l, ...t }) => t);

/** What YAML reads, with each token taking what it leaves unset from defaults. */
function yamlReads(text: string): Record<string, unknown>[] {
  const data = parse(text, YAML_OPTIONS) as { defaults?: Record<string, unknown>; tokens: Record<string, unknown>[] };
  return data.tokens.map((t) => ({ ...data.defaults, ...t }));
}

function expectNoUndefinedKeys(tokens: LocatedToken[]): void {
  for (const t of tokens) for (const [k, v] of Object.entries(t)) expect(v, `${t.accountId}.${k}`).not.toBeUndefined();
}

describe("good declaration files", () => {
  test("offboarding.yaml: defaults fill what a token leaves unset", async () => {
    const f = path.join(GOOD, "offboarding.yaml");
    const tokens = await load("offboarding.yaml");
    const reason = "Jane Doe left the company (HR-1234)";
    expect(tokens).toEqual([
      {
        accountId: "fb-1001",
        valid: false,
        publisher: "facebook",
        reason,
        expectAgencies: ["ag-north", "ag-south"],
        location: at(f, 8, 5),
      },
      { accountId: "tw-2002", valid: false, publisher: "twitter", reason, expectAgencies: ["ag-north"], location: at(f, 12, 5) },
      { accountId: "fb-1003", valid: true, reason: "still in use by the brand team", location: at(f, 16, 5) },
    ]);
    expect(Object.keys(tokens[2]!)).toEqual(["accountId", "valid", "reason", "location"]);
    expectNoUndefinedKeys(tokens);
  });

  test("flow-style.yaml: one flow map per token", async () => {
    const f = path.join(GOOD, "flow-style.yaml");
    const tokens = await load("flow-style.yaml");
    expect(tokens).toEqual([
      { accountId: "fb-1001", valid: false, publisher: "facebook", location: at(f, 2, 3) },
      { accountId: "tw-2002", valid: true, expectAgencies: [], location: at(f, 3, 3) },
      { accountId: "acct.3_x-y", valid: false, reason: "HR-99: contractor left", location: at(f, 4, 3) },
    ]);
    expectNoUndefinedKeys(tokens);
  });

  test("anchors.yaml: aliases expand, and tokens never share a list", async () => {
    const f = path.join(GOOD, "anchors.yaml");
    const tokens = await load("anchors.yaml");
    expect(tokens).toEqual([
      { accountId: "fb-1001", valid: false, expectAgencies: ["ag-north", "ag-south"], location: at(f, 5, 5) },
      { accountId: "fb-1002", valid: false, expectAgencies: ["ag-north", "ag-south"], location: at(f, 7, 5) },
      { accountId: "tw-2002", valid: false, reason: "tw-2002", location: at(f, 9, 5) },
    ]);
    expect(tokens[0]!.expectAgencies).not.toBe(tokens[1]!.expectAgencies);
  });

  test("no-tokens.yaml: an empty list declares nothing", async () => {
    expect(await load("no-tokens.yaml")).toEqual([]);
  });

  test("defaults never leak into a token that sets the key, and lists are copied from defaults", () => {
    const text =
      "defaults:\n  valid: false\n  publisher: twitter\n  expectAgencies: [ag-north]\ntokens:\n  - accountId: a\n    valid: true\n    publisher: facebook\n  - accountId: b\n";
    const r = parseDeclarations(text, "d.yaml");
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(r.tokens.map(({ location: _l, ...t }) => t)).toEqual([
      { accountId: "a", valid: true, publisher: "facebook", expectAgencies: ["ag-north"] },
      { accountId: "b", valid: false, publisher: "twitter", expectAgencies: ["ag-north"] },
    ]);
    r.tokens[0]!.expectAgencies!.push("changed");
    expect(r.tokens[1]!.expectAgencies).toEqual(["ag-north"]);
  });

  test("the issue's example: a backslash escapes the closing quote, so valid: false on the comment line counts", () => {
    const text = 'tokens:\n  - { accountId: fb-1001, reason: "HR-1234 C:\\", valid: true }\n    # ", valid: false }\n';
    const r = parseDeclarations(text, "i.yaml");
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(withoutLocation(r.tokens)).toEqual([{ accountId: "fb-1001", valid: false, reason: 'HR-1234 C:", valid: true } # ' }]);
    expect(withoutLocation(r.tokens)).toEqual(yamlReads(text));
  });

  test.each([
    ["flow map, escaped backslash", 'tokens:\n  - { accountId: a, reason: "C:\\\\", valid: true }\n', { reason: "C:\\", valid: true }],
    [
      "block map, escapes",
      'tokens:\n  - accountId: a\n    valid: false\n    reason: "tab\\t, \\u00e9 \\x41 \\" q"\n',
      { reason: 'tab\t, é A " q', valid: false },
    ],
    ["single quotes keep backslashes", "tokens:\n  - accountId: a\n    valid: false\n    reason: 'C:\\temp\\'\n", { reason: "C:\\temp\\", valid: false }],
    ["U+FEFF inside a value", "tokens:\n  - accountId: a\n    valid: false\n    reason: x\ufeffy\n", { reason: "x\ufeffy", valid: false }],
    ["a multi-line quoted value", 'tokens:\n  - accountId: a\n    reason: "one\n      two"\n    valid: false\n', { reason: "one two", valid: false }],
    ["a block scalar", "tokens:\n  - accountId: a\n    reason: |\n      one\n      two\n    valid: false\n", { reason: "one\ntwo\n", valid: false }],
    ["a comment after a flow map", "tokens:\n  - { accountId: a, valid: true } # valid: false\n", { valid: true }],
    ["True, TRUE, False and FALSE are YAML 1.2 booleans", "tokens:\n  - { accountId: a, valid: FALSE }\n", { valid: false }],
  ])("%s: the token is what YAML reads", (_name, text, want) => {
    const r = parseDeclarations(text, "v.yaml");
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(withoutLocation(r.tokens)).toEqual([{ accountId: "a", ...want }]);
    expect(withoutLocation(r.tokens)).toEqual(yamlReads(text));
  });

  test("CRLF line ends and a byte-order mark are read, with the same locations", () => {
    const text = "tokens:\n  - accountId: a\n    valid: false\n  - accountId: b\n    valid: true\n";
    const plain = parseDeclarations(text, "f.yaml");
    expect(parseDeclarations(text.replace(/\n/g, "\r\n"), "f.yaml")).toEqual(plain);
    expect(parseDeclarations(`\ufeff${text}`, "f.yaml")).toEqual(plain);
    expect(parseDeclarations(`\ufeff${text.replace(/\n/g, "\r\n")}`, "f.yaml")).toEqual(plain);
  });

  test("a second byte-order mark is content, as YAML reads it: the key is refused, and the message shows it", () => {
    const r = parseDeclarations("\ufeff\ufefftokens: []\n", "b.yaml");
    expect(!r.ok && r.problems.map(formatProblem)).toEqual([
      'b.yaml:1:1: ["\\ufefftokens"]: unknown key "\\ufefftokens" (did you mean "tokens"?); allowed keys: defaults, tokens, people',
    ]);
  });
});
