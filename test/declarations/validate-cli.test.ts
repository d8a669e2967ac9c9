/**
 * `marin-social validate` through its run() function, with stdout and stderr
 * captured.
 */
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { run, USAGE } from "../../provider/cli/validate";

const FIXTURES = path.join(__dirname, "..", "fixtures", "declarations");
const good = path.join(FIXTURES, "good", "offboarding.yaml");
const empty = path.join(FIXTURES, "good", "no-tokens.yaml");
const bad = path.join(FIXTURES, "bad", "33-several-errors.yaml");

let out = "";
let err = "";
const realOut = process.stdout.write.bind(process.stdout);
const realErr = process.stderr.write.bind(process.stderr);
beforeEach(() => {
  out = "";
  err = "";
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  }) as typeof process.stderr.write;
});
afterEach(() => {
  process.stdout.write = realOut;
  process.stderr.write = realErr;
});

describe("marin-social validate", () => {
  test("a valid file: one ok line on stdout, exit 0", async () => {
    expect(await run([good])).toBe(0);
    expect(out).toBe(`ok: ${good} declares 3 tokens (2 valid: false)\n`);
    expect(err).toBe("");
  });

  test("a bad file: every problem on stderr, exit 1", async () => {
    expect(await run([bad])).toBe(1);
    expect(out).toBe("");
    const lines = err.trimEnd().split("\n");
    expect(lines).toHaveLength(7);
    expect(lines[0]).toBe(`${bad}:3:10: defaults.valid: must be a boolean (true or false), got string "nope"`);
    expect(lines[6]).toBe(
      `${bad}:13:16: tokens[3].accountId: duplicate accountId "fb-1001": already declared at line 6 (tokens[0]); declare each account once`,
    );
  });

  test("several files: each is reported; one bad file makes the exit 1", async () => {
    const missing = path.join(FIXTURES, "nope.yaml");
    expect(await run([good, bad, empty, missing])).toBe(1);
    expect(out).toBe(`ok: ${good} declares 3 tokens (2 valid: false)\nok: ${empty} declares 0 tokens (0 valid: false)\n`);
    expect(err).toContain(`${bad}:3:10: defaults.valid:`);
    expect(err.trimEnd().split("\n").at(-1)).toBe(`${missing}:1:1: (root): cannot read the file: it does not exist (ENOENT); check the path`);
  });

  test("all valid files: exit 0", async () => {
    expect(await run([good, empty])).toBe(0);
  });

  test("--json: one document on stdout with tokens or problems per file", async () => {
    expect(await run(["--json", good, bad])).toBe(1);
    expect(err).toBe("");
    const report = JSON.parse(out) as { files: { file: string; ok: boolean; tokens?: unknown[]; problems?: { line: number; message: string }[] }[] };
    expect(report.files.map((f) => [f.file, f.ok])).toEqual([
      [good, true],
      [bad, false],
    ]);
    expect(report.files[0]!.tokens).toHaveLength(3);
    expect(report.files[0]!.tokens![0]).toEqual(expect.objectContaining({ accountId: "fb-1001", valid: false, location: { file: good, line: 8, col: 5 } }));
    expect(report.files[0]).not.toHaveProperty("problems");
    expect(report.files[1]!.problems).toHaveLength(7);
    expect(report.files[1]).not.toHaveProperty("tokens");
  });

  test("--help prints usage and exits 0", async () => {
    expect(await run(["--help"])).toBe(0);
    expect(out).toBe(`${USAGE}\n`);
    expect(out).toContain("usage: marin-social validate FILE [FILE...] [--json]");
  });

  test("no file or an unknown option is a user error", async () => {
    await expect(run([])).rejects.toThrow(/name at least one declaration file/);
    await expect(run(["--jsn", good])).rejects.toThrow(/--help/);
  });
});
