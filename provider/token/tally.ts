/**
 * Counts of the rules that must run once per token per operation (a plan, a format check), for
 * the test that proves it through the real engine (test/e2e/once.test.ts). Off unless
 * MARIN_SOCIAL_TALLY_DIR names a folder: then each count is a line `<rule> <accountId>` appended
 * to a file of this process and thread, so counts from the program, the provider host and the
 * plugin add up whatever process made them.
 */
import { appendFileSync } from "node:fs";
import * as path from "node:path";
import { threadId } from "node:worker_threads";

/** The rules counted. */
export type Rule = "plan" | "format";

/** Records one run of `rule` for `accountId` (nothing unless MARIN_SOCIAL_TALLY_DIR is set). */
export function tally(rule: Rule, accountId: unknown): void {
  const dir = process.env.MARIN_SOCIAL_TALLY_DIR;
  if (!dir) return;
  appendFileSync(path.join(dir, `${process.pid}-${threadId}.tally`), `${rule} ${String(accountId)}\n`);
}
