/**
 * Through the real `pulumi` CLI, on both paths (issue 17, §5): a `marin-social:` config key that
 * nothing reads gets a warning naming the closest known key, and the run goes on as before (a key
 * is never refused); the keys something reads get no such warning.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWithPulumi, pulumiCli, pulumiStack, repoProgramCopy } from "../support/pulumi";
import { type TestSandbox, testSandbox } from "../support/sandbox";
import { copyProject, nativeStack } from "./native-support";

const T = 300_000;
let sb: TestSandbox;
let tmp: string;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  sb = await testSandbox();
  tmp = mkdtempSync(path.join(tmpdir(), "marin-config-keys-"));
});
afterAll(async () => {
  for (const c of cleanups) await c();
  await sb?.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** Known keys set beside the typos: none of them may be warned about. */
const known = () => ({ "marin-social:apiUrl": sb.url, "marin-social:maxConcurrency": "8" });
const typos = { "marin-social:apiurl": "http://127.0.0.1:9", "marin-social:ratelimt": "5", "marin-social:region": "eu" };

function expectWarnings(out: string): void {
  expect(out).toContain("Config key marin-social:apiurl is not one marin-social reads, so it is ignored; did you mean marin-social:apiUrl?");
  expect(out).toContain("Config key marin-social:ratelimt is not one marin-social reads, so it is ignored; did you mean marin-social:rateLimit?");
  expect(out).toMatch(/Config key marin-social:region is not one marin-social reads, so it is ignored \(it reads marin-social:apiUrl, /);
  for (const k of ["apiUrl", "apiKey", "maxConcurrency", "declarations"]) expect(out).not.toContain(`Config key marin-social:${k} `);
}

describeWithPulumi("an unknown marin-social: config key is warned about, naming the closest known key, through the real pulumi CLI", () => {
  it(
    "the declared stack (dynamic provider): preview and up warn and go on, with apiUrl as set",
    async () => {
      const file = path.join(mkdtempSync(path.join(tmp, "d-")), "tokens.yaml");
      writeFileSync(file, "tokens:\n  - accountId: fb-1002\n    valid: true\n");
      const workDir = repoProgramCopy({ declarations: file });
      const s = await pulumiStack({ workDir, config: { ...known(), ...typos }, secretConfig: { "marin-social:apiKey": sb.sandbox.keys.admin } });
      cleanups.push(async () => {
        await s.cleanup();
        rmSync(path.dirname(workDir), { recursive: true, force: true });
      });
      for (const args of [["preview"], ["up", "--yes"]]) {
        const r = await pulumiCli(s, [...args, "--color", "never"]);
        expect(r.code, r.stdout + r.stderr).toBe(0);
        expectWarnings(r.stdout + r.stderr);
      }
    },
    T,
  );

  it(
    "a Pulumi YAML stack (the native plugin's CheckConfig): preview and up warn and go on, with apiUrl as set",
    async () => {
      const dir = copyProject("examples/pulumi-yaml", (doc) => {
        doc.delete("variables");
        doc.delete("outputs");
        doc.set("resources", { t: { type: "marin-social:index:PublisherToken", properties: { accountId: "fb-1002", valid: true } } });
      });
      const s = await nativeStack(dir, { ...known(), ...typos }, { "marin-social:apiKey": sb.sandbox.keys.admin });
      cleanups.push(() => s.cleanup());
      for (const args of [["preview"], ["up", "--yes"]]) {
        const r = await s.cli(args);
        expect(r.code, r.out).toBe(0);
        expectWarnings(r.out);
      }
    },
    T,
  );
});
