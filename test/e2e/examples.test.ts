/**
 * Both examples through the real Pulumi engine, as a user runs them after `npm install` in the
 * example folder (copied, with node_modules linked; see example-copy.ts): the Automation API drives
 * the CLI on a file backend, against one sandbox (reset between tests).
 */
import { rmSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { copyExample } from "../support/example-copy";
import { describeWithPulumi, type PulumiTestStack, pulumiStack } from "../support/pulumi";
import { type TestSandbox, testSandbox } from "../support/sandbox";
import { diagnosticsOf, runOp, TOKEN_TYPE, tokenUrn } from "../support/stack-run";

const T = 300_000;
let sb: TestSandbox;
const stacks: PulumiTestStack[] = [];

/** A fresh copy of `examples/<name>` as a stack `dev` on its own backend. */
async function exampleStack(name: string): Promise<PulumiTestStack> {
  const workDir = copyExample(name);
  const s = await pulumiStack({ workDir, config: { "marin-social:apiUrl": sb.url }, secretConfig: { "marin-social:apiKey": sb.sandbox.keys.admin } });
  stacks.push(s);
  return s;
}

describeWithPulumi("the examples through the real engine", () => {
  beforeAll(async () => {
    sb = await testSandbox();
  }, T);
  beforeEach(async () => {
    await sb.admin.sandbox.reset();
  });
  afterAll(async () => {
    for (const s of stacks) {
      await s.cleanup();
      rmSync(path.dirname(s.stack.workspace.workDir), { recursive: true, force: true });
    }
    await sb?.close();
  }, T);

  it(
    "examples/yaml-stack: preview logs the audit per token, up invalidates what tokens.yaml declares",
    async () => {
      const s = await exampleStack("yaml-stack");
      const urn = (n: string) => tokenUrn(n, { project: "marin-social-yaml-stack" });
      const p = await runOp(s.stack, "preview");
      expect(p.exitCode, p.message).toBe(0);
      expect(
        p.steps
          .filter((x) => x.type === TOKEN_TYPE)
          .map((x) => x.urn)
          .sort(),
      ).toEqual(["fb-1003", "fb-1005", "tw-2003", "tw-2006"].map(urn));
      expect(diagnosticsOf(p, urn("fb-1003"))).toEqual([
        'warning: invalidating facebook account "Cedar & Pine Outfitters" (fb-1003) unlinks 2 agencies: South Agency (ag-south), West Agency (ag-west)',
      ]);
      expect(diagnosticsOf(p, urn("tw-2003"))).toEqual([
        'warning: invalidating twitter account "Indigo Records" (tw-2003) unlinks 2 agencies: East Agency (ag-east), West Agency (ag-west)',
      ]);
      expect(p.stdout).toContain(`${TOKEN_TYPE} (tw-2003):\n    warning: invalidating twitter account "Indigo Records"`);

      const u = await runOp(s.stack, "up");
      expect(u.exitCode, u.message).toBe(0);
      for (const id of ["fb-1003", "tw-2003"]) {
        const live = await sb.admin.getAccount(id);
        expect(live.token).toMatchObject({ valid: false, invalidatedBy: "pulumi:marin-social-yaml-stack/dev", reason: "Agency West contract ended (OPS-77)" });
        expect(live.agencies).toEqual([]);
      }
      expect((await sb.admin.getAccount("fb-1005")).token.valid).toBe(true);
      expect(((await s.stack.outputs()).audit!.value as Record<string, unknown>)["tw-2006"]).toMatchObject({ valid: true, action: "none" });
    },
    T,
  );

  it(
    "examples/typescript-stack: index.ts through the CLI's TypeScript support; up cuts off fb-1001 and tw-2001, fb-1002 stays",
    async () => {
      const s = await exampleStack("typescript-stack");
      const urn = (n: string) => tokenUrn(n, { project: "marin-social-typescript-stack" });
      const p = await runOp(s.stack, "preview");
      expect(p.exitCode, p.message).toBe(0);
      expect(diagnosticsOf(p, urn("acme-coffee"))).toEqual([
        'warning: invalidating facebook account "Acme Coffee" (fb-1001) unlinks 3 agencies: East Agency (ag-east), North Agency (ag-north), South Agency (ag-south)',
      ]);
      expect(diagnosticsOf(p, urn("jane-tweets"))).toEqual([
        'warning: invalidating twitter account "Acme Coffee" (tw-2001) unlinks 2 agencies: East Agency (ag-east), North Agency (ag-north)',
      ]);
      expect(diagnosticsOf(p, urn("brand-page"))).toEqual([
        'info: facebook account "Blue Harbor Bakery" (fb-1002) token valid, linked to 1 agency: North Agency (ag-north)',
      ]);

      const u = await runOp(s.stack, "up");
      expect(u.exitCode, u.message).toBe(0);
      const outputs = await s.stack.outputs();
      expect(outputs.acmeCutOff!.value).toEqual([
        { id: "ag-east", name: "East Agency" },
        { id: "ag-north", name: "North Agency" },
        { id: "ag-south", name: "South Agency" },
      ]);
      expect(outputs.janeTweetsValid!.value).toBe(false);
      expect((await sb.admin.getAccount("fb-1001")).agencies).toEqual([]);
      expect((await sb.admin.getAccount("tw-2001")).token.valid).toBe(false);
      expect((await sb.admin.getAccount("fb-1002")).token.valid).toBe(true);
    },
    T,
  );

  it(
    "examples/typescript-stack: the guard fails when Marin Social shows another agency, changing nothing on it, and the others are still cut off",
    async () => {
      const s = await exampleStack("typescript-stack");
      await sb.admin.reauthorize("fb-1001", { actor: "ops@agency.example", agencies: ["ag-west"] });
      const before = (await sb.admin.audit()).length;
      const u = await runOp(s.stack, "up");
      expect(u.exitCode).not.toBe(0);
      expect(u.errors.join("\n")).toMatch(/expectAgencies.*linked but not expected: West Agency \(ag-west\)/s);
      expect((await sb.admin.getAccount("fb-1001")).token.valid).toBe(true);
      for (const e of (await sb.admin.audit()).slice(before)) expect(e.accountId).not.toBe("fb-1001");
      const tw = await sb.admin.getAccount("tw-2001");
      expect(tw.token.valid).toBe(false);
      expect(tw.agencies).toEqual([]);
    },
    T,
  );
});
