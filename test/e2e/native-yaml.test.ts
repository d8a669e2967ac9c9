/**
 * The native provider through the real `pulumi` CLI (v3.274.1) and its YAML language host:
 * examples/pulumi-yaml previewed, applied, refreshed with drift, and `pulumi import`. Each test
 * has its own sandbox (demo seed), PULUMI_HOME and file backend.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { parse, parseDocument } from "yaml";
import { VERSION } from "../../provider/client";
import { auditCounts, type TestSandbox, testSandbox } from "../support/sandbox";
import { runOp } from "../support/stack-run";
import { copyProject, describeWithPulumi, type NativeStack, nativeStack, PULUMI_BIN, ROOT } from "./native-support";

const EXAMPLE = "examples/pulumi-yaml";
const KEY = "ms-e2e-native-5b2d-distinctive";
const ACTOR = "pulumi:marin-social-pulumi-yaml/dev";

let sb: TestSandbox;
let s: NativeStack | undefined;

beforeEach(async () => {
  sb = await testSandbox({ extraKeys: [{ key: KEY, scope: "admin" }] });
});
afterEach(async () => {
  await s?.cleanup();
  s = undefined;
  await sb?.close();
});

async function exampleStack(edit?: Parameters<typeof copyProject>[1]): Promise<NativeStack> {
  s = await nativeStack(copyProject(EXAMPLE, edit), { "marin-social:apiUrl": sb.url }, { "marin-social:apiKey": KEY });
  return s;
}

describeWithPulumi("the native provider with the real pulumi CLI", () => {
  it("preview logs who is cut off against each token and changes nothing; up does it; then nothing is left to do", async () => {
    const st = await exampleStack();
    const preview = await st.stack.preview();
    expect(preview.changeSummary).toEqual({ create: 5 });
    // Under "Diagnostics:", each line under its resource, as for the dynamic path.
    for (const [resource, line] of [
      [
        "acme-coffee",
        'warning: invalidating facebook account "Acme Coffee" (fb-1001) unlinks 3 agencies: East Agency (ag-east), North Agency (ag-north), South Agency (ag-south)',
      ],
      [
        "acme-coffee-twitter",
        'warning: invalidating twitter account "Acme Coffee" (tw-2001) unlinks 2 agencies: East Agency (ag-east), North Agency (ag-north)',
      ],
      ["granite-fitness", 'warning: facebook account "Granite Fitness" (fb-1007) token already invalid: revoked by jane@agency.example (outside Pulumi)'],
      ["blue-harbor", 'facebook account "Blue Harbor Bakery" (fb-1002) token valid, linked to 1 agency: North Agency (ag-north)'],
    ]) {
      expect(preview.stdout).toContain(`marin-social:index:PublisherToken (${resource}):\n    ${line}`);
    }
    expect(await auditCounts(sb.admin, "fb-1001")).toEqual({}); // preview changed nothing

    const up = await st.stack.up();
    expect(up.summary.resourceChanges).toEqual({ create: 5 });
    expect(up.outputs.cutOff!.value.map((a: { id: string }) => a.id)).toEqual(["ag-east", "ag-north", "ag-south"]);
    expect(up.outputs.blueHarborValid!.value).toBe(true); // the fn::invoke of getAccount
    const acme = await sb.admin.getAccount("fb-1001");
    expect(acme.token).toMatchObject({ valid: false, invalidatedBy: ACTOR, reason: "Jane Doe left the company (HR-1234)" });
    expect(acme.agencies).toEqual([]);
    expect((await sb.admin.getAccount("fb-1007")).agencies).toEqual([]); // adopted, unlinked

    const again = await st.stack.preview();
    expect(again.changeSummary).toEqual({ same: 5 });
    expect((await st.stack.up()).summary.resourceChanges).toEqual({ same: 5 });
    expect(await auditCounts(sb.admin, "fb-1001")).toMatchObject({ "token.invalidate": 1, "agency.unlink": 3 });
  }, 120_000);

  it("refresh shows drift as valid: true => false; the next preview shows the refusal as an error, and up refuses, changing nothing", async () => {
    const st = await exampleStack();
    await st.stack.up();
    await sb.admin.invalidateToken("fb-1002", { actor: "mallory@agency.example", reason: "by hand" });
    const refresh = await st.cli(["refresh", "--yes", "--diff"]);
    expect(refresh.code, refresh.out).toBe(0);
    expect(refresh.out).toMatch(/blue-harbor\]\s+~ valid: true => false\n/);
    expect(refresh.out).toMatch(/~ 1 updated/);

    const before = await auditCounts(sb.admin);
    // The refusal is an error against the token, not a failed step: a preview shows every refusal
    // (and the preview of `pulumi up` is not stopped by one); up fails (test/e2e/native-refusals).
    const preview = await runOp(st.stack, "preview");
    const errors = preview.diagnostics.filter((d) => d.severity === "error" && d.urn?.endsWith("::blue-harbor")).map((d) => d.message);
    expect(errors.join("\n")).toMatch(/the facebook token of "Blue Harbor Bakery" \(fb-1002\) was revoked by mallory@agency\.example/);
    expect(preview.stdout).toMatch(/~ {2}marin-social:index:PublisherToken blue-harbor update \[diff: ~valid\]; error: /);
    expect(preview.exitCode).toBe(0); // the engine does not fail a run on a provider's error diagnostic (README)
    const up = await runOp(st.stack, "up");
    expect(up.exitCode).not.toBe(0);
    expect(
      up.diagnostics
        .filter((d) => d.urn?.endsWith("::blue-harbor"))
        .map((d) => d.message)
        .join("\n"),
    ).toMatch(/revoked by mallory@agency\.example.*\(nothing was changed\)/);
    expect(await auditCounts(sb.admin)).toEqual(before);
  }, 120_000);

  it("a token re-authorized outside Pulumi: refresh shows it, preview shows exactly what up will cut, up cuts it again", async () => {
    const st = await exampleStack();
    await st.stack.up();
    await sb.admin.reauthorize("tw-2001", { actor: "ops@agency.example", agencies: ["ag-east"] });
    const refresh = await st.cli(["refresh", "--yes", "--diff"]);
    expect(refresh.out).toMatch(/acme-coffee-twitter\]\s+\+ linkedAgencies: \[[\s\S]*?ag-east[\s\S]*?~ valid\s*: false => true/);

    const preview = await st.stack.preview({ diff: true });
    expect(preview.changeSummary).toEqual({ update: 1, same: 4 });
    const block = preview.stdout.slice(preview.stdout.indexOf("acme-coffee-twitter]"));
    expect(block).toMatch(
      /^acme-coffee-twitter\]\s+- linkedAgencies: \[\s+-\s+\[0\]: \{\s+- id\s+: "ag-east"\s+- name: "East Agency"\s+\}\s+\]\s+~ valid\s+: true => false\n/,
    );
    expect(preview.stdout).not.toMatch(/observed|__provider|actor/); // no hidden inputs
    // With --diff the CLI prints diagnostics as they come, on stderr.
    expect(preview.stderr).toContain('warning: invalidating twitter account "Acme Coffee" (tw-2001) unlinks 1 agency: East Agency (ag-east)');

    await st.stack.up();
    expect((await sb.admin.getAccount("tw-2001")).token).toMatchObject({ valid: false, invalidatedBy: ACTOR });
    expect((await sb.admin.getAccount("tw-2001")).agencies).toEqual([]);
  }, 120_000);

  it("pulumi import adopts a live account, and the code it generates previews with no changes (in a project named marin-social)", async () => {
    // The repository's own project name: its `marin-social:declarations` reaches the provider's Configure.
    const st = await exampleStack((doc) => doc.set("name", "marin-social"));
    await st.stack.setConfig("marin-social:declarations", { value: "tokens.yaml" });
    await st.stack.up();
    const out = path.join(path.dirname(st.dir), "imported.yaml");
    for (const [name, id] of [
      ["acme", "fb-1005"],
      ["westTwitter", "tw-2004"],
    ]) {
      const r = await st.cli(["import", "marin-social:index:PublisherToken", name!, id!, "--yes", "--out", out]);
      expect(r.code, r.out).toBe(0);
      expect(r.out).toMatch(/1 imported/);
      // Put the generated code into the program.
      const generated = parse(readFileSync(out, "utf8")).resources;
      const file = path.join(st.dir, "Pulumi.yaml");
      const doc = parseDocument(readFileSync(file, "utf8"));
      for (const [k, v] of Object.entries(generated)) doc.setIn(["resources", k], v);
      writeFileSync(file, doc.toString());
      expect(generated[name!].properties).toEqual({ accountId: id, valid: true });
    }
    const before = await auditCounts(sb.admin);
    const preview = await st.stack.preview({ diff: true });
    expect(preview.changeSummary).toEqual({ same: 7 });
    expect(await auditCounts(sb.admin)).toEqual(before);
  }, 120_000);

  it("state holds no API key and no provider code, and under 1.5 KB of inputs and outputs per token", async () => {
    const st = await exampleStack();
    await st.stack.up();
    await st.stack.refresh();
    const raw = st.checkpoint();
    expect(raw).not.toContain(KEY);
    expect(raw).not.toContain("__provider");
    const tokens = JSON.parse(raw).checkpoint.latest.resources.filter((r: { type: string }) => r.type === "marin-social:index:PublisherToken");
    expect(tokens).toHaveLength(4);
    for (const r of tokens) {
      expect(JSON.stringify({ inputs: r.inputs, outputs: r.outputs }).length, r.urn).toBeLessThanOrEqual(1536);
      expect(r.outputs.tokenFingerprint).toHaveProperty("ciphertext");
      expect(r.inputs).not.toHaveProperty("observed");
    }
  }, 120_000);

  it("finds the plugin on PATH, or installed with pulumi plugin install --file, without plugins: in Pulumi.yaml", async () => {
    const noPlugins = (doc: Parameters<NonNullable<Parameters<typeof copyProject>[1]>>[0]) => doc.delete("plugins");
    // On PATH, as `npm install pulumi-marin-social` puts it in node_modules/.bin.
    const onPath = await nativeStack(
      copyProject(EXAMPLE, noPlugins),
      { "marin-social:apiUrl": sb.url },
      { "marin-social:apiKey": KEY },
      {
        PATH: [PULUMI_BIN!, path.join(ROOT, "bin"), process.env.PATH ?? ""].join(path.delimiter),
      },
    );
    try {
      expect((await onPath.stack.preview()).changeSummary).toEqual({ create: 5 });
    } finally {
      await onPath.cleanup();
    }
    // Installed into PULUMI_HOME from a tarball whose executable runs the package's plugin.
    const st = await exampleStack(noPlugins);
    const tarDir = path.join(path.dirname(st.dir), "plugin");
    mkdirSync(tarDir);
    writeFileSync(
      path.join(tarDir, "pulumi-resource-marin-social"),
      `#!/bin/sh\nexec "${process.execPath}" "${path.join(ROOT, "bin", "pulumi-resource-marin-social")}" "$@"\n`,
      { mode: 0o755 },
    );
    const tarball = path.join(path.dirname(st.dir), "marin-social.tgz");
    execFileSync("tar", ["-czf", tarball, "-C", tarDir, "."]);
    const install = await st.cli(["plugin", "install", "resource", "marin-social", VERSION, "--file", tarball], { stack: false });
    expect(install.code, install.out).toBe(0);
    expect((await st.stack.preview()).changeSummary).toEqual({ create: 5 });
  }, 120_000);
});
