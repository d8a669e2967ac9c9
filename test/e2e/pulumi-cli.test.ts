/**
 * The README flow with the real `pulumi` CLI: `npm start` on a machine that has it runs
 * `pulumi stack init`, `preview`, `up`, an out-of-band revoke, `refresh`, `preview` and
 * `destroy` against a fresh sandbox, with a local file backend in a temporary folder.
 * Where `pulumi` is not on PATH this reports itself skipped.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "..", "..");
const hasPulumi = spawnSync("pulumi", ["version"], { encoding: "utf8" }).status === 0;
const title = hasPulumi ? "end to end with the pulumi CLI" : "end to end with the pulumi CLI (skipped: pulumi is not on PATH)";

describe.skipIf(!hasPulumi)(title, () => {
  it("runs the README story: preview audits, up invalidates, refresh shows the out-of-band revoke", () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, "dist", "cli", "main.js"), "demo"], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 300_000,
    });
    const out = r.stdout + r.stderr;
    expect(r.status, out).toBe(0);
    expect(out).toContain('invalidating facebook account "Acme Coffee" (fb-1001) unlinks 3 agencies');
    expect(out).toMatch(/revokedOutsidePulumi/);
  }, 320_000);
});
