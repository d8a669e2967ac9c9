/**
 * Through the real Pulumi engine: a project and stack whose names make `pulumi:<project>/<stack>`
 * longer than the API's Actor limit (200). The CLI allows 100 characters for each, so the actor is
 * at most 208: up passes and records the shortened actor, and the next preview passes and
 * recognises it as this stack's (nothing to do).
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { pulumiActor } from "../../provider/core";
import { describeWithPulumi, type PulumiTestStack, pulumiStack, repoProgramCopy } from "../support/pulumi";
import { type TestSandbox, testSandbox } from "../support/sandbox";
import { runOp, tokenSteps } from "../support/stack-run";

const T = 300_000;
const PROJECT = `marin-social-${"p".repeat(86)}q`;
const STACK = `offboarding-${"x".repeat(87)}z`;

let sb: TestSandbox;
let s: PulumiTestStack;

describeWithPulumi("the longest project and stack names the CLI allows", () => {
  beforeAll(async () => {
    expect([PROJECT.length, STACK.length]).toEqual([100, 100]);
    sb = await testSandbox();
    const workDir = repoProgramCopy();
    const file = path.join(workDir, "Pulumi.yaml");
    writeFileSync(file, readFileSync(file, "utf8").replace(/^name: .*$/m, `name: ${PROJECT}`));
    s = await pulumiStack({
      workDir,
      stackName: STACK,
      config: { "marin-social:apiUrl": sb.url },
      secretConfig: { "marin-social:apiKey": sb.sandbox.keys.admin },
    });
  }, T);
  afterAll(async () => {
    if (s) {
      await s.cleanup();
      rmSync(path.dirname(s.stack.workspace.workDir), { recursive: true, force: true });
    }
    await sb?.close();
  }, T);

  it(
    "ups, recording an actor the API accepts, and the next preview passes with nothing to do",
    async () => {
      // The up plans every token under these names for real (the Automation API's up skips the
      // preview, so it proves the plan itself); the preview after it is the one users type next.
      const u = await runOp(s.stack, "up");
      expect(u.exitCode, u.message).toBe(0);
      expect(tokenSteps(u).filter((op) => op === "create").length, "tokens created by the up").toBeGreaterThan(0);
      const actor = pulumiActor(PROJECT, STACK);
      expect(`pulumi:${PROJECT}/${STACK}`).toHaveLength(208);
      expect(actor).toHaveLength(200);
      expect((await sb.admin.getAccount("fb-1001")).token).toMatchObject({ valid: false, invalidatedBy: actor });

      const again = await runOp(s.stack, "preview");
      expect(again.exitCode, again.message).toBe(0);
      expect(tokenSteps(again).filter((op) => op !== "same")).toEqual([]);
    },
    T,
  );
});
