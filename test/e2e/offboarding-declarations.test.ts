/**
 * A `people:` entry of a declaration file (the repository's own program, the dynamic path) through
 * the real `pulumi` CLI (issue 18, section 3): Jane Doe's accounts on the demo seed, fb-1001,
 * fb-1004, fb-1007 (already revoked by hand), tw-2001 and tw-2004, expanded again on every run.
 */
import { rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Account } from "../../provider/core";
import { DEMO_PEOPLE } from "../../provider/sandbox";
import { describeWithPulumi, type PulumiTestStack, pulumiCli, pulumiStack, repoProgramCopy } from "../support/pulumi";
import { type TestSandbox, testSandbox } from "../support/sandbox";

const T = 900_000;
const JANES = ["fb-1001", "fb-1004", "fb-1007", "tw-2001", "tw-2004"];
let sb: TestSandbox;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  sb = await testSandbox();
});
afterAll(async () => {
  for (const c of cleanups) await c();
  await sb?.close();
});

const live = async (ids: string[]): Promise<Map<string, Account>> =>
  new Map(await Promise.all(ids.map(async (id) => [id, await sb.admin.getAccount(id)] as const)));

/** Jane's entry (its extra lines), and fb-1002 cut as a plain token. */
const declarations = (entry: string) =>
  `people:\n  - person: jane@agency.example\n    reason: Jane Doe left the company (HR-1234)\n${entry}tokens:\n  - accountId: fb-1002\n    valid: false\n`;

describeWithPulumi("people: entries in tokens.yaml, through the real pulumi CLI", () => {
  it(
    "a guard mismatch cuts nothing of hers; then preview and up cut all but the kept one; a re-authorization and a new account are cut by the next up",
    async () => {
      const workDir = repoProgramCopy();
      const file = path.join(workDir, "tokens.yaml");
      writeFileSync(file, declarations("    expectAccounts: [fb-1001, fb-1004, fb-1007, tw-2001]\n"));
      const s: PulumiTestStack = await pulumiStack({
        workDir,
        config: { "marin-social:apiUrl": sb.url },
        secretConfig: { "marin-social:apiKey": sb.sandbox.keys.admin },
      });
      cleanups.push(async () => {
        await s.cleanup();
        rmSync(path.dirname(workDir), { recursive: true, force: true });
      });
      const cli = async (args: string[]) => {
        const r = await pulumiCli(s, [...args, "--color", "never"]);
        return { code: r.code, out: r.stdout + r.stderr };
      };
      const before = await live(JANES);

      const refused = await cli(["up", "--yes"]);
      expect(refused.code, refused.out).not.toBe(0);
      expect(refused.out).toContain('found but not expected: twitter account "Juniper Pet Supply" (tw-2004)');
      for (const [id, a] of await live(JANES)) expect(a, id).toEqual(before.get(id));
      expect((await sb.admin.getAccount("fb-1002")).token.valid, refused.out).toBe(false);

      writeFileSync(file, declarations("    keep: [fb-1004]\n"));
      const preview = await cli(["preview"]);
      expect(preview.code, preview.out).toBe(0);
      for (const id of ["fb-1001", "tw-2001", "tw-2004"]) {
        expect(preview.out).toContain(`(${id}) unlinks`);
        for (const ag of before.get(id)!.agencies) expect(preview.out).toContain(`${ag.name} (${ag.id})`);
      }
      expect(preview.out).toContain('facebook account "Driftwood Yoga" (fb-1004) is on the keep list: not touched');
      const up = await cli(["up", "--yes"]);
      expect(up.code, up.out).toBe(0);
      const after = await live(JANES);
      for (const id of ["fb-1001", "fb-1007", "tw-2001", "tw-2004"]) expect([after.get(id)!.token.valid, after.get(id)!.agencies], id).toEqual([false, []]);
      expect(after.get("fb-1004")).toEqual(before.get("fb-1004"));

      await sb.admin.sandbox.reauthorizeAtPublisher("tw-2001", { authorizedBy: DEMO_PEOPLE.jane, agencies: ["ag-east"] });
      await sb.admin.sandbox.addAccounts({
        accounts: [{ id: "tw-2100", publisher: "twitter", name: "Harbor Bakery", agencies: ["ag-south"], authorizedBy: DEMO_PEOPLE.jane }],
      });
      const again = await cli(["preview"]);
      expect(again.code, again.out).toBe(0);
      expect(again.out).toContain("(tw-2001) unlinks 1 agency: East Agency (ag-east)");
      expect(again.out).toContain("(tw-2100) unlinks 1 agency: South Agency (ag-south)");
      const up2 = await cli(["up", "--yes"]);
      expect(up2.code, up2.out).toBe(0);
      for (const id of ["tw-2001", "tw-2100"]) {
        const a = await sb.admin.getAccount(id);
        expect([a.token.valid, a.agencies], id).toEqual([false, []]);
      }
      expect(await sb.admin.getAccount("fb-1004")).toEqual(before.get("fb-1004"));
    },
    T,
  );
});
