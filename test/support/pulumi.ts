/**
 * The real `pulumi` CLI for tests, offline: where it is, the environment that keeps it off the
 * network, a copy of the repository's own stack to run it on, and Automation API stacks on a
 * temporary file backend.
 *
 * ```ts
 * import { describeWithPulumi, repoProgramCopy, pulumiStack } from "../support/pulumi";
 * describeWithPulumi("the real engine", () => {
 *   it("previews", async () => {
 *     const s = await pulumiStack({ workDir: repoProgramCopy(), config: { "marin-social:apiUrl": url },
 *                                   secretConfig: { "marin-social:apiKey": key } });
 *     try { const p = await s.stack.preview(); ... } finally { await s.cleanup(); }
 *   });
 * });
 * ```
 *
 * Without a CLI (`npm run pulumi:install` builds one), `describeWithPulumi` skips the suite with
 * the fix in its title, and fails it when `CI` is set.
 */
import { describe, it } from "vitest";
import { MISSING_PULUMI, pulumiInstall } from "./pulumi-env";

export * from "./pulumi-env";

/**
 * `describe(title, fn)` when the CLI exists. Without it: under CI (`CI` set) one failing test
 * naming the fix; elsewhere a skipped suite whose title says why.
 */
export function describeWithPulumi(title: string, fn: () => void): void {
  if (pulumiInstall) {
    describe(title, fn);
  } else if (process.env.CI) {
    describe(title, () => {
      it("has the pulumi CLI", () => {
        throw new Error(MISSING_PULUMI);
      });
    });
  } else {
    describe.skip(`${title} (skipped: ${MISSING_PULUMI})`, fn);
  }
}
