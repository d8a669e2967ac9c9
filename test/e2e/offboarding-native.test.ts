/**
 * `marin-social:index:Offboarding` from Pulumi YAML through the real `pulumi` CLI (issue 18,
 * section 3): the plugin serves Construct, the component asks the API for the accounts the person
 * authorized on every run and declares one PublisherToken child per account, `valid: false`.
 * On the demo seed, Jane Doe (u-7001, jane@agency.example) authorized fb-1001, fb-1004, fb-1007
 * (already revoked by hand), tw-2001 and tw-2004.
 */
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { expect, it } from "vitest";
import { parseDocument } from "yaml";
import type { Account } from "../../provider/core";
import { DEMO_PEOPLE } from "../../provider/sandbox";
import { e2eSession } from "../support/e2e-session";
import { copyProject, describeWithPulumi, type NativeStack, nativeStack } from "./native-support";

const T = 600_000;
const JANES = ["fb-1001", "fb-1004", "fb-1007", "tw-2001", "tw-2004"];
const e2e = e2eSession("marin-offboarding-native-");

/** Pulumi.yaml's resources: one Offboarding `jane` with these properties, and `more` beside it. */
function declare(dir: string, properties: Record<string, unknown>, more: Record<string, unknown>): void {
  const file = path.join(dir, "Pulumi.yaml");
  const doc = parseDocument(readFileSync(file, "utf8"));
  doc.delete("variables");
  // Another token in the same program: a refused offboarding must not stop it being cut.
  doc.set("resources", {
    jane: { type: "marin-social:index:Offboarding", properties },
    other: { type: "marin-social:index:PublisherToken", properties: { accountId: "fb-1002", valid: false } },
    ...more,
  });
  // Pulumi YAML interpolations, not template strings.
  doc.set("outputs", { cut: ["$", "{jane.accounts}"].join(""), kept: ["$", "{jane.kept}"].join("") });
  writeFileSync(file, doc.toString());
}

async function janeStack(properties: Record<string, unknown>, more: Record<string, unknown> = {}): Promise<NativeStack> {
  const dir = copyProject("examples/pulumi-yaml");
  declare(dir, properties, more);
  const s = await nativeStack(dir, { "marin-social:apiUrl": e2e.sb.url }, { "marin-social:apiKey": e2e.sb.sandbox.keys.admin });
  e2e.onCleanup(() => s.cleanup());
  return s;
}

const live = async (ids: string[]): Promise<Map<string, Account>> =>
  new Map(await Promise.all(ids.map(async (id) => [id, await e2e.sb.admin.getAccount(id)] as const)));

describeWithPulumi("Offboarding from Pulumi YAML (the plugin's Construct), through the real pulumi CLI", () => {
  it(
    "preview names every account and agency; up cuts them all but the kept one; a re-authorization and a newly connected account are cut by the next up",
    async () => {
      const s = await janeStack({ person: "jane@agency.example", reason: "Jane Doe left the company (HR-1234)", keep: ["fb-1004"] });
      const before = await live(JANES);
      const preview = await s.cli(["preview"]);
      expect(preview.code, preview.out).toBe(0);
      for (const id of ["fb-1001", "tw-2001", "tw-2004"]) {
        const a = before.get(id)!;
        expect(preview.out).toContain(`(${id}) unlinks`);
        for (const ag of a.agencies) expect(preview.out).toContain(`${ag.name} (${ag.id})`);
      }
      expect(preview.out).toMatch(/\(fb-1007\) token already invalid/);
      expect(preview.out).toContain('facebook account "Driftwood Yoga" (fb-1004) is on the keep list: not touched');
      expect(preview.out).not.toContain("jane-fb-1004");
      // Nothing changed by the preview.
      for (const [id, a] of await live(JANES)) expect(a, id).toEqual(before.get(id));

      const up = await s.cli(["up", "--yes"]);
      expect(up.code, up.out).toBe(0);
      const after = await live(JANES);
      for (const id of ["fb-1001", "fb-1007", "tw-2001", "tw-2004"]) {
        expect(after.get(id)!.token.valid, id).toBe(false);
        expect(after.get(id)!.agencies, id).toEqual([]);
      }
      expect(after.get("fb-1004")).toEqual(before.get("fb-1004"));
      expect((await s.stack.outputs()).cut?.value).toEqual(["fb-1001", "fb-1007", "tw-2001", "tw-2004"]);

      // Jane grants fb-1001 again and connects a new account; the next preview shows both, the next up cuts both.
      await e2e.sb.admin.sandbox.reauthorizeAtPublisher("fb-1001", { authorizedBy: DEMO_PEOPLE.jane, agencies: ["ag-west"] });
      await e2e.sb.admin.sandbox.addAccounts({
        accounts: [{ id: "fb-1100", publisher: "facebook", name: "Harbor Bakery", agencies: ["ag-north"], authorizedBy: DEMO_PEOPLE.jane }],
      });
      // Refresh flags it as an error, naming who and when: she is offboarded in this stack.
      const refresh = await s.cli(["refresh", "--yes"]);
      const at = (await e2e.sb.admin.getAccount("fb-1001")).token.authorizedAt;
      expect(refresh.out).toContain(
        `error: facebook account "Acme Coffee" (fb-1001): re-authorized by Jane Doe <jane@agency.example> (u-7001) at ${at}, after it was invalidated; the next \`pulumi up\` invalidates it again; its authorizer is offboarded in this stack (Offboarding "jane")`,
      );
      const again = await s.cli(["preview"]);
      expect(again.code, again.out).toBe(0);
      expect(again.out).toContain('invalidating facebook account "Acme Coffee" (fb-1001) unlinks 1 agency: West Agency (ag-west)');
      expect(again.out).toContain('invalidating facebook account "Harbor Bakery" (fb-1100) unlinks 1 agency: North Agency (ag-north)');
      const up2 = await s.cli(["up", "--yes"]);
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
    "an expectAccounts mismatch refuses that person's entry, naming the difference, and cuts nothing of theirs; every other token and person is cut, and each up fails",
    async () => {
      // Li Wei (u-7003) is offboarded in the same program: fb-1005, fb-1006, tw-2003, tw-2006.
      const LIS = ["fb-1005", "fb-1006", "tw-2003", "tw-2006"];
      const s = await janeStack(
        { person: "u-7001", expectAccounts: ["fb-1001", "fb-1004", "fb-1007", "tw-2001"] },
        { li: { type: "marin-social:index:Offboarding", properties: { person: "u-7003", reason: "Li Wei moved to another team" } } },
      );
      const before = await live(JANES);
      const refused =
        /error: after hook "marin-social-offboarding-refused-jane" failed: Offboarding "jane" of u-7001 was refused by expectAccounts \(found but not expected: tw-2004\): nothing of theirs was cut/;
      const up = await s.cli(["up", "--yes"]);
      expect(up.code, up.out).not.toBe(0);
      // Named twice: the error against the component (as in preview), and why the run fails.
      expect(up.out).toMatch(/marin-social:index:Offboarding \(jane\):\n\s+error: Offboarding "jane" of u-7001/);
      expect(up.out).toContain('found but not expected: twitter account "Juniper Pet Supply" (tw-2004)');
      expect(up.out).toContain("Nothing of theirs was changed");
      expect(up.out).toMatch(refused);
      for (const [id, a] of await live(JANES)) expect(a, id).toEqual(before.get(id));
      for (const id of ["fb-1002", ...LIS]) {
        const a = await e2e.sb.admin.getAccount(id);
        expect([a.token.valid, a.agencies], id).toEqual([false, []]);
      }
      // The same refusal on the next up fails that run too (the component is updated again, not left "same").
      const again = await s.cli(["up", "--yes"]);
      expect(again.code, again.out).not.toBe(0);
      expect(again.out).toMatch(refused);
      for (const [id, a] of await live(JANES)) expect(a, id).toEqual(before.get(id));
    },
    T,
  );
});
