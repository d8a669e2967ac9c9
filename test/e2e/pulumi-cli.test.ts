/**
 * The README flow with the real `pulumi` CLI: `npm start` runs `pulumi stack init`, `preview`,
 * `up`, an out-of-band revoke, `refresh`, `preview` and `destroy` against a fresh sandbox, with a
 * local file backend in a temporary folder, offline. The CLI is the one `npm run pulumi:install`
 * built (or a `pulumi` on PATH); without one this suite is skipped, and fails under CI.
 * The README's samples of what preview, refresh and a failing preview print are checked against
 * this run.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { expect, it } from "vitest";
import { describeWithPulumi, pulumiInstall } from "../support/pulumi";

const ROOT = path.resolve(__dirname, "..", "..");

/**
 * The chunks of the fenced samples in the README's "What preview, up and refresh show": runs of
 * lines between blank and `...` lines, and headings (`Diagnostics:`) alone, since the CLI prints
 * the resources' diagnostics in the order they arrived.
 */
function readmeSamples(): string[] {
  const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
  const start = readme.indexOf("## What preview, up and refresh show");
  const section = readme.slice(start, readme.indexOf("\n## ", start + 1));
  const chunks: string[] = [];
  for (const [, block] of section.matchAll(/^```\n([\s\S]*?)^```$/gm)) {
    let chunk: string[] = [];
    for (const line of [...block!.split("\n"), ""]) {
      const heading = /^\S.*:$/.test(line);
      if (heading || line.trim() === "" || line.trim() === "...") {
        if (chunk.length > 0) chunks.push(chunk.join("\n"));
        chunk = [];
        if (heading) chunks.push(line);
      } else chunk.push(line);
    }
  }
  return chunks;
}

/** Text compared without its layout: whitespace runs as one space (the README wraps long lines), timestamps as <time>. */
const normal = (s: string) => s.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g, "<time>").replace(/\s+/g, " ").trim();

describeWithPulumi("end to end with the pulumi CLI (npm start)", () => {
  it("runs the README story: preview audits, up invalidates, refresh shows the out-of-band revoke; the README's samples are what it prints", () => {
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
    // The project and its stack file live in a temporary folder, not in the repository.
    expect(existsSync(path.join(ROOT, "Pulumi.demo.yaml"))).toBe(false);

    const samples = readmeSamples();
    expect(samples.length).toBeGreaterThanOrEqual(11); // Diagnostics:, its 6 resources, 3 parts of the refresh, the error
    const printed = normal(out);
    for (const chunk of samples) expect(printed, `the README shows what this run did not print:\n${chunk}`).toContain(normal(chunk));
  }, 320_000);
});
