/**
 * The repository's stack over two declaration files (config `marin-social:declarations` as a
 * list, set with `pulumi config set-all --path`), with the real `pulumi` CLI. One file is bad: its
 * token is not registered and the up fails, but the good file's token is still cut off, through
 * `pulumi up --yes` as users type it (which previews first: the preview must not stop the good
 * file's cut). Fixed, the next up cuts the rest; broken again, the failed up deletes nothing from
 * the stack. Those two go through the Automation API's `up`, which skips the preview, so the
 * update itself must not delete.
 */
import { rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { checkpointText, describeWithPulumi, type PulumiTestStack, pulumiCli, pulumiStack, repoProgramCopy } from "../support/pulumi";
import { type TestSandbox, testSandbox } from "../support/sandbox";
import { runOp } from "../support/stack-run";

const T = 300_000;
let sb: TestSandbox;
let workDir: string;
let s: PulumiTestStack;

describeWithPulumi("a stack over two declaration files, through the real pulumi CLI", () => {
  beforeAll(async () => {
    sb = await testSandbox();
    workDir = repoProgramCopy();
    s = await pulumiStack({ workDir });
    writeFileSync(path.join(workDir, "part-1.yaml"), "tokens:\n  - accountId: fb-1001\n    valid: false\n");
    writeFileSync(path.join(workDir, "part-2.yaml"), "tokens:\n  - accountId: tw-2001\n    valid: nope\n");
    // One CLI call for the whole config: the list through --path, the key as a secret.
    const set = await pulumiCli(s, [
      "config",
      "set-all",
      "--path",
      "--plaintext",
      `marin-social:apiUrl=${sb.url}`,
      "--secret",
      `marin-social:apiKey=${sb.sandbox.keys.admin}`,
      ...["part-1.yaml", "part-2.yaml"].flatMap((f, i) => ["--plaintext", `marin-social:declarations[${i}]=${f}`]),
    ]);
    expect(set.code, set.stderr).toBe(0);
  }, T);
  afterAll(async () => {
    await s?.cleanup();
    await sb?.close();
    if (workDir) rmSync(path.dirname(workDir), { recursive: true, force: true });
  }, T);

  it(
    "a bad file fails the up with its file:line:col, and the good file's token is still cut off; fixed, the next up cuts the rest; broken again, nothing is deleted",
    async () => {
      const first = await pulumiCli(s, ["up", "--yes"]);
      const out = first.stdout + first.stderr;
      expect(first.code, out).not.toBe(0);
      expect(out).toContain("part-2.yaml: problems below; their tokens were not registered");
      expect(out).toMatch(/part-2\.yaml:3:12: tokens\[0\]\.valid: /);
      const acme = await sb.admin.getAccount("fb-1001");
      expect(acme.token.valid, "fb-1001 (the good file) cut off by the failed up").toBe(false);
      expect(acme.agencies).toEqual([]);
      const twitter = await sb.admin.getAccount("tw-2001");
      expect(twitter.token.valid, "tw-2001 (the bad file) untouched").toBe(true);
      expect(twitter.agencies).toHaveLength(2);

      writeFileSync(path.join(workDir, "part-2.yaml"), "tokens:\n  - accountId: tw-2001\n    valid: false\n");
      const second = await runOp(s.stack, "up");
      expect(second.exitCode, second.stdout + second.stderr + second.message).toBe(0);
      expect((await sb.admin.getAccount("tw-2001")).token.valid, "tw-2001 cut off once fixed").toBe(false);
      expect((await sb.admin.getAccount("tw-2001")).agencies).toEqual([]);
      expect(second.stdout).toContain("part-1.yaml, part-2.yaml");

      // Broken again: its token, now in the stack, is not registered, and the failed up deletes nothing.
      writeFileSync(path.join(workDir, "part-2.yaml"), "tokens:\n  - accountId: tw-2001\n    valid: nope\n");
      const third = await runOp(s.stack, "up");
      expect(third.exitCode, third.stdout + third.stderr).not.toBe(0);
      const stored = JSON.parse(checkpointText(s)) as { checkpoint: { latest: { resources: { urn: string }[] } } };
      const urns = stored.checkpoint.latest.resources.map((r) => r.urn);
      expect(
        urns.filter((u) => /::(fb-1001|tw-2001)$/.test(u)),
        "both tokens still in the stack after the failed up",
      ).toHaveLength(2);
    },
    T,
  );
});
