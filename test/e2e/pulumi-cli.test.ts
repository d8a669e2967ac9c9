/**
 * `npm start` (`marin-social demo`) with the real `pulumi` CLI: against a fresh sandbox, with a
 * local file backend in a temporary folder, offline, it runs `pulumi stack init`, `preview`, `up`,
 * an out-of-band revoke, `refresh --diff`, a `preview` that refuses the revoked token, and
 * `destroy`; each step's output is checked. The CLI is the one `npm run pulumi:install` built (or
 * a `pulumi` on PATH); without one this suite is skipped, and fails under CI. The samples in
 * docs/how-it-works.md of what preview, refresh and the refused preview print are checked against the same run.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { expect, it } from "vitest";
import { describeWithPulumi, pulumiInstall } from "../support/pulumi";

const ROOT = path.resolve(__dirname, "..", "..");
const TYPE = "pulumi-nodejs:dynamic/marin-social:PublisherToken";

/** Runs `node dist/cli/main.js demo` (what `npm start` runs) and returns its exit code and output. */
function demo(): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, "dist", "cli", "main.js"), "demo"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (out += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (out += c));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out }));
  });
}

/**
 * The chunks of the plain fenced samples in the section `heading` of `file`: runs of
 * lines between blank and `...` lines, and headings (`Diagnostics:`) alone, since the CLI prints
 * the resources' diagnostics in the order they arrived.
 */
function samplesIn(file: string, heading: string): string[] {
  const doc = readFileSync(path.join(ROOT, file), "utf8");
  const start = doc.indexOf(heading);
  if (start < 0) throw new Error(`${file} has no section "${heading}"`);
  const end = doc.indexOf("\n## ", start + 1);
  const section = doc.slice(start, end < 0 ? undefined : end);
  const chunks: string[] = [];
  // Fenced blocks without a language (what the CLI prints), told apart from ```sh and the like.
  const plain: string[] = [];
  let open: { lang: string; body: string[] } | undefined;
  for (const line of section.split("\n")) {
    const fence = /^```(\S*)$/.exec(line);
    if (open && fence && fence[1] === "") {
      if (open.lang === "") plain.push(open.body.join("\n"));
      open = undefined;
    } else if (open) open.body.push(line);
    else if (fence) open = { lang: fence[1]!, body: [] };
  }
  for (const block of plain) {
    let chunk: string[] = [];
    for (const line of [...block.split("\n"), ""]) {
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

/** Text compared without its layout: whitespace runs as one space (the docs wrap long lines), timestamps as <time>. */
const normal = (s: string) =>
  s
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g, "<time>")
    .replace(/\s+/g, " ")
    .trim();

describeWithPulumi("npm start: the README story with the real pulumi CLI", () => {
  it("preview audits, up invalidates, refresh shows the out-of-band revoke, preview refuses it, destroy changes nothing", async () => {
    const { code, out } = await demo();
    expect(code, out).toBe(0);
    expect(out).toContain(`Using ${pulumiInstall!.pulumi}`);
    expect(out).toMatch(/with a local file backend in \S+, offline\n/);

    // One section per step, in the story's order.
    const sections = out.split("\n=== ").slice(1);
    const titles = sections.map((s) => s.slice(0, s.indexOf("\n")));
    expect(titles).toEqual([
      "Create a throw-away stack: pulumi stack init demo --secrets-provider passphrase --non-interactive",
      "Audit: what would change, and who is cut off: pulumi preview --stack demo --non-interactive",
      "Invalidate: pulumi up --yes --stack demo --non-interactive --skip-preview",
      "Out of band: jane@agency.example invalidates fb-1002 in the Marin Social web UI",
      "Drift: refresh shows the token revoked outside Pulumi: pulumi refresh --yes --diff --stack demo --non-interactive --skip-preview",
      "And preview now refuses to pretend it can restore it: pulumi preview --stack demo --non-interactive",
      "Stop managing the tokens (changes nothing in Marin Social): pulumi destroy --yes --stack demo --non-interactive --skip-preview",
    ]);
    const [, preview, up, , refresh, refused, destroy] = sections as [string, string, string, string, string, string, string];

    // The Diagnostics block, one entry per resource, in the order the engine received them.
    expect(preview).toContain("\nDiagnostics:\n");
    expect(preview).toContain(
      `  ${TYPE} (fb-1002):\n    facebook account "Blue Harbor Bakery" (fb-1002) token valid, linked to 1 agency: North Agency (ag-north)\n`,
    );
    expect(preview).toContain(
      `  ${TYPE} (fb-1001):\n    warning: invalidating facebook account "Acme Coffee" (fb-1001) unlinks 3 agencies: East Agency (ag-east), North Agency (ag-north), South Agency (ag-south)\n`,
    );
    expect(preview).toMatch(/Resources:\n\s+\+ 7 to create/);

    expect(up).toMatch(new RegExp(`\\+ {2}${TYPE} fb-1001 created`));
    expect(up).toMatch(/Resources:\n\s+\+ 7 created/);

    // refresh --diff: the drift, property by property, on fb-1002 alone.
    expect(refresh).toMatch(new RegExp(`~ ${TYPE}: \\(update\\)\\n\\s+\\[id=fb-1002\\]`));
    expect(refresh).toMatch(/~ valid +: true => false\n/);
    expect(refresh).toMatch(/~ revokedOutsidePulumi: false => true\n/);
    expect(refresh).toMatch(/\+ invalidatedBy +: "jane@agency\.example"\n/);
    expect(refresh).toMatch(/Resources:\n\s+~ 1 updated\n\s+6 unchanged/);

    // An error against fb-1002 alone; the preview still plans the others and succeeds (the step expects exit 0).
    expect(refused).toContain(
      `${TYPE} (fb-1002):\n    error: facebook account "Blue Harbor Bakery" (fb-1002): the facebook token of "Blue Harbor Bakery" (fb-1002) was revoked by jane@agency.example`,
    );
    expect(refused).toContain("re-authorize the account in Marin Social (Config > Accounts), then run `pulumi refresh`");

    expect(destroy).toMatch(/Resources:\n\s+- 7 deleted/);
    // The throw-away project and its stack file were in a temporary folder, never in the repository.
    expect(existsSync(path.join(ROOT, "Pulumi.demo.yaml"))).toBe(false);

    // Every sample of what the CLI prints, in docs/how-it-works.md and the README's quickstart, is in what this run printed.
    const samples = samplesIn("docs/how-it-works.md", "## What preview, up and refresh show");
    expect(samples.length).toBeGreaterThanOrEqual(11); // Diagnostics:, its 6 resources, 3 parts of the refresh, the error
    const quickstart = samplesIn("README.md", "## Quickstart");
    expect(quickstart).toHaveLength(1); // the audit line of fb-1001
    const printed = normal(out);
    for (const chunk of [...samples, ...quickstart]) expect(printed, `the docs show what this run did not print:\n${chunk}`).toContain(normal(chunk));
  }, 600_000);
});
