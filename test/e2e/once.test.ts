/**
 * Each rule runs once per token per operation, on both paths, through the real engine: the format
 * check of a token's inputs (token/inputs.ts checkInputs) and its plan (token/refusal.ts planFor,
 * the only caller of the core's planToken among token/, dynamic/ and plugin/: test/contract/layout.test.ts).
 *
 * Counted with MARIN_SOCIAL_TALLY_DIR (token/tally.ts): every process the engine starts (the
 * program, the dynamic provider host, the native plugin's worker) appends a line per run of a rule
 * to a file of its own; the test adds them up after each operation. "Once" is per operation
 * (`pulumi preview`, the update of `pulumi up`, `pulumi refresh`), over all its processes:
 * - native: one plugin process serves the operation; its Check checks the format and plans, and
 *   Diff, Create and Update use what it decided;
 * - dynamic: the program checks the format and plans at registration and sends its decision with
 *   its observation; the provider host's check, diff and create act on it.
 * Refresh declares nothing new: it runs no Check and no program, so only its Diff decides, at most once.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { copyExample } from "../support/example-copy";
import { describeWithPulumi, pulumiStack } from "../support/pulumi";
import { type TestSandbox, testSandbox } from "../support/sandbox";
import { runOp } from "../support/stack-run";
import { copyProject, nativeStack } from "./native-support";

const T = 300_000;
const KEY = "ms-e2e-once-7c1e-distinctive";
let sb: TestSandbox;
const dirs: string[] = [];

beforeAll(async () => {
  sb = await testSandbox({ extraKeys: [{ key: KEY, scope: "admin" }] });
});
afterAll(async () => {
  await sb?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A fresh, empty tally folder. */
function tallyDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "marin-tally-"));
  dirs.push(dir);
  return dir;
}

/** The counts in `dir` by rule and account (`plan fb-1001` -> 1), and empties it. */
function take(dir: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const f of readdirSync(dir)) {
    for (const line of readFileSync(path.join(dir, f), "utf8").split("\n")) if (line) counts[line] = (counts[line] ?? 0) + 1;
    rmSync(path.join(dir, f));
  }
  return counts;
}

/** `{ "plan fb-1001": 1, "format fb-1001": 1, ... }` for every account. */
function once(accounts: string[], rules = ["plan", "format"]): Record<string, number> {
  return Object.fromEntries(accounts.flatMap((a) => rules.map((r) => [`${r} ${a}`, 1])));
}

/** Every count is at most 1. */
function atMostOnce(counts: Record<string, number>): void {
  expect(Object.entries(counts).filter(([, n]) => n > 1)).toEqual([]);
}

describeWithPulumi("each rule runs once per token per operation", () => {
  it(
    "dynamic path (TypeScript program): preview, up, up again, refresh",
    async () => {
      const dir = tallyDir();
      const workDir = copyExample("typescript-stack");
      dirs.push(path.dirname(workDir));
      const s = await pulumiStack({
        workDir,
        config: { "marin-social:apiUrl": sb.url },
        secretConfig: { "marin-social:apiKey": KEY },
        env: { MARIN_SOCIAL_TALLY_DIR: dir },
      });
      try {
        const accounts = ["fb-1001", "tw-2001", "fb-1002"];
        for (const op of ["preview", "up", "up"] as const) {
          const run = await runOp(s.stack, op);
          expect(run.exitCode, run.message).toBe(0);
          expect({ op, counts: take(dir) }).toEqual({ op, counts: once(accounts) });
        }
        const refresh = await runOp(s.stack, "refresh");
        expect(refresh.exitCode, refresh.message).toBe(0);
        atMostOnce(take(dir));
      } finally {
        await s.cleanup();
      }
    },
    T,
  );

  it(
    "native path (Pulumi YAML): preview, up, up again, refresh",
    async () => {
      const dir = tallyDir();
      const project = copyProject("examples/pulumi-yaml");
      dirs.push(path.dirname(project));
      const s = await nativeStack(project, { "marin-social:apiUrl": sb.url }, { "marin-social:apiKey": KEY }, { MARIN_SOCIAL_TALLY_DIR: dir });
      const accounts = ["fb-1001", "tw-2001", "fb-1007", "fb-1002"];
      for (const args of [["preview"], ["up", "--yes", "--skip-preview"], ["up", "--yes", "--skip-preview"]]) {
        const run = await s.cli(args);
        expect(run.code, run.out).toBe(0);
        const counts = take(dir);
        // Only the declared tokens are counted (getAccount's invoke is not a token).
        for (const a of accounts) expect({ args, a, plan: counts[`plan ${a}`], format: counts[`format ${a}`] }).toEqual({ args, a, plan: 1, format: 1 });
        atMostOnce(counts);
      }
      const refresh = await s.cli(["refresh", "--yes", "--skip-preview"]);
      expect(refresh.code, refresh.out).toBe(0);
      atMostOnce(take(dir));
    },
    T,
  );
});
