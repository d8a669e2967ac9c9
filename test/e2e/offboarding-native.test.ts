/**
 * `marin-social:index:Offboarding` from Pulumi YAML through the real `pulumi` CLI (issue 18,
 * section 3): the plugin serves Construct, the component asks the API for the accounts the person
 * authorized on every run and declares one PublisherToken child per account, `valid: false`.
 * On the demo seed, Jane Doe (u-7001, jane@agency.example) authorized fb-1001, fb-1004, fb-1007
 * (already revoked by hand), tw-2001 and tw-2004; Li Wei (u-7003) fb-1005, fb-1006, tw-2003 and
 * tw-2006; fb-1002 (Raj Patel's) is cut as a plain token.
 *
 * One stack carries both scenarios, one program declaring the two people side by side (their
 * accounts do not overlap): Jane's offboarding with a keep list, and Li's whose `expectAccounts`
 * guard misses tw-2006. Then the guard is fixed, Jane re-authorizes an account and connects a new
 * one, refresh flags the re-authorization, and the next `pulumi up --yes` cuts all of it.
 */
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { expect, it } from "vitest";
import { parseDocument } from "yaml";
import type { Account } from "../../provider/core";
import { DEMO_PEOPLE } from "../../provider/sandbox";
import { e2eSession } from "../support/e2e-session";
import { copyProject, describeWithPulumi, nativeStack } from "./native-support";

const T = 600_000;
const JANES = ["fb-1001", "fb-1004", "fb-1007", "tw-2001", "tw-2004"];
const LIS = ["fb-1005", "fb-1006", "tw-2003", "tw-2006"];
const e2e = e2eSession("marin-offboarding-native-");

/** Pulumi.yaml's resources: Offboarding `jane` keeping fb-1004, Offboarding `li` guarded by `liExpects`, and fb-1002 alone. */
function declare(dir: string, liExpects: string[]): void {
  const file = path.join(dir, "Pulumi.yaml");
  const doc = parseDocument(readFileSync(file, "utf8"));
  doc.delete("variables");
  // Another token in the same program: a refused offboarding must not stop it being cut.
  doc.set("resources", {
    jane: {
      type: "marin-social:index:Offboarding",
      properties: { person: "jane@agency.example", reason: "Jane Doe left the company (HR-1234)", keep: ["fb-1004"] },
    },
    li: { type: "marin-social:index:Offboarding", properties: { person: "u-7003", expectAccounts: liExpects } },
    other: { type: "marin-social:index:PublisherToken", properties: { accountId: "fb-1002", valid: false } },
  });
  // Pulumi YAML interpolations, not template strings.
  doc.set("outputs", { cut: ["$", "{jane.accounts}"].join(""), kept: ["$", "{jane.kept}"].join("") });
  writeFileSync(file, doc.toString());
}

const live = async (ids: string[]): Promise<Map<string, Account>> =>
  new Map(await Promise.all(ids.map(async (id) => [id, await e2e.sb.admin.getAccount(id)] as const)));

/** The part of `pulumi up --yes`'s output that its preview printed (before the update starts). */
const previewPart = (out: string): string => {
  const at = out.indexOf("Updating (");
  return at < 0 ? out : out.slice(0, at);
};

describeWithPulumi("Offboarding from Pulumi YAML (the plugin's Construct), through the real pulumi CLI", () => {
  it(
    "preview names every account and agency and changes nothing; an expectAccounts mismatch refuses that person's entry, naming the difference, cutting nothing of theirs, while up cuts the other person's accounts (all but the kept one) and the other token; once fixed, refresh flags a re-authorization, and it and a newly connected account are shown and cut by the next up",
    async () => {
      const dir = copyProject("examples/pulumi-yaml");
      declare(dir, ["fb-1005", "fb-1006", "tw-2003"]);
      const s = await nativeStack(dir, { "marin-social:apiUrl": e2e.sb.url }, { "marin-social:apiKey": e2e.sb.sandbox.keys.admin });
      e2e.onCleanup(() => s.cleanup());
      const mismatch = 'found but not expected: twitter account "Lumen Tea House" (tw-2006)';
      const all = [...JANES, ...LIS, "fb-1002"];
      const before = await live(all);

      const preview = await s.cli(["preview"]);
      expect(preview.code, preview.out).toBe(0);
      for (const id of ["fb-1001", "tw-2001", "tw-2004"]) {
        const a = before.get(id)!;
        expect(preview.out, id).toContain(`(${id}) unlinks`);
        for (const ag of a.agencies) expect(preview.out, `${id}: ${ag.id}`).toContain(`${ag.name} (${ag.id})`);
      }
      expect(preview.out).toMatch(/\(fb-1007\) token already invalid/);
      expect(preview.out).toContain('facebook account "Driftwood Yoga" (fb-1004) is on the keep list: not touched');
      expect(preview.out).not.toContain("jane-fb-1004");
      // Nothing changed by the preview.
      for (const [id, a] of await live(all)) expect(a, `${id} after preview`).toEqual(before.get(id));

      // `--skip-preview`: the preview above, of the same program on the same state, went on past
      // Li's refusal (exit 0), which is what lets `pulumi up`'s own preview go on; the last `up`
      // below runs its preview.
      const up = await s.cli(["up", "--yes", "--skip-preview"]);
      // Li's refusal is an error diagnostic against her component; nothing of hers is changed.
      expect(up.out).toMatch(/marin-social:index:Offboarding \(li\):\n\s+error: Offboarding "li" of u-7003/);
      expect(up.out).toContain(mismatch);
      expect(up.out).toContain("Nothing of theirs was changed");
      // And the run fails, saying why (a failing after-hook of her component: the steps of the
      // others still ran).
      const refused =
        /error: after hook "marin-social-offboarding-refused-li" failed: Offboarding "li" of u-7003 was refused by expectAccounts \(found but not expected: tw-2006\): nothing of theirs was cut/;
      expect(up.code, up.out).not.toBe(0);
      expect(up.out).toMatch(refused);
      // The same refusal on the next up fails that run too (the component is updated again, not left "same").
      const again = await s.cli(["up", "--yes", "--skip-preview"]);
      expect(again.code, again.out).not.toBe(0);
      expect(again.out).toMatch(refused);
      const after = await live(all);
      for (const id of LIS) expect(after.get(id), `Li's ${id} (refused entry)`).toEqual(before.get(id));
      expect(after.get("fb-1002")!.token.valid, `fb-1002, the other token\n${up.out}`).toBe(false);
      // Jane's are cut, but the kept one.
      for (const id of ["fb-1001", "fb-1007", "tw-2001", "tw-2004"]) {
        expect(after.get(id)!.token.valid, `Jane's ${id}\n${up.out}`).toBe(false);
        expect(after.get(id)!.agencies, `Jane's ${id}`).toEqual([]);
      }
      expect(after.get("fb-1004"), "Jane's kept fb-1004").toEqual(before.get("fb-1004"));

      // Li's guard fixed; Jane grants fb-1001 again and connects a new account.
      declare(dir, LIS);
      await e2e.sb.admin.sandbox.reauthorizeAtPublisher("fb-1001", { authorizedBy: DEMO_PEOPLE.jane, agencies: ["ag-west"] });
      await e2e.sb.admin.sandbox.addAccounts({
        accounts: [{ id: "fb-1100", publisher: "facebook", name: "Harbor Bakery", agencies: ["ag-north"], authorizedBy: DEMO_PEOPLE.jane }],
      });
      // Refresh flags it as an error, naming who and when: she is offboarded in this stack.
      const refresh = await s.cli(["refresh", "--yes", "--skip-preview"]);
      const at = (await e2e.sb.admin.getAccount("fb-1001")).token.authorizedAt;
      expect(refresh.out).toContain(
        `error: facebook account "Acme Coffee" (fb-1001): re-authorized by Jane Doe <jane@agency.example> (u-7001) at ${at}, after it was invalidated; the next \`pulumi up\` invalidates it again; its authorizer is offboarded in this stack (Offboarding "jane")`,
      );
      // The next up's preview shows both; the up cuts them (and Li's) and succeeds.
      const up2 = await s.cli(["up", "--yes"]);
      expect(up2.code, up2.out).toBe(0);
      const shown = previewPart(up2.out);
      expect(shown).toContain('invalidating facebook account "Acme Coffee" (fb-1001) unlinks 1 agency: West Agency (ag-west)');
      expect(shown).toContain('invalidating facebook account "Harbor Bakery" (fb-1100) unlinks 1 agency: North Agency (ag-north)');
      for (const id of ["fb-1001", "fb-1100", ...LIS]) {
        const a = await e2e.sb.admin.getAccount(id);
        expect([a.token.valid, a.agencies], id).toEqual([false, []]);
      }
      expect(await e2e.sb.admin.getAccount("fb-1004"), "Jane's kept fb-1004").toEqual(before.get("fb-1004"));
      // The stack's outputs are those of the last run that succeeded (a refused run records none).
      const outputs = await s.stack.outputs();
      expect(outputs.cut?.value).toEqual(["fb-1001", "fb-1007", "fb-1100", "tw-2001", "tw-2004"]);
      expect(outputs.kept?.value).toEqual(["fb-1004"]);
    },
    T,
  );
});
