/**
 * `npm start` (scripts/start.js) when no pulumi CLI is found: with Go, it builds the CLI first
 * with scripts/pulumi-install.js, showing its progress; without Go it says so and the demo runs
 * without the engine. Each run has an empty CLI cache (MARIN_PULUMI_TOOLS) and a PATH of one
 * folder, so neither the repository's .tools/ nor a pulumi or go of this machine is found.
 * The Go here is a stand-in that answers `go version` and fails every build, so that the test
 * sees the build start and fail without spending the minutes a real one takes; with a real Go
 * the same path is what `npm test` runs (scripts/pulumi-install.js).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "..", "..");
const tmp = mkdtempSync(path.join(tmpdir(), "marin-start-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs `node scripts/start.js` with only `bin` on PATH and an empty CLI cache. */
function start(bin: string) {
  const tools = mkdtempSync(path.join(tmp, "tools-"));
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(PULUMI_|MARIN_|npm_)/.test(k)) env[k] = v;
  const r = spawnSync(process.execPath, [path.join(ROOT, "scripts", "start.js")], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...env, PATH: bin, MARIN_PULUMI_TOOLS: tools },
    timeout: 120_000,
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

it("without Go: says there is no Go to build the CLI with, and the demo runs without the engine", () => {
  const bin = path.join(tmp, "empty-bin");
  mkdirSync(bin);
  const r = start(bin);
  expect(r.code, r.out).toBe(0);
  expect(r.out).toContain("no pulumi CLI found (none built in .tools/, none on PATH) and no Go to build one, so the demo runs without the Pulumi engine");
  expect(r.out).not.toContain("pulumi:install: ");
  expect(r.out).toContain("There is no pulumi CLI");
  expect(r.out).toContain('invalidating facebook account "Acme Coffee" (fb-1001) unlinks 3 agencies');
});

it("with Go: builds the CLI first, with the installer's progress; when that build fails, says so and the demo runs without the engine", () => {
  const bin = path.join(tmp, "go-bin");
  mkdirSync(bin);
  writeFileSync(
    path.join(bin, "go"),
    '#!/bin/sh\nif [ "$1" = version ]; then echo "go version go1.26.6 linux/amd64"; exit 0; fi\necho "this go builds nothing" >&2\nexit 1\n',
    { mode: 0o755 },
  );
  const r = start(bin);
  expect(r.code, r.out).toBe(0);
  expect(r.out).toContain("no pulumi CLI found (none built in .tools/, none on PATH); building it first with go version go1.26.6 linux/amd64");
  expect(r.out).toMatch(/pulumi:install: \[\d\/\d\] go build pulumi /);
  expect(r.out).toContain("this go builds nothing");
  expect(r.out).toContain("building the pulumi CLI failed (above), so the demo runs without the Pulumi engine");
  expect(r.out).toContain('invalidating facebook account "Acme Coffee" (fb-1001) unlinks 3 agencies');
});
