/**
 * Several declaration files as one stack (loadDeclarationSet), on real files with the real YAML
 * parser: a list, a folder, a bad file beside good ones, an account in two files, and the
 * supported stack size (SUPPORTED_STACK_TOKENS) warned about, not refused.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { SUPPORTED_STACK_TOKENS } from "../../provider/core";
import { formatProblem, loadDeclarationSet, setOk, setProblems } from "../../provider/declarations";

/** The dynamic path's supported size, which declaration files are held to. */
const SUPPORTED = SUPPORTED_STACK_TOKENS["declaration files"];

const dir = mkdtempSync(path.join(tmpdir(), "decl-set-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return name;
}

const ids = (set: { tokens: { accountId: string }[] }) => set.tokens.map((t) => t.accountId);

describe("loadDeclarationSet", () => {
  test("a list of files: every file's tokens, in order, each located in its own file", async () => {
    write("a.yaml", "tokens:\n  - accountId: fb-1\n    valid: false\n");
    write("b.yml", "defaults: {valid: false}\ntokens:\n  - accountId: tw-1\n  - accountId: tw-2\n");
    const set = await loadDeclarationSet(["a.yaml", "b.yml"], dir);
    expect(setOk(set)).toBe(true);
    expect(ids(set)).toEqual(["fb-1", "tw-1", "tw-2"]);
    expect(set.tokens[2]!.location).toEqual({ file: "b.yml", line: 4, col: 5 });
    expect(set.warnings).toEqual([]);
  });

  test("a folder: its *.yaml and *.yml files by name, not hidden files, not other files, not subfolders", async () => {
    write("f/2-second.yaml", "tokens: [{accountId: x-2, valid: false}]\n");
    write("f/1-first.yml", "tokens: [{accountId: x-1, valid: false}]\n");
    write("f/.hidden.yaml", "tokens: [{accountId: x-3, valid: false}]\n");
    write("f/notes.txt", "not yaml");
    write("f/sub/deep.yaml", "tokens: [{accountId: x-4, valid: false}]\n");
    const set = await loadDeclarationSet(["f"], dir);
    expect(set.files.map((f) => f.file)).toEqual([path.join("f", "1-first.yml"), path.join("f", "2-second.yaml")]);
    expect(ids(set)).toEqual(["x-1", "x-2"]);
  });

  test("a bad file is rejected with its own file:line:col; the good files' tokens are still returned", async () => {
    write("good.yaml", "tokens:\n  - accountId: ok-1\n    valid: false\n");
    write("bad.yaml", "tokens:\n  - accountId: bad-1\n    valid: nope\n");
    const set = await loadDeclarationSet(["bad.yaml", "good.yaml"], dir);
    expect(setOk(set)).toBe(false);
    expect(ids(set)).toEqual(["ok-1"]);
    expect(setProblems(set).map(formatProblem)).toEqual([expect.stringMatching(/^bad\.yaml:3:12: tokens\[0\]\.valid: /)]);
  });

  test("one account in two files is refused in both, naming both places; the rest stands", async () => {
    write("d1.yaml", "tokens:\n  - accountId: dup-1\n    valid: false\n  - accountId: only-1\n    valid: false\n");
    write("d2.yaml", "defaults: {valid: false}\ntokens:\n  - accountId: only-2\n  - accountId: dup-1\n");
    const set = await loadDeclarationSet(["d1.yaml", "d2.yaml"], dir);
    expect(ids(set)).toEqual(["only-1", "only-2"]);
    expect(set.problems.map(formatProblem)).toEqual([
      'd2.yaml:4:5: accountId: duplicate accountId "dup-1": also declared at d1.yaml:2:5; declare each account in one file (neither declaration is registered until then)',
    ]);
  });

  test("a file named twice is read once; a missing file and an empty folder are problems of their own", async () => {
    mkdirSync(path.join(dir, "empty"));
    const set = await loadDeclarationSet(["a.yaml", path.join(dir, "a.yaml"), "missing.yaml", "empty"], dir);
    expect(ids(set)).toEqual(["fb-1"]);
    expect(setProblems(set).map(formatProblem)).toEqual([
      "missing.yaml:1:1: (root): cannot read the file: it does not exist (ENOENT); check the path",
      "empty:1:1: (root): the folder holds no declaration file (*.yaml or *.yml); put the files in it, or name the files themselves",
    ]);
  });

  test(`above the supported size (${SUPPORTED}) across files: a warning with the split, and every token still loaded`, async () => {
    const half = Math.ceil((SUPPORTED + 1) / 2);
    const file = (from: number) => `defaults: {valid: false}\ntokens:\n${Array.from({ length: half }, (_, i) => `- accountId: big-${from + i}\n`).join("")}`;
    write("big/p1.yaml", file(0));
    write("big/p2.yaml", file(half));
    const set = await loadDeclarationSet(["big"], dir);
    expect(setOk(set)).toBe(true);
    expect(set.tokens).toHaveLength(2 * half);
    expect(set.warnings).toHaveLength(1);
    expect(set.warnings[0]).toContain(
      `this stack declares ${(2 * half).toLocaleString("en-US")} tokens; the supported size is ${SUPPORTED.toLocaleString("en-US")} per stack`,
    );
    expect(set.warnings[0]).toContain("pulumi config set --path 'marin-social:declarations[0]'");
    // At the size itself: no warning.
    const at = await loadDeclarationSet(["big/p1.yaml"], dir);
    expect(at.warnings).toEqual([]);
  });
});
