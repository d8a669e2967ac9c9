/**
 * The README flow with the real `pulumi` CLI: `npm start` runs `pulumi stack init`, `preview`,
 * `up`, an out-of-band revoke, `refresh`, `preview` and `destroy` against a fresh sandbox, with a
 * local file backend in a temporary folder, offline. The CLI is the one `npm run pulumi:install`
 * built (or a `pulumi` on PATH); without one this suite is skipped, and fails under CI.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { expect, it } from "vitest";
import { describeWithPulumi, pulumiInstall } from "../support/pulumi";

const ROOT = path.resolve(__dirname, "..", "..");

describeWithPulumi("end to end with the pulumi CLI (npm start)", () => {
  it("runs the README story: preview audits, up invalidates, refresh shows the out-of-band revoke", () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, "dist", "cli", "main.js"), "demo"], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 300_000,
    });
    const out = r.stdout + r.stderr;
    expect(r.status, out).toBe(0);
    expect(out).toContain(`Using ${pulumiInstall!.pulumi}`);
    expect(out).toContain('invalidating facebook account "Acme Coffee" (fb-1001) unlinks 3 agencies');
    expect(out).toMatch(/revokedOutsidePulumi/);
  }, 320_000);
});
