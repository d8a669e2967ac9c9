/**
 * Through the real `pulumi` CLI, on both paths where both exist (issue 16, classes 2, 3 and 6):
 * - credentials in `apiUrl` are refused, and the password is in no output (the engine printed
 *   a CheckConfig property failure with the value);
 * - an `apiKey` set without `--secret` gets a warning naming the fix; a secret one does not;
 * - `pulumi import` of an account another resource of the stack manages is refused, naming it;
 * - the native refusal's `--continue-on-error` hint only where it is news; the not-found hint
 *   sends nobody to a declaration file they do not have.
 */
import { expect, it } from "vitest";
import { CONTINUE_HINT } from "../../provider/plugin/token";
import { e2eSession } from "../support/e2e-session";
import { describeWithPulumi, pulumiCli } from "../support/pulumi";
import { copyProject, type NativeStack, nativeStack } from "./native-support";

const T = 300_000;
const FIX = "pulumi config set --secret marin-social:apiKey";
const e2e = e2eSession("marin-secrets-");

/** A Pulumi YAML stack whose PublisherTokens are `resources` (name -> properties). */
async function yamlStack(
  resources: Record<string, Record<string, unknown>>,
  config: Record<string, string>,
  secretConfig: Record<string, string>,
): Promise<NativeStack> {
  const dir = copyProject("examples/pulumi-yaml", (doc) => {
    doc.delete("variables");
    doc.delete("outputs");
    doc.set("resources", Object.fromEntries(Object.entries(resources).map(([n, p]) => [n, { type: "marin-social:index:PublisherToken", properties: p }])));
  });
  const s = await nativeStack(dir, config, secretConfig);
  e2e.onCleanup(() => s.cleanup());
  return s;
}

const credentialUrl = () => e2e.sb.url.replace("http://", "http://user:s3cr3t@");

describeWithPulumi("secrets, import and messages through the real pulumi CLI", () => {
  it(
    "credentials in apiUrl: refused on both paths, naming the key, and the password is printed nowhere, also at -v=9",
    async () => {
      const d = await e2e.repoStack(
        "tokens:\n  - accountId: fb-1002\n    valid: true\n",
        { "marin-social:apiUrl": credentialUrl() },
        { "marin-social:apiKey": e2e.sb.sandbox.keys.admin },
      );
      const dyn = await pulumiCli(d, ["preview", "--color", "never"]);
      expect(dyn.code).not.toBe(0);
      expect(dyn.stdout + dyn.stderr).toContain("embeds credentials");
      expect(dyn.stdout + dyn.stderr).not.toContain("s3cr3t");

      const n = await yamlStack(
        { t: { accountId: "fb-1002", valid: true } },
        { "marin-social:apiUrl": credentialUrl() },
        { "marin-social:apiKey": e2e.sb.sandbox.keys.admin },
      );
      for (const args of [["preview"], ["up", "--yes"], ["preview", "-v=9", "--logtostderr"]]) {
        const r = await n.cli(args);
        expect(r.code, args.join(" ")).not.toBe(0);
        expect(r.out, args.join(" ")).toContain("embeds credentials");
        expect(r.out, args.join(" ")).toContain("marin-social:apiUrl");
        expect(r.out, args.join(" ")).not.toContain("s3cr3t");
      }
    },
    T,
  );

  it(
    "an apiKey set without --secret gets a warning naming the fix, on both paths; a secret one does not",
    async () => {
      const config = { "marin-social:apiUrl": e2e.sb.url };
      const plainDyn = await e2e.repoStack(
        "tokens:\n  - accountId: fb-1002\n    valid: true\n",
        { ...config, "marin-social:apiKey": e2e.sb.sandbox.keys.admin },
        {},
      );
      const r1 = await pulumiCli(plainDyn, ["preview", "--color", "never"]);
      expect(r1.code, r1.stdout + r1.stderr).toBe(0);
      expect(r1.stdout).toContain(FIX);
      const secretDyn = await e2e.repoStack("tokens:\n  - accountId: fb-1002\n    valid: true\n", config, { "marin-social:apiKey": e2e.sb.sandbox.keys.admin });
      expect((await pulumiCli(secretDyn, ["preview", "--color", "never"])).stdout).not.toContain(FIX);

      const plainNative = await yamlStack({ t: { accountId: "fb-1002", valid: true } }, { ...config, "marin-social:apiKey": e2e.sb.sandbox.keys.admin }, {});
      const r2 = await plainNative.cli(["preview"]);
      expect(r2.code, r2.out).toBe(0);
      expect(r2.out).toContain(FIX);
      const secretNative = await yamlStack({ t: { accountId: "fb-1002", valid: true } }, config, { "marin-social:apiKey": e2e.sb.sandbox.keys.admin });
      expect((await secretNative.cli(["preview"])).out).not.toContain(FIX);
    },
    T,
  );

  it(
    "native import of an account another resource of the stack manages is refused, naming it; an unmanaged one imports, once",
    async () => {
      const s = await yamlStack(
        { t3: { accountId: "fb-1003", valid: true } },
        { "marin-social:apiUrl": e2e.sb.url },
        { "marin-social:apiKey": e2e.sb.sandbox.keys.admin },
      );
      expect((await s.cli(["up", "--yes"])).code).toBe(0);
      const dup = await s.cli(["import", "marin-social:index:PublisherToken", "dup", "fb-1003", "--yes", "--generate-code=false"]);
      expect(dup.code, dup.out).not.toBe(0);
      expect(dup.out).toContain('already managed in stack dev by PublisherToken "t3"');
      const ok = await s.cli(["import", "marin-social:index:PublisherToken", "other", "fb-1002", "--yes", "--generate-code=false"]);
      expect(ok.code, ok.out).toBe(0);
      const again = await s.cli(["import", "marin-social:index:PublisherToken", "other2", "fb-1002", "--yes", "--generate-code=false"]);
      expect(again.code, again.out).not.toBe(0);
      expect(again.out).toContain('PublisherToken "other"');
      const tokens = (JSON.parse(s.checkpoint()).checkpoint.latest.resources as Array<{ type: string; id?: string; urn: string }>).filter(
        (r) => r.type === "marin-social:index:PublisherToken",
      );
      expect(tokens.map((r) => `${r.urn.split("::").pop()}=${r.id}`).sort()).toEqual(["other=fb-1002", "t3=fb-1003"]);
    },
    T,
  );

  it(
    "native refusal: the --continue-on-error hint only when the run was started without it; not-found hints name no declaration file on either path",
    async () => {
      const resources = {
        revoked: { accountId: "fb-1007", valid: true },
        cut: { accountId: "tw-2001", valid: false },
        missing: { accountId: "fb-9999", valid: false },
      };
      const s = await yamlStack(resources, { "marin-social:apiUrl": e2e.sb.url }, { "marin-social:apiKey": e2e.sb.sandbox.keys.admin });
      const plain = await s.cli(["up", "--yes"]);
      expect(plain.code).not.toBe(0);
      expect(plain.out).toContain(CONTINUE_HINT);
      const continuing = await s.cli(["up", "--yes", "--continue-on-error"]);
      expect(continuing.code).not.toBe(0);
      expect(continuing.out).toMatch(/revoked/);
      expect(continuing.out).not.toContain("--continue-on-error`");
      for (const out of [plain.out, continuing.out]) {
        expect(out).toContain("account fb-9999 does not exist");
        expect(out).not.toContain("audit FILE");
      }
      const d = await e2e.repoStack(
        "tokens:\n  - accountId: fb-9999\n    valid: false\n",
        { "marin-social:apiUrl": e2e.sb.url },
        { "marin-social:apiKey": e2e.sb.sandbox.keys.admin },
      );
      const dyn = await pulumiCli(d, ["preview", "--color", "never"]);
      expect(dyn.stdout + dyn.stderr).toContain("account fb-9999 does not exist");
      expect(dyn.stdout + dyn.stderr).not.toContain("audit FILE");
    },
    T,
  );
});
