/**
 * The repository's stack over two declaration files (config `marin-social:declarations` as a
 * list, set with `pulumi config set --path`), with the real `pulumi` CLI as users type it:
 * `pulumi up --yes` (which previews first). One file is bad: its token is not registered and the
 * up fails, but the good file's token is still cut off. Fixed, the next up cuts the rest; broken
 * again, the failed up deletes nothing from the stack.
 */
import { rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWithPulumi, type PulumiTestStack, pulumiCli, pulumiStack, repoProgramCopy } from "../support/pulumi";
import { type TestSandbox, testSandbox } from "../support/sandbox";

const T = 300_000;
let sb: TestSandbox;
let workDir: string;
let s: PulumiTestStack;

describeWithPulumi("a stack over two declaration files, through the real pulumi CLI", () => {
  beforeAll(async () => {
    sb = await testSandbox();
    workDir = repoProgramCopy();
    s = await pulumiStack({ workDir, config: { "marin-social:apiUrl": sb.url }, secretConfig: { "marin-social:apiKey": sb.sandbox.keys.admin } });
    writeFileSync(path.join(workDir, "part-1.yaml"), "tokens:\n  - accountId: fb-1001\n    valid: false\n");
    writeFileSync(path.join(workDir, "part-2.yaml"), "tokens:\n  - accountId: tw-2001\n    valid: nope\n");
    for (const [i, f] of ["part-1.yaml", "part-2.yaml"].entries()) {
      const set = await pulumiCli(s, ["config", "set", "--path", `marin-social:declarations[${i}]`, f]);
      expect(set.code, set.stderr).toBe(0);
    }
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
      expect(acme.token.valid).toBe(false);
      expect(acme.agencies).toEqual([]);
      const twitter = await sb.admin.getAccount("tw-2001");
      expect(twitter.token.valid).toBe(true);
      expect(twitter.agencies).toHaveLength(2);

      writeFileSync(path.join(workDir, "part-2.yaml"), "tokens:\n  - accountId: tw-2001\n    valid: false\n");
      const second = await pulumiCli(s, ["up", "--yes"]);
      expect(second.code, second.stdout + second.stderr).toBe(0);
      expect((await sb.admin.getAccount("tw-2001")).token.valid).toBe(false);
      expect((await sb.admin.getAccount("tw-2001")).agencies).toEqual([]);
      expect(second.stdout).toContain("part-1.yaml, part-2.yaml");

      // Broken again: its token, now in the stack, is not registered, and the failed up deletes nothing.
      writeFileSync(path.join(workDir, "part-2.yaml"), "tokens:\n  - accountId: tw-2001\n    valid: nope\n");
      const third = await pulumiCli(s, ["up", "--yes"]);
      expect(third.code, third.stdout + third.stderr).not.toBe(0);
      const exported = await pulumiCli(s, ["stack", "export"]);
      expect(exported.code, exported.stderr).toBe(0);
      const urns = (JSON.parse(exported.stdout) as { deployment: { resources: { urn: string }[] } }).deployment.resources.map((r) => r.urn);
      expect(urns.filter((u) => /::(fb-1001|tw-2001)$/.test(u))).toHaveLength(2);
    },
    T,
  );
});
