/**
 * Both examples, as a user runs them after `npm install` in the example folder: the program
 * through the SDK's runner, the resources through the SDK's dynamic-provider host, against a
 * real sandbox.
 */
import { rmSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { copyExample } from "../support/example-copy";
import { testSandbox, type TestSandbox } from "../support/sandbox";
import { preview, readState, up, type StackSpec } from "./index";

const TYPE = "pulumi-nodejs:dynamic/marin-social:PublisherToken";
let sb: TestSandbox;
const dirs: string[] = [];

beforeAll(async () => {
  sb = await testSandbox();
});
beforeEach(async () => {
  await sb.admin.sandbox.reset();
});
afterAll(async () => {
  await sb?.close();
  for (const d of dirs) rmSync(path.dirname(d), { recursive: true, force: true });
});

function specFor(example: string, project: string): StackSpec {
  const dir = copyExample(example);
  dirs.push(dir);
  return {
    programDir: dir,
    project,
    stack: "dev",
    config: { "marin-social:apiUrl": sb.url },
    secretConfig: { "marin-social:apiKey": sb.sandbox.keys.admin },
    statePath: path.join(dir, ".state.json"),
  };
}

describe("examples/yaml-stack", () => {
  it("previews the audit, then up invalidates what tokens.yaml declares", async () => {
    const spec = specFor("yaml-stack", "marin-social-yaml-stack");
    const p = await preview(spec);
    expect(p.errors).toEqual([]);
    const names = p.registered.filter((r) => r.type === TYPE).map((r) => r.name).sort();
    expect(names).toEqual(["fb-1003", "fb-1005", "tw-2003", "tw-2006"]);
    const warnings = p.logs.filter((l) => l.severity === "warning").map((l) => l.message).sort();
    expect(warnings).toEqual([
      'invalidating facebook account "Cedar & Pine Outfitters" (fb-1003) unlinks 2 agencies: South Agency (ag-south), West Agency (ag-west)',
      'invalidating twitter account "Indigo Records" (tw-2003) unlinks 2 agencies: East Agency (ag-east), West Agency (ag-west)',
    ]);

    const u = await up(spec);
    expect(u.errors).toEqual([]);
    for (const id of ["fb-1003", "tw-2003"]) {
      const live = await sb.admin.getAccount(id);
      expect(live.token).toMatchObject({ valid: false, invalidatedBy: "pulumi:marin-social-yaml-stack/dev", reason: "Agency West contract ended (OPS-77)" });
      expect(live.agencies).toEqual([]);
    }
    expect((await sb.admin.getAccount("fb-1005")).token.valid).toBe(true);
    expect((readState(spec.statePath).outputs.audit as Record<string, unknown>)["tw-2006"]).toMatchObject({ valid: true, action: "none" });
  });
});

describe("examples/typescript-stack", () => {
  it("runs index.ts through ts-node: the guard passes, up cuts off fb-1001 and tw-2001, fb-1002 stays", async () => {
    const spec = specFor("typescript-stack", "marin-social-typescript-stack");
    const p = await preview(spec);
    expect(p.errors).toEqual([]);
    expect(p.registered.filter((r) => r.type === TYPE).map((r) => r.name).sort()).toEqual(["acme-coffee", "brand-page", "jane-tweets"]);
    const byName = (n: string) => p.logs.filter((l) => l.urn?.endsWith(`::${n}`)).map((l) => l.message);
    expect(byName("acme-coffee")).toEqual([
      'invalidating facebook account "Acme Coffee" (fb-1001) unlinks 3 agencies: East Agency (ag-east), North Agency (ag-north), South Agency (ag-south)',
    ]);
    expect(byName("jane-tweets")).toEqual([
      'invalidating twitter account "Acme Coffee" (tw-2001) unlinks 2 agencies: East Agency (ag-east), North Agency (ag-north)',
    ]);

    const u = await up(spec);
    expect(u.errors).toEqual([]);
    expect(u.stackOutputs.acmeCutOff).toEqual([
      { id: "ag-east", name: "East Agency" },
      { id: "ag-north", name: "North Agency" },
      { id: "ag-south", name: "South Agency" },
    ]);
    expect(u.stackOutputs.janeTweetsValid).toBe(false);
    expect((await sb.admin.getAccount("fb-1001")).agencies).toEqual([]);
    expect((await sb.admin.getAccount("tw-2001")).token.valid).toBe(false);
    expect((await sb.admin.getAccount("fb-1002")).token.valid).toBe(true);
  });

  it("fails the guard when Marin Social shows another agency, changes nothing on it, and still cuts off the others", async () => {
    const spec = specFor("typescript-stack", "marin-social-typescript-stack");
    await sb.admin.reauthorize("fb-1001", { actor: "ops@agency.example", agencies: ["ag-west"] });
    const before = (await sb.admin.audit()).length;
    const u = await up(spec);
    expect(u.exitCode).not.toBe(0);
    expect(u.errors.join("\n")).toMatch(/expectAgencies.*linked but not expected: West Agency \(ag-west\)/s);
    expect((await sb.admin.getAccount("fb-1001")).token.valid).toBe(true);
    for (const e of (await sb.admin.audit()).slice(before)) expect(e.accountId).not.toBe("fb-1001");
    // The refused token is registered after the others, so it stops none of them.
    const tw = await sb.admin.getAccount("tw-2001");
    expect(tw.token.valid).toBe(false);
    expect(tw.agencies).toEqual([]);
  });
});
