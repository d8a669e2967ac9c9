/**
 * Through the real `pulumi` CLI, on both paths (issue 17, §5): a `marin-social:` config key that
 * nothing reads gets a warning naming the closest known key, and the run goes on as before (a key
 * is never refused); the keys something reads get no such warning.
 *
 * Each path runs `pulumi up --yes` once, as users type it: its preview and its update each run the
 * program (or the plugin's CheckConfig), so both must warn, and the up succeeds only because the
 * known `apiUrl` is the one used (the misspelt `apiurl` points at a closed port).
 */
import { rmSync } from "node:fs";
import * as path from "node:path";
import { expect, it } from "vitest";
import { e2eSession } from "../support/e2e-session";
import { describeWithPulumi, pulumiCli, pulumiStack } from "../support/pulumi";
import { copyProject } from "./native-support";

const T = 300_000;
const e2e = e2eSession("marin-config-keys-", { timeout: T });

/** Known keys set beside the typos: none of them may be warned about. */
const known = () => ({ "marin-social:apiUrl": e2e.sb.url, "marin-social:maxConcurrency": "8" });
const typos = { "marin-social:apiurl": "http://127.0.0.1:9", "marin-social:ratelimt": "5", "marin-social:region": "eu" };

function expectWarnings(out: string, phase: string): void {
  expect(out, `${phase}: apiurl`).toContain(
    "Config key marin-social:apiurl is not one marin-social reads, so it is ignored; did you mean marin-social:apiUrl?",
  );
  expect(out, `${phase}: ratelimt`).toContain(
    "Config key marin-social:ratelimt is not one marin-social reads, so it is ignored; did you mean marin-social:rateLimit?",
  );
  expect(out, `${phase}: region`).toMatch(/Config key marin-social:region is not one marin-social reads, so it is ignored \(it reads marin-social:apiUrl, /);
  for (const k of ["apiUrl", "apiKey", "maxConcurrency", "declarations"])
    expect(out, `${phase}: known key ${k}`).not.toContain(`Config key marin-social:${k} `);
}

/** `pulumi up --yes`'s output split into its preview and its update. */
function phases(out: string): { preview: string; update: string } {
  const at = out.search(/^Updating \(/m);
  expect(at, `no "Updating (" line in:\n${out}`).toBeGreaterThan(0);
  return { preview: out.slice(0, at), update: out.slice(at) };
}

describeWithPulumi("an unknown marin-social: config key is warned about, naming the closest known key, through the real pulumi CLI", () => {
  it(
    "the declared stack (dynamic provider): up's preview and its update warn and go on, with apiUrl as set",
    async () => {
      const s = await e2e.repoStack("tokens:\n  - accountId: fb-1002\n    valid: true\n", { ...known(), ...typos });
      const r = await pulumiCli(s, ["up", "--yes", "--color", "never"]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const { preview, update } = phases(r.stdout + r.stderr);
      expectWarnings(preview, "dynamic preview");
      expectWarnings(update, "dynamic update");
    },
    T,
  );

  it(
    "a Pulumi YAML stack (the native plugin's CheckConfig): up's preview and its update warn and go on, with apiUrl as set",
    async () => {
      const dir = copyProject("examples/pulumi-yaml", (doc) => {
        doc.delete("variables");
        doc.delete("outputs");
        doc.set("resources", { t: { type: "marin-social:index:PublisherToken", properties: { accountId: "fb-1002", valid: true } } });
      });
      const s = await pulumiStack({ workDir: dir, config: { ...known(), ...typos }, secretConfig: { "marin-social:apiKey": e2e.sb.sandbox.keys.admin } });
      e2e.onCleanup(async () => {
        await s.cleanup();
        rmSync(path.dirname(dir), { recursive: true, force: true });
      });
      const r = await pulumiCli(s, ["up", "--yes", "--color", "never"]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const { preview, update } = phases(r.stdout + r.stderr);
      expectWarnings(preview, "native preview");
      expectWarnings(update, "native update");
    },
    T,
  );
});
