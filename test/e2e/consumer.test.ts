/**
 * The `marin-social` CLI as a user gets it. `npm pack` once (of the built dist/, as `prepare`
 * leaves it), then in a fresh folder `npm init -y && npm install <tarball> @pulumi/pulumi` (this
 * run's SDK, from the npm registry), and the bin the way a user runs it, `npx marin-social ...`:
 * --version, validate, a sandbox started from the installed package, audit --format html -o,
 * and demo, with the pulumi CLI on PATH (the one `npm run pulumi:install` built) and without.
 * The demo's declarations and Pulumi project come from the tarball, not from this repository.
 * (What the install builds, and TypeScript against the installed types: test/e2e/consumer-tsconfig.test.ts.)
 */
import { type SpawnSyncReturns, spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pulumiInstall } from "../support/pulumi";

const ROOT = path.resolve(__dirname, "..", "..");
const PKG = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { name: string; version: string };
const SDK = (JSON.parse(readFileSync(path.join(ROOT, "node_modules", "@pulumi", "pulumi", "package.json"), "utf8")) as { version: string }).version;
const tmp = mkdtempSync(path.join(tmpdir(), "marin-consumer-"));
const app = path.join(tmp, "app");
const installed = path.join(app, "node_modules", PKG.name);

/**
 * The environment of a user's shell: none of the variables `npm run`/`npm test` set for this
 * repository (npm_*, its node_modules/.bin on PATH), no Marin Social or Pulumi settings, and npx
 * never installing a package it does not find (npm_config_yes=false).
 */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(npm_|MARIN_|PULUMI_|INIT_CWD$|CI$)/i.test(k)) continue;
    env[k] = v;
  }
  env.PATH = (process.env.PATH ?? "")
    .split(path.delimiter)
    .filter((d) => !d.includes(`node_modules${path.sep}.bin`))
    .join(path.delimiter);
  env.npm_config_yes = "false";
  env.npm_config_update_notifier = "false";
  env.npm_config_fund = "false";
  env.npm_config_audit = "false";
  return { ...env, ...extra };
}

function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeout?: number } = {}): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd: app, encoding: "utf8", env: opts.env ?? userEnv(), timeout: opts.timeout ?? 120_000 });
}

const npx = (args: string[], env?: NodeJS.ProcessEnv, timeout?: number) => run("npx", ["marin-social", ...args], { env, timeout });
const show = (r: SpawnSyncReturns<string>) => `exit ${r.status}${r.signal ? ` (${r.signal})` : ""}\n${r.stdout}\n${r.stderr}`;

/** Whether the user's Node has the built-in SQLite the sandbox prefers. */
function hasNodeSqlite(): boolean {
  return spawnSync("node", ["-e", "require('node:sqlite')"], { env: userEnv(), stdio: "ignore" }).status === 0;
}

beforeAll(() => {
  const pack = spawnSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", tmp], { cwd: ROOT, encoding: "utf8", env: userEnv() });
  if (pack.status !== 0) throw new Error(`npm pack failed: ${show(pack)}`);
  const tarball = path.join(tmp, (JSON.parse(pack.stdout) as { filename: string }[])[0]!.filename);
  mkdirSync(app);
  const init = run("npm", ["init", "-y"]);
  if (init.status !== 0) throw new Error(`npm init failed: ${show(init)}`);
  const install = run("npm", ["install", "--prefer-offline", tarball, `@pulumi/pulumi@${SDK}`], { timeout: 10 * 60_000 });
  if (install.status !== 0) throw new Error(`npm install of the tarball failed: ${show(install)}`);
  // The sandbox keeps its data in node:sqlite, or where Node has none (20) in better-sqlite3, which
  // the user installs then (`npm install better-sqlite3`, as the sandbox says). Here the
  // repository's, already compiled for this Node, is linked in instead of compiled again.
  if (!hasNodeSqlite() && !existsSync(path.join(app, "node_modules", "better-sqlite3"))) {
    symlinkSync(path.join(ROOT, "node_modules", "better-sqlite3"), path.join(app, "node_modules", "better-sqlite3"), "junction");
  }
}, 20 * 60_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe(`${PKG.name} installed from its tarball in a fresh project`, () => {
  it("ships what the CLI and the demo need, and no source", () => {
    for (const f of [
      "package.json",
      "README.md",
      "tokens.yaml",
      "schemas/tokens.schema.json",
      "schemas/marin-social-api.yaml",
      "dist/cli/main.js",
      "dist/cli/demo-project.js",
    ]) {
      expect(existsSync(path.join(installed, f)), f).toBe(true);
    }
    expect(existsSync(path.join(installed, "provider"))).toBe(false);
    expect(existsSync(path.join(installed, "scripts"))).toBe(false);
  });

  it("npx marin-social --version prints the package's version", () => {
    for (const flag of ["--version", "-V"]) {
      const r = npx([flag]);
      expect(r.status, show(r)).toBe(0);
      expect(r.stdout).toBe(`${PKG.version}\n`);
    }
  });

  it("npx marin-social validate checks the user's file, and points at a bad line", () => {
    copyFileSync(path.join(ROOT, "tokens.yaml"), path.join(app, "tokens.yaml")); // the user's own file
    const ok = npx(["validate", "tokens.yaml"]);
    expect(ok.status, show(ok)).toBe(0);
    expect(ok.stdout).toBe("ok: tokens.yaml declares 6 tokens (4 valid: false)\n");
    writeFileSync(path.join(app, "bad.yaml"), "tokens:\n  - accountId: fb-1001\n    valid: maybe\n");
    const bad = npx(["validate", "bad.yaml"]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^bad\.yaml:3:12: tokens\[0\]\.valid: /);
  });

  it("npx marin-social audit --format html -o writes the page, against a sandbox started from the installed package", async () => {
    // The bin npx runs, started directly so that SIGTERM reaches the sandbox itself.
    const sandbox = spawn(path.join(app, "node_modules", ".bin", "marin-social"), ["sandbox", "--port", "0"], {
      cwd: app,
      env: userEnv(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    sandbox.stdout.on("data", (d: Buffer) => (output += d.toString()));
    sandbox.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => sandbox.on("exit", (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const check = (): void => {
          const m = /^Marin Social sandbox listening on (http:\/\/\S+)\n/.exec(output);
          if (m) resolve(m[1]!);
        };
        sandbox.stdout.on("data", check);
        void exited.then(() => reject(new Error(`the sandbox exited before it listened:\n${output}`)));
      });
      copyFileSync(path.join(ROOT, "tokens.yaml"), path.join(app, "tokens.yaml")); // the user's own file
      const env = userEnv({ MARIN_SOCIAL_API_KEY: "sandbox-admin" });
      const html = npx(["audit", "tokens.yaml", "--format", "html", "-o", "r.html", "--api-url", url], env);
      expect(html.status, show(html)).toBe(0);
      expect(html.stdout).toBe("");
      const page = readFileSync(path.join(app, "r.html"), "utf8");
      expect(page.startsWith("<!doctype html>")).toBe(true);
      expect(page).toContain("Acme Coffee");
      const table = npx(["audit", "tokens.yaml", "--api-url", url], env);
      expect(table.status, show(table)).toBe(0);
      expect(table.stdout).toContain("6 tokens: 4 to change, 0 refused, 0 not found, 0 drifted.");
      const noKey = npx(["audit", "tokens.yaml", "--api-url", url]);
      expect(noKey.status).toBe(1);
      expect(noKey.stderr).toContain("export MARIN_SOCIAL_API_KEY=<key>");
    } finally {
      sandbox.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  });

  it("npx marin-social demo --without-pulumi tells the story, and how to get the CLI where the package is installed", () => {
    const r = npx(["demo", "--without-pulumi"]);
    expect(r.status, show(r)).toBe(0);
    expect(r.stdout).toContain('invalidating facebook account "Acme Coffee" (fb-1001) unlinks 3 agencies');
    expect(r.stdout).toContain("run `npx marin-social demo` again");
    expect(r.stdout).not.toContain("pulumi:install");
  });

  const withCli = pulumiInstall ? it : process.env.CI ? it : it.skip;
  withCli(
    `npx marin-social demo runs the story with the pulumi CLI on PATH${pulumiInstall ? "" : " (skipped: no pulumi CLI; npm run pulumi:install builds one)"}`,
    () => {
      if (!pulumiInstall) throw new Error("no pulumi CLI: run `npm run pulumi:install`");
      const before = readdirSync(app).sort();
      const env = userEnv({ PATH: [pulumiInstall.binDir, userEnv().PATH].join(path.delimiter) });
      const r = npx(["demo"], env, 280_000);
      const out = r.stdout + r.stderr;
      expect(r.status, show(r)).toBe(0);
      expect(out).toContain(`Using ${pulumiInstall.pulumi}`);
      expect(out).toContain('warning: invalidating facebook account "Acme Coffee" (fb-1001) unlinks 3 agencies');
      expect(out).toMatch(/~ revokedOutsidePulumi: false => true/);
      expect(out).toContain("Done.");
      // The throw-away project linked to the installed package; removing it left the package whole,
      // and nothing was written into the user's project.
      expect(readdirSync(app).sort()).toEqual(before);
      expect(existsSync(path.join(installed, "dist", "cli", "main.js"))).toBe(true);
      expect(existsSync(path.join(app, "node_modules", "@pulumi", "pulumi", "package.json"))).toBe(true);
    },
    300_000,
  );
});
