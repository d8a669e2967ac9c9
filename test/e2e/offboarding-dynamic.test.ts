/**
 * The dynamic path's `Offboarding` component (a TypeScript program) through the real `pulumi` CLI
 * (issue 18, section 3): the accounts Jane Doe (u-7001, jane@agency.example) authorized on the
 * demo seed, fb-1001, fb-1004, fb-1007 (already revoked by hand), tw-2001 and tw-2004, asked again
 * on every run.
 */
import { rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { expect, it } from "vitest";
import type { Account } from "../../provider/core";
import { DEMO_PEOPLE } from "../../provider/sandbox";
import { e2eSession } from "../support/e2e-session";
import { copyExample } from "../support/example-copy";
import { describeWithPulumi, type PulumiTestStack, pulumiCli, pulumiStack } from "../support/pulumi";

const T = 600_000;
const JANES = ["fb-1001", "fb-1004", "fb-1007", "tw-2001", "tw-2004"];
const e2e = e2eSession("marin-offboarding-dynamic-");

/** A stack of examples/typescript-stack whose index.ts offboards Jane with `args` (TypeScript source), and cuts fb-1002 alone. */
async function janeStack(args: string): Promise<(cmd: string[]) => Promise<{ code: number; out: string }>> {
  const workDir = copyExample("typescript-stack");
  writeFileSync(
    path.join(workDir, "index.ts"),
    `import { Offboarding, PublisherToken } from "pulumi-marin-social";

const jane = new Offboarding("jane", ${args});
new PublisherToken("other", { accountId: "fb-1002", valid: false });
export const cut = jane.accounts;
export const kept = jane.kept;
`,
  );
  const s: PulumiTestStack = await pulumiStack({
    workDir,
    config: { "marin-social:apiUrl": e2e.sb.url },
    secretConfig: { "marin-social:apiKey": e2e.sb.sandbox.keys.admin },
  });
  e2e.onCleanup(async () => {
    await s.cleanup();
    rmSync(path.dirname(workDir), { recursive: true, force: true });
  });
  return async (cmd) => {
    const r = await pulumiCli(s, [...cmd, "--color", "never"]);
    return { code: r.code, out: r.stdout + r.stderr };
  };
}

const live = async (ids: string[]): Promise<Map<string, Account>> =>
  new Map(await Promise.all(ids.map(async (id) => [id, await e2e.sb.admin.getAccount(id)] as const)));

describeWithPulumi("Offboarding on the dynamic path (a TypeScript program), through the real pulumi CLI", () => {
  it(
    "preview names every account and agency; up cuts all but the kept one; a re-authorization and a newly connected account are cut by the next up",
    async () => {
      const cli = await janeStack(`{ person: "jane@agency.example", reason: "Jane Doe left the company (HR-1234)", keep: ["fb-1004"] }`);
      const before = await live(JANES);
      const preview = await cli(["preview"]);
      expect(preview.code, preview.out).toBe(0);
      for (const id of ["fb-1001", "tw-2001", "tw-2004"]) {
        expect(preview.out).toContain(`(${id}) unlinks`);
        for (const ag of before.get(id)!.agencies) expect(preview.out).toContain(`${ag.name} (${ag.id})`);
      }
      expect(preview.out).toContain('facebook account "Driftwood Yoga" (fb-1004) is on the keep list: not touched');
      for (const [id, a] of await live(JANES)) expect(a, id).toEqual(before.get(id));

      const up = await cli(["up", "--yes"]);
      expect(up.code, up.out).toBe(0);
      const after = await live(JANES);
      for (const id of ["fb-1001", "fb-1007", "tw-2001", "tw-2004"]) expect([after.get(id)!.token.valid, after.get(id)!.agencies], id).toEqual([false, []]);
      expect(after.get("fb-1004")).toEqual(before.get("fb-1004"));

      await e2e.sb.admin.sandbox.reauthorizeAtPublisher("fb-1001", { authorizedBy: DEMO_PEOPLE.jane, agencies: ["ag-west"] });
      await e2e.sb.admin.sandbox.addAccounts({
        accounts: [{ id: "fb-1100", publisher: "facebook", name: "Harbor Bakery", agencies: ["ag-north"], authorizedBy: DEMO_PEOPLE.jane }],
      });
      const again = await cli(["preview"]);
      expect(again.code, again.out).toBe(0);
      expect(again.out).toContain('invalidating facebook account "Acme Coffee" (fb-1001) unlinks 1 agency: West Agency (ag-west)');
      expect(again.out).toContain('invalidating facebook account "Harbor Bakery" (fb-1100) unlinks 1 agency: North Agency (ag-north)');
      const up2 = await cli(["up", "--yes"]);
      expect(up2.code, up2.out).toBe(0);
      for (const id of ["fb-1001", "fb-1100"]) {
        const a = await e2e.sb.admin.getAccount(id);
        expect([a.token.valid, a.agencies], id).toEqual([false, []]);
      }
      expect(await e2e.sb.admin.getAccount("fb-1004")).toEqual(before.get("fb-1004"));
    },
    T,
  );

  it(
    "an expectAccounts mismatch refuses that person's entry, naming the difference, cutting nothing of theirs; the other token is cut and up fails",
    async () => {
      const cli = await janeStack(`{ person: "u-7001", expectAccounts: ["fb-1001", "fb-1004", "fb-1007", "tw-2001"] }`);
      const before = await live(JANES);
      const preview = await cli(["preview"]);
      expect(preview.code, preview.out).toBe(0);
      expect(preview.out).toContain('found but not expected: twitter account "Juniper Pet Supply" (tw-2004)');
      const up = await cli(["up", "--yes"]);
      expect(up.code, up.out).not.toBe(0);
      expect(up.out).toContain('found but not expected: twitter account "Juniper Pet Supply" (tw-2004)');
      for (const [id, a] of await live(JANES)) expect(a, id).toEqual(before.get(id));
      expect((await e2e.sb.admin.getAccount("fb-1002")).token.valid, up.out).toBe(false);
    },
    T,
  );
});
