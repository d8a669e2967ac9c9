/**
 * Through the real `pulumi` CLI, on both paths where both exist (issue 16, classes 2, 3 and 6):
 * - credentials in `apiUrl` are refused, and the password is in no output (the engine printed
 *   a CheckConfig property failure with the value);
 * - an `apiKey` set without `--secret` gets a warning naming the fix; after that very command, none;
 * - `pulumi import` of an account another resource of the stack manages is refused, naming it;
 * - the native refusal's `--continue-on-error` hint only where it is news; the not-found hint
 *   sends nobody to a declaration file they do not have.
 *
 * One stack per path, its tests in sequence: refused for the credentials in its URL, then with the
 * URL fixed, the warning and its fix; on the native path the same stack then serves the refusal
 * hint and the imports.
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { CONTINUE_HINT } from "../../provider/plugin/token";
import { e2eSession } from "../support/e2e-session";
import { describeWithPulumi, type PulumiTestStack, pulumiCli } from "../support/pulumi";
import { copyProject, type NativeStack, nativeStack, PULUMI_BIN } from "./native-support";

const T = 300_000;
const FIX = "pulumi config set --secret marin-social:apiKey";
const e2e = e2eSession("marin-secrets-");

/** A Pulumi YAML stack whose PublisherTokens are `resources` (name -> properties), its config set with one `config set-all`. */
async function yamlStack(
  resources: Record<string, Record<string, unknown>>,
  config: Record<string, { value: string; secret?: boolean }>,
): Promise<NativeStack> {
  const dir = copyProject("examples/pulumi-yaml", (doc) => {
    doc.delete("variables");
    doc.delete("outputs");
    doc.set("resources", Object.fromEntries(Object.entries(resources).map(([n, p]) => [n, { type: "marin-social:index:PublisherToken", properties: p }])));
  });
  const s = await nativeStack(dir, {}, {});
  e2e.onCleanup(() => s.cleanup());
  await s.stack.setAllConfig(config);
  return s;
}

/** `pulumi <args> --stack dev` on a native stack, with stdout and stderr apart. */
function cliApart(s: NativeStack, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(path.join(PULUMI_BIN!, "pulumi"), [...args, "--stack", "dev", "--non-interactive", "--color", "never"], {
      cwd: s.dir,
      env: { ...process.env, ...s.env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += String(d)));
    child.stderr.on("data", (d) => (stderr += String(d)));
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const credentialUrl = () => e2e.sb.url.replace("http://", "http://user:s3cr3t@");

describeWithPulumi("secrets, import and messages through the real pulumi CLI", () => {
  describe("dynamic path, one stack in sequence", () => {
    let d: PulumiTestStack;
    const key = () => e2e.sb.sandbox.keys.admin;

    it(
      "credentials in apiUrl: refused, naming the key, and the password is printed nowhere",
      async () => {
        d = await e2e.repoStack(
          "tokens:\n  - accountId: fb-1002\n    valid: true\n",
          { "marin-social:apiUrl": credentialUrl(), "marin-social:apiKey": key() },
          {},
        );
        const dyn = await pulumiCli(d, ["preview", "--color", "never"]);
        expect(dyn.code).not.toBe(0);
        expect(dyn.stdout + dyn.stderr).toContain("embeds credentials");
        expect(dyn.stdout + dyn.stderr).not.toContain("s3cr3t");
      },
      T,
    );

    it(
      "an apiKey set without --secret gets a warning naming the fix; after that very command, none; the not-found hint names no declaration file",
      async () => {
        expect((await pulumiCli(d, ["config", "set", "marin-social:apiUrl", e2e.sb.url])).code).toBe(0);
        const plain = await pulumiCli(d, ["preview", "--color", "never"]);
        expect(plain.code, plain.stdout + plain.stderr).toBe(0);
        expect(plain.stdout).toContain(FIX);

        const fix = await pulumiCli(d, [...FIX.split(" ").slice(1), key()]);
        expect(fix.code, fix.stderr).toBe(0);
        writeFileSync(path.join(d.stack.workspace.workDir, "tokens.yaml"), "tokens:\n  - accountId: fb-9999\n    valid: false\n");
        const secret = await pulumiCli(d, ["preview", "--color", "never"]);
        const out = secret.stdout + secret.stderr;
        expect(out, "no warning once the key is a secret").not.toContain(FIX);
        expect(out).toContain("account fb-9999 does not exist");
        expect(out, "the not-found hint").not.toContain("audit FILE");
      },
      T,
    );
  });

  describe("native path, one stack in sequence", () => {
    let s: NativeStack;

    it(
      "credentials in apiUrl: refused, naming the key, and the password is printed nowhere, also at -v=9",
      async () => {
        s = await yamlStack(
          {
            t3: { accountId: "fb-1003", valid: true },
            revoked: { accountId: "fb-1007", valid: true },
            cut: { accountId: "tw-2001", valid: false },
            missing: { accountId: "fb-9999", valid: false },
          },
          { "marin-social:apiUrl": { value: credentialUrl() }, "marin-social:apiKey": { value: e2e.sb.sandbox.keys.admin } },
        );
        // `pulumi up` stops in its preview, at CheckConfig (as a bare preview would); the verbose log
        // goes to stderr, and what the user reads is stdout.
        const r = await cliApart(s, ["up", "--yes", "-v=9", "--logtostderr"]);
        expect(r.code, r.stdout).not.toBe(0);
        expect(r.stdout, "the refusal in what the user reads").toContain("embeds credentials");
        expect(r.stdout, "the refusal names the key").toContain("marin-social:apiUrl");
        expect(r.stderr.length, "the verbose log is there").toBeGreaterThan(10_000);
        expect(r.stdout, "stdout").not.toContain("s3cr3t");
        expect(r.stderr, "the verbose log").not.toContain("s3cr3t");
      },
      T,
    );

    it(
      "an apiKey set without --secret warns naming the fix; the refusal's --continue-on-error hint only when the run was started without it; not-found hints name no declaration file",
      async () => {
        expect((await s.cli(["config", "set", "marin-social:apiUrl", e2e.sb.url])).code).toBe(0);
        const plain = await s.cli(["up", "--yes"]);
        expect(plain.code).not.toBe(0);
        expect(plain.out).toContain(FIX);
        expect(plain.out).toContain(CONTINUE_HINT);
        const continuing = await s.cli(["up", "--yes", "--continue-on-error"]);
        expect(continuing.code).not.toBe(0);
        expect(continuing.out).toMatch(/revoked/);
        expect(continuing.out).not.toContain("--continue-on-error`");
        for (const out of [plain.out, continuing.out]) {
          expect(out).toContain("account fb-9999 does not exist");
          expect(out).not.toContain("audit FILE");
        }
        expect((await e2e.sb.admin.getAccount("tw-2001")).token.valid, "tw-2001 cut off despite the refusals").toBe(false);
      },
      T,
    );

    it(
      "after `pulumi config set --secret`, no warning; import of an account another resource of the stack manages is refused, naming it; an unmanaged one imports, once",
      async () => {
        const fix = await s.cli([...FIX.split(" ").slice(1), e2e.sb.sandbox.keys.admin]);
        expect(fix.code, fix.out).toBe(0);
        const dup = await s.cli(["import", "marin-social:index:PublisherToken", "dup", "fb-1003", "--yes", "--generate-code=false"]);
        expect(dup.code, dup.out).not.toBe(0);
        expect(dup.out).toContain('already managed in stack dev by PublisherToken "t3"');
        const ok = await s.cli(["import", "marin-social:index:PublisherToken", "other", "fb-1002", "--yes", "--generate-code=false"]);
        expect(ok.code, ok.out).toBe(0);
        const again = await s.cli(["import", "marin-social:index:PublisherToken", "other2", "fb-1002", "--yes", "--generate-code=false"]);
        expect(again.code, again.out).not.toBe(0);
        expect(again.out).toContain('PublisherToken "other"');
        for (const out of [dup.out, ok.out, again.out]) expect(out, "no warning once the key is a secret").not.toContain(FIX);
        const tokens = (JSON.parse(s.checkpoint()).checkpoint.latest.resources as Array<{ type: string; id?: string; urn: string }>).filter(
          (r) => r.type === "marin-social:index:PublisherToken",
        );
        expect(tokens.map((r) => `${r.urn.split("::").pop()}=${r.id}`).sort()).toEqual(["cut=tw-2001", "other=fb-1002", "t3=fb-1003"]);
      },
      T,
    );
  });
});
