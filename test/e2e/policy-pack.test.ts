/**
 * The CrossGuard pack in policy/ through the real CLI (`--policy-pack`, which v3.274.1 runs through
 * our Node.js language host's RunPlugin): on the dynamic path (examples/yaml-stack, a TypeScript
 * program reading tokens.yaml) and the native one (examples/pulumi-yaml). Per stack: one `up` a
 * mandatory violation stops in its preview, before any request changes anything (the sandbox's
 * audit is unchanged), then one `up --yes --skip-preview` whose violations are advisory: the
 * engine runs the pack on the update's own steps too, so they are shown, and the run goes on.
 * (The preview of that second `up` would only repeat the first one's analysis, with another
 * config: what the first `up` proves is that the pack runs in the preview.)
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { copyExample } from "../support/example-copy";
import { describeWithPulumi, type PulumiTestStack, pulumiCli, pulumiStack } from "../support/pulumi";
import { auditCounts, type TestSandbox, testSandbox } from "../support/sandbox";
import { copyProject, nativeStack } from "./native-support";

const T = 300_000;
const PACK = path.resolve(__dirname, "..", "..", "policy");
let sb: TestSandbox;
let tmp: string;

/** `--policy-pack policy --policy-pack-config <file>` for this config. */
function policyArgs(name: string, config: Record<string, unknown>): string[] {
  const file = path.join(tmp, `${name}.json`);
  writeFileSync(file, JSON.stringify(config));
  return ["--policy-pack", PACK, "--policy-pack-config", file];
}

describeWithPulumi("the policy pack through the real CLI", () => {
  beforeAll(async () => {
    sb = await testSandbox();
    tmp = mkdtempSync(path.join(tmpdir(), "marin-policy-"));
  }, T);
  afterAll(async () => {
    await sb?.close();
    rmSync(tmp, { recursive: true, force: true });
  }, T);

  it(
    "dynamic path: the link cap and a protected account stop up before any change; advisory, the cap is shown and up goes on",
    async () => {
      const workDir = copyExample("yaml-stack");
      let s: PulumiTestStack | undefined;
      try {
        s = await pulumiStack({ workDir, config: { "marin-social:apiUrl": sb.url }, secretConfig: { "marin-social:apiKey": sb.sandbox.keys.admin } });
        const before = await auditCounts(sb.admin);
        // fb-1003 and tw-2003 each unlink 2 agencies: 4 links against a cap of 3.
        const blocked = await pulumiCli(s, [
          "up",
          "--yes",
          ...policyArgs("dyn-blocked", { "max-links-cut": { maxLinks: 3 }, "protected-accounts": { accounts: ["tw-2003"] } }),
        ]);
        const out = blocked.stdout + blocked.stderr;
        expect(blocked.code, out).not.toBe(0);
        expect(out).toMatch(/\[mandatory\]\s+max-links-cut\s+\(pulumi-nodejs:dynamic\/marin-social:PublisherToken: (fb-1003|tw-2003)\)/);
        expect(out).toMatch(/this run would cut 4 agency links, over the cap of 3 .* account (fb-1003|tw-2003) is past it by 1: /);
        expect(out).toMatch(/\[mandatory\]\s+protected-accounts\s+\(pulumi-nodejs:dynamic\/marin-social:PublisherToken: tw-2003\)/);
        expect(out).toContain("account tw-2003 is protected");
        expect(await auditCounts(sb.admin)).toEqual(before); // stopped in the preview: no request changed anything

        const advised = await pulumiCli(s, [
          "up",
          "--yes",
          "--skip-preview",
          ...policyArgs("dyn-advisory", { "max-links-cut": { enforcementLevel: "advisory", maxLinks: 3 } }),
        ]);
        const out2 = advised.stdout + advised.stderr;
        expect(advised.code, out2).toBe(0);
        expect(out2).toMatch(/\[advisory\]\s+max-links-cut/);
        expect(out2).toContain("this run would cut 4 agency links, over the cap of 3");
        expect((await sb.admin.getAccount("fb-1003")).token).toMatchObject({ valid: false });
        expect((await sb.admin.getAccount("tw-2003")).agencies).toEqual([]);
      } finally {
        await s?.cleanup();
        rmSync(path.dirname(workDir), { recursive: true, force: true });
      }
    },
    T,
  );

  it(
    "native path (Pulumi YAML): a token without a reason stops up before any change; advisory, it is shown and up goes on",
    async () => {
      await sb.admin.sandbox.reset();
      const st = await nativeStack(copyProject("examples/pulumi-yaml"), { "marin-social:apiUrl": sb.url }, { "marin-social:apiKey": sb.sandbox.keys.admin });
      try {
        const before = await auditCounts(sb.admin);
        // granite-fitness is valid: false with no reason; acme-coffee-twitter declares no expectAgencies.
        const blocked = await st.cli(["up", "--yes", ...policyArgs("native-blocked", {})]);
        expect(blocked.code, blocked.out).not.toBe(0);
        expect(blocked.out).toMatch(/\[mandatory\]\s+invalidation-has-reason\s+\(marin-social:index:PublisherToken: granite-fitness\)/);
        expect(blocked.out).toContain("token for account fb-1007 is declared valid: false without a reason");
        expect(blocked.out).toContain("cannot count the agency links cut from account tw-2001");
        expect(await auditCounts(sb.admin)).toEqual(before);

        const advised = await st.cli([
          "up",
          "--yes",
          "--skip-preview",
          ...policyArgs("native-advisory", { "invalidation-has-reason": "advisory", "max-links-cut": "advisory" }),
        ]);
        expect(advised.code, advised.out).toBe(0);
        expect(advised.out).toMatch(/\[advisory\]\s+invalidation-has-reason\s+\(marin-social:index:PublisherToken: granite-fitness\)/);
        expect(advised.out).toContain("token for account fb-1007 is declared valid: false without a reason");
        expect((await sb.admin.getAccount("fb-1001")).agencies).toEqual([]);
      } finally {
        await st.cleanup();
      }
    },
    T,
  );
});
