/**
 * The counts provider/token/tally.ts writes when MARIN_SOCIAL_TALLY_DIR names a folder: one line
 * `<rule> <accountId>` per run of a rule, in a file per process. For the tests that prove each
 * rule runs once per token per operation through the real engine (test/e2e/once.test.ts on the
 * dynamic path, test/e2e/native-yaml.test.ts on the native one).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { expect } from "vitest";

/** A fresh, empty tally folder (remove it with its parent's cleanup or `rmSync`). */
export function tallyDir(): string {
  return mkdtempSync(path.join(tmpdir(), "marin-tally-"));
}

/** The counts in `dir` by rule and account (`plan fb-1001` -> 1), and empties it. */
export function takeTally(dir: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const f of readdirSync(dir)) {
    for (const line of readFileSync(path.join(dir, f), "utf8").split("\n")) if (line) counts[line] = (counts[line] ?? 0) + 1;
    rmSync(path.join(dir, f));
  }
  return counts;
}

/** `{ "plan fb-1001": 1, "format fb-1001": 1, ... }` for every account. */
export function oncePerAccount(accounts: string[], rules = ["plan", "format"]): Record<string, number> {
  return Object.fromEntries(accounts.flatMap((a) => rules.map((r) => [`${r} ${a}`, 1])));
}

/** Expects every count to be at most 1, naming the operation. */
export function expectAtMostOnce(op: string, counts: Record<string, number>): void {
  expect(
    Object.entries(counts).filter(([, n]) => n > 1),
    `${op}: rules run more than once for a token`,
  ).toEqual([]);
}
