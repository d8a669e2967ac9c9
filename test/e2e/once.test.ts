/**
 * Each rule runs once per token per operation, through the real engine: the format check of a
 * token's inputs (token/inputs.ts checkInputs) and its plan (token/refusal.ts planFor, the only
 * caller of the core's planToken among token/, dynamic/ and plugin/: test/contract/layout.test.ts).
 *
 * Counted with MARIN_SOCIAL_TALLY_DIR (token/tally.ts, read by test/support/rule-tally.ts): every
 * process the engine starts (the program, the dynamic provider host, the native plugin's worker)
 * appends a line per run of a rule to a file of its own; the test adds them up after each
 * operation. "Once" is per operation (`pulumi preview`, the update of `pulumi up`, `pulumi
 * refresh`), over all its processes:
 * - dynamic (here, on examples/typescript-stack): the program checks the format and plans at
 *   registration and sends its decision with its observation; the provider host's check, diff and
 *   create act on it.
 * - native: one plugin process serves the operation; its Check checks the format and plans, and
 *   Diff, Create and Update use what it decided. Counted on the Pulumi YAML example's own
 *   preview, up, up again and refresh in test/e2e/native-yaml.test.ts (no stack of its own).
 * Refresh declares nothing new: it runs no Check and no program, so only its Diff decides, at most once.
 */
import { rmSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { copyExample, TRANSPILE_ONLY } from "../support/example-copy";
import { describeWithPulumi, pulumiStack } from "../support/pulumi";
import { expectAtMostOnce, oncePerAccount, takeTally, tallyDir } from "../support/rule-tally";
import { type TestSandbox, testSandbox } from "../support/sandbox";
import { runOp } from "../support/stack-run";

const T = 600_000;
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

describeWithPulumi("each rule runs once per token per operation", () => {
  it(
    "dynamic path (TypeScript program): preview, up, up again, refresh",
    async () => {
      const dir = tallyDir();
      dirs.push(dir);
      const workDir = copyExample("typescript-stack");
      dirs.push(path.dirname(workDir));
      const s = await pulumiStack({
        workDir,
        config: { "marin-social:apiUrl": sb.url },
        secretConfig: { "marin-social:apiKey": KEY },
        env: { MARIN_SOCIAL_TALLY_DIR: dir, ...TRANSPILE_ONLY },
      });
      try {
        const accounts = ["fb-1001", "tw-2001", "fb-1002"];
        for (const op of ["preview", "up", "up"] as const) {
          const run = await runOp(s.stack, op);
          expect(run.exitCode, run.message).toBe(0);
          expect({ op, counts: takeTally(dir) }).toEqual({ op, counts: oncePerAccount(accounts) });
        }
        const refresh = await runOp(s.stack, "refresh");
        expect(refresh.exitCode, refresh.message).toBe(0);
        expectAtMostOnce("refresh", takeTally(dir));
      } finally {
        await s.cleanup();
      }
    },
    T,
  );
});
