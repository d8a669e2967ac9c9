/**
 * The native provider through the real `pulumi` CLI (v3.274.1) and its YAML language host, on one
 * sandbox (demo seed). The tests chain on one stack of examples/pulumi-yaml as shipped (the plugin
 * from `plugins:` in Pulumi.yaml), as a user's session does: preview, up, up again; drift shown by
 * refresh, refused by preview and up; a re-authorization shown by refresh and preview, cut again by
 * up. Those runs also count the rules (test/support/rule-tally.ts): each runs once per token per
 * operation on the native path (test/e2e/once.test.ts holds the dynamic path's count). A second
 * stack, a copy of the example named marin-social without `plugins:`, runs `pulumi import` with
 * the plugin found on PATH, then installed with `pulumi plugin install --file`.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { parse, parseDocument } from "yaml";
import { VERSION } from "../../provider/client";
import { expectAtMostOnce, takeTally, tallyDir } from "../support/rule-tally";
import { auditCounts, type TestSandbox, testSandbox } from "../support/sandbox";
import { runOp } from "../support/stack-run";
import { copyProject, describeWithPulumi, EXAMPLE_PREVIEW, type NativeStack, nativeStack, PULUMI_BIN, ROOT } from "./native-support";

const EXAMPLE = "examples/pulumi-yaml";
const KEY = "ms-e2e-native-5b2d-distinctive";
const ACTOR = "pulumi:marin-social-pulumi-yaml/dev";
/** The example's tokens (getAccount's invoke of fb-1002 is not a token). */
const TOKENS = ["fb-1001", "tw-2001", "fb-1007", "fb-1002"];
/** Generous per-test timeouts: a command takes several seconds, more on a loaded 2-core machine. */
const T = 600_000;

let sb: TestSandbox;
let st: NativeStack;
let tally: string;

beforeAll(async () => {
  sb = await testSandbox({ extraKeys: [{ key: KEY, scope: "admin" }] });
  tally = tallyDir();
  st = await nativeStack(copyProject(EXAMPLE), { "marin-social:apiUrl": sb.url }, { "marin-social:apiKey": KEY }, { MARIN_SOCIAL_TALLY_DIR: tally });
}, T);
afterAll(async () => {
  await st?.cleanup();
  await sb?.close();
  if (tally) rmSync(tally, { recursive: true, force: true });
}, T);

/** Expects the rules to have run exactly once for each of the example's tokens in `op`, and no rule more than once. */
function expectOnce(op: string): void {
  const counts = takeTally(tally);
  for (const a of TOKENS) expect({ op, a, plan: counts[`plan ${a}`], format: counts[`format ${a}`] }).toEqual({ op, a, plan: 1, format: 1 });
  expectAtMostOnce(op, counts);
}

describeWithPulumi("the native provider with the real pulumi CLI", () => {
  it(
    "preview logs who is cut off against each token and changes nothing; up does it; up again does nothing; each rule once per token per operation",
    async () => {
      const preview = await st.stack.preview();
      expect(preview.changeSummary).toEqual({ create: 5 });
      // Under "Diagnostics:", each line under its resource, as for the dynamic path.
      for (const [resource, line] of EXAMPLE_PREVIEW) {
        expect(preview.stdout).toContain(`marin-social:index:PublisherToken (${resource}):\n    ${line}`);
      }
      expect(await auditCounts(sb.admin, "fb-1001")).toEqual({}); // preview changed nothing
      expectOnce("preview");

      const up = await st.stack.up();
      expect(up.summary.resourceChanges).toEqual({ create: 5 });
      expect(up.outputs.cutOff!.value.map((a: { id: string }) => a.id)).toEqual(["ag-east", "ag-north", "ag-south"]);
      expect(up.outputs.blueHarborValid!.value).toBe(true); // the fn::invoke of getAccount
      const acme = await sb.admin.getAccount("fb-1001");
      expect(acme.token).toMatchObject({ valid: false, invalidatedBy: ACTOR, reason: "Jane Doe left the company (HR-1234)" });
      expect(acme.agencies).toEqual([]);
      expect((await sb.admin.getAccount("fb-1007")).agencies).toEqual([]); // adopted, unlinked
      expectOnce("up");

      // Nothing left to do. (A preview after up shows no change either: the re-authorization
      // test's preview finds every token but the re-authorized one `same`.)
      expect((await st.stack.up()).summary.resourceChanges).toEqual({ same: 5 });
      expect(await auditCounts(sb.admin, "fb-1001")).toMatchObject({ "token.invalidate": 1, "agency.unlink": 3 });
      expectOnce("up again");
    },
    T,
  );

  it(
    "refresh shows drift as valid: true => false; the next preview shows the refusal as an error, and up refuses, changing nothing",
    async () => {
      await sb.admin.invalidateToken("fb-1002", { actor: "mallory@agency.example", reason: "by hand" });
      const refresh = await st.cli(["refresh", "--yes", "--skip-preview", "--diff"]);
      expect(refresh.code, refresh.out).toBe(0);
      expect(refresh.out).toMatch(/blue-harbor\]\s+~ valid: true => false\n/);
      expect(refresh.out).toMatch(/~ 1 updated/);
      expectAtMostOnce("refresh", takeTally(tally));

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
      takeTally(tally);
    },
    T,
  );

  it("state holds no API key and no provider code, and under 1.5 KB of inputs and outputs per token (after up and refresh)", () => {
    const raw = st.checkpoint();
    expect(raw).not.toContain(KEY);
    expect(raw).not.toContain("__provider");
    const tokens = JSON.parse(raw).checkpoint.latest.resources.filter((r: { type: string }) => r.type === "marin-social:index:PublisherToken");
    expect(tokens).toHaveLength(4);
    for (const r of tokens) {
      expect(JSON.stringify({ inputs: r.inputs, outputs: r.outputs }).length, r.urn).toBeLessThanOrEqual(1536);
      expect(r.outputs.tokenFingerprint, r.urn).toHaveProperty("ciphertext");
      expect(r.inputs, r.urn).not.toHaveProperty("observed");
    }
  });

  it(
    "a token re-authorized outside Pulumi: refresh shows it, preview shows exactly what up will cut, up cuts it again",
    async () => {
      // fb-1002 is re-authorized as it was (linked to ag-north), so its refusal is over; tw-2001,
      // invalidated by the up, is re-authorized and linked to ag-east.
      await sb.admin.reauthorize("fb-1002", { actor: "ops@agency.example", agencies: ["ag-north"] });
      await sb.admin.reauthorize("tw-2001", { actor: "ops@agency.example", agencies: ["ag-east"] });
      const refresh = await st.cli(["refresh", "--yes", "--skip-preview", "--diff"]);
      expect(refresh.code, refresh.out).toBe(0);
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
      expect((await sb.admin.getAccount("fb-1002")).token.valid, "fb-1002 is declared valid").toBe(true);
    },
    T,
  );

  it(
    "pulumi import adopts live accounts, with the plugin found on PATH and then installed with pulumi plugin install --file (no plugins: in Pulumi.yaml), and the code it generates previews with no changes (in a project named marin-social)",
    async () => {
      // The repository's own project name: its `marin-social:declarations` reaches the provider's Configure.
      const dir = copyProject(EXAMPLE, (doc) => {
        doc.set("name", "marin-social");
        doc.delete("plugins");
      });
      const im = await nativeStack(dir, { "marin-social:apiUrl": sb.url, "marin-social:declarations": "tokens.yaml" }, { "marin-social:apiKey": KEY });
      try {
        const out = path.join(path.dirname(im.dir), "imported.yaml");
        const file = path.join(im.dir, "Pulumi.yaml");
        /** `pulumi import`s account `id` as `name`, and puts the generated code into the program. */
        const adopt = async (name: string, id: string, env?: Record<string, string>) => {
          const r = await im.cli(["import", "marin-social:index:PublisherToken", name, id, "--yes", "--out", out], { env });
          expect(r.code, r.out).toBe(0);
          expect(r.out).toMatch(/1 imported/);
          const generated = parse(readFileSync(out, "utf8")).resources;
          const doc = parseDocument(readFileSync(file, "utf8"));
          for (const [k, v] of Object.entries(generated)) doc.setIn(["resources", k], v);
          writeFileSync(file, doc.toString());
          expect(generated[name].properties).toEqual({ accountId: id, valid: true });
        };
        // On PATH, as `npm install pulumi-marin-social` puts it in node_modules/.bin.
        await adopt("acme", "fb-1005", { PATH: [PULUMI_BIN!, path.join(ROOT, "bin"), process.env.PATH ?? ""].join(path.delimiter) });

        // Installed into PULUMI_HOME from a tarball whose executable runs the package's plugin.
        const tarDir = path.join(path.dirname(im.dir), "plugin");
        mkdirSync(tarDir);
        writeFileSync(
          path.join(tarDir, "pulumi-resource-marin-social"),
          `#!/bin/sh\nexec "${process.execPath}" "${path.join(ROOT, "bin", "pulumi-resource-marin-social")}" "$@"\n`,
          { mode: 0o755 },
        );
        const tarball = path.join(path.dirname(im.dir), "marin-social.tgz");
        execFileSync("tar", ["-czf", tarball, "-C", tarDir, "."]);
        const install = await im.cli(["plugin", "install", "resource", "marin-social", VERSION, "--file", tarball], { stack: false });
        expect(install.code, install.out).toBe(0);
        await adopt("westTwitter", "tw-2004");

        // The imported tokens preview as `same`; the example's own four, never applied in this stack, as `create`.
        const before = await auditCounts(sb.admin);
        const preview = await im.stack.preview({ diff: true });
        expect(preview.changeSummary).toEqual({ create: 4, same: 3 }); // same: the stack and the two imported
        expect(preview.stdout).not.toMatch(/~ .*(acme|westTwitter)\b/);
        expect(await auditCounts(sb.admin)).toEqual(before);
      } finally {
        await im.cleanup();
      }
    },
    T,
  );
});
