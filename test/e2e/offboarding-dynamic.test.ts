/**
 * The dynamic path's `Offboarding` component (a TypeScript program) through the real `pulumi` CLI
 * (issue 18, section 3), on the demo seed. Jane Doe (u-7001, jane@agency.example) authorized
 * fb-1001, fb-1004, fb-1007 (already revoked by hand), tw-2001 and tw-2004; Li Wei (u-7003)
 * fb-1005, fb-1006, tw-2003 and tw-2006; fb-1002 (Raj Patel's) is cut as a plain token.
 *
 * One stack carries both scenarios, one program declaring the two people side by side (their
 * accounts do not overlap): Jane's offboarding with a keep list, and Li's whose `expectAccounts`
 * guard misses tw-2006. Then the guard is fixed, Jane re-authorizes an account and connects a
 * new one, and the next `pulumi up --yes` cuts all of it. The accounts are asked again on every run.
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { expect, it } from "vitest";
import { type Account, personLabel } from "../../provider/core";
import { DEMO_PEOPLE } from "../../provider/sandbox";
import { e2eSession } from "../support/e2e-session";
import { copyExample, TRANSPILE_ONLY } from "../support/example-copy";
import { describeWithPulumi, pulumiCli } from "../support/pulumi";

const T = 600_000;
const JANES = ["fb-1001", "fb-1004", "fb-1007", "tw-2001", "tw-2004"];
const LIS = ["fb-1005", "fb-1006", "tw-2003", "tw-2006"];
const e2e = e2eSession("marin-offboarding-dynamic-");

/** examples/typescript-stack's index.ts: Jane offboarded keeping fb-1004, Li with `liArgs`, and fb-1002 cut alone. */
const program = (liArgs: string) => `import { Offboarding, PublisherToken } from "pulumi-marin-social";

const jane = new Offboarding("jane", { person: "jane@agency.example", reason: "Jane Doe left the company (HR-1234)", keep: ["fb-1004"] });
const li = new Offboarding("li", ${liArgs});
new PublisherToken("other", { accountId: "fb-1002", valid: false });
export const cut = jane.accounts;
export const kept = jane.kept;
export const liCut = li.accounts;
`;

const live = async (ids: string[]): Promise<Map<string, Account>> =>
  new Map(await Promise.all(ids.map(async (id) => [id, await e2e.sb.admin.getAccount(id)] as const)));

/** The part of `pulumi up --yes`'s output that its preview printed (before the update starts). */
const previewPart = (out: string): string => {
  const at = out.indexOf("Updating (");
  return at < 0 ? out : out.slice(0, at);
};

describeWithPulumi("Offboarding on the dynamic path (a TypeScript program), through the real pulumi CLI", () => {
  it(
    "preview names every account and agency and changes nothing; an expectAccounts mismatch refuses that person's entry, naming the difference, cutting nothing of theirs, while up cuts the other person's accounts (all but the kept one) and the other token, and fails; once fixed, a re-authorization and a newly connected account are shown and cut by the next up, which succeeds",
    async () => {
      const workDir = copyExample("typescript-stack");
      const index = path.join(workDir, "index.ts");
      writeFileSync(index, program(`{ person: "u-7003", expectAccounts: ["fb-1005", "fb-1006", "tw-2003"] }`));
      const s = await e2e.stack(workDir, TRANSPILE_ONLY);
      const cli = async (cmd: string[]) => {
        const r = await pulumiCli(s, [...cmd, "--color", "never"]);
        return { code: r.code, out: r.stdout + r.stderr };
      };
      const mismatch = 'found but not expected: twitter account "Lumen Tea House" (tw-2006)';
      const before = await live([...JANES, ...LIS, "fb-1002"]);

      // The preview: Jane's accounts with every agency each would be cut from, the kept one named,
      // Li's refusal shown as an error and the preview going on; nothing changed.
      const preview = await cli(["preview"]);
      expect(preview.code, preview.out).toBe(0);
      for (const id of ["fb-1001", "tw-2001", "tw-2004"]) {
        expect(preview.out, id).toContain(`(${id}) unlinks`);
        for (const ag of before.get(id)!.agencies) expect(preview.out, `${id}: ${ag.id}`).toContain(`${ag.name} (${ag.id})`);
      }
      expect(preview.out).toContain('facebook account "Driftwood Yoga" (fb-1004) is on the keep list: not touched');
      expect(preview.out).toContain(mismatch);
      for (const [id, a] of await live([...JANES, ...LIS, "fb-1002"])) expect(a, `${id} after preview`).toEqual(before.get(id));

      // up: Li's entry is refused (nothing of hers cut, the run fails), Jane's is cut but the kept
      // one, and the other token is cut: a refused entry blocks nothing else. `--skip-preview`:
      // the preview above, of the same program on the same state, went on past the refusal (exit
      // 0), which is what lets `pulumi up`'s own preview go on; the last `up` below runs its preview.
      const up = await cli(["up", "--yes", "--skip-preview"]);
      expect(up.code, up.out).not.toBe(0);
      expect(up.out).toContain(mismatch);
      const after = await live([...JANES, ...LIS, "fb-1002"]);
      for (const id of ["fb-1001", "fb-1007", "tw-2001", "tw-2004"])
        expect([after.get(id)!.token.valid, after.get(id)!.agencies], `Jane's ${id}`).toEqual([false, []]);
      expect(after.get("fb-1004"), "Jane's kept fb-1004").toEqual(before.get("fb-1004"));
      for (const id of LIS) expect(after.get(id), `Li's ${id} (refused entry)`).toEqual(before.get(id));
      expect(after.get("fb-1002")!.token.valid, `fb-1002, the other token\n${up.out}`).toBe(false);

      // Li's guard fixed; Jane grants fb-1001 again and connects a new account. The preview of the
      // next `pulumi up --yes` shows both, and the up cuts them (and Li's) and succeeds.
      writeFileSync(index, program(`{ person: "u-7003", expectAccounts: ${JSON.stringify(LIS)} }`));
      await e2e.sb.admin.sandbox.reauthorizeAtPublisher("fb-1001", { authorizedBy: DEMO_PEOPLE.jane, agencies: ["ag-west"] });
      await e2e.sb.admin.sandbox.addAccounts({
        accounts: [{ id: "fb-1100", publisher: "facebook", name: "Harbor Bakery", agencies: ["ag-north"], authorizedBy: DEMO_PEOPLE.jane }],
      });
      // Raj grants fb-1002, the plain token, again too.
      await e2e.sb.admin.sandbox.reauthorizeAtPublisher("fb-1002", { authorizedBy: DEMO_PEOPLE.raj });
      // Refresh flags Jane's as an error, naming who and when: she is offboarded in this stack.
      // Raj's is drift, a warning: no Offboarding in the stack declared it.
      const refresh = await cli(["refresh", "--yes", "--skip-preview"]);
      const [jane1001, raj1002] = [await e2e.sb.admin.getAccount("fb-1001"), await e2e.sb.admin.getAccount("fb-1002")];
      expect(refresh.out).toContain(
        `error: facebook account "Acme Coffee" (fb-1001): re-authorized by Jane Doe <jane@agency.example> (u-7001) at ${jane1001.token.authorizedAt}, after it was invalidated; the next \`pulumi up\` invalidates it again; its authorizer is offboarded in this stack (Offboarding "jane")`,
      );
      expect(refresh.out).toContain(
        `warning: ${raj1002.publisher} account "${raj1002.name}" (fb-1002): re-authorized by ${personLabel(DEMO_PEOPLE.raj)} at ${raj1002.token.authorizedAt}, after it was invalidated; the next \`pulumi up\` invalidates it again\n`,
      );
      const up2 = await cli(["up", "--yes"]);
      expect(up2.code, up2.out).toBe(0);
      const shown = previewPart(up2.out);
      expect(shown).toContain('invalidating facebook account "Acme Coffee" (fb-1001) unlinks 1 agency: West Agency (ag-west)');
      expect(shown).toContain('invalidating facebook account "Harbor Bakery" (fb-1100) unlinks 1 agency: North Agency (ag-north)');
      for (const id of ["fb-1001", "fb-1100", "fb-1002", ...LIS]) {
        const a = await e2e.sb.admin.getAccount(id);
        expect([a.token.valid, a.agencies], id).toEqual([false, []]);
      }
      expect(await e2e.sb.admin.getAccount("fb-1004"), "Jane's kept fb-1004").toEqual(before.get("fb-1004"));
    },
    T,
  );
});
