/**
 * The real `pulumi` CLI, offline, without vitest (the tests' test/support/pulumi.ts adds
 * `describeWithPulumi` on top; the benchmark uses this directly): where the CLI is, a fresh
 * PULUMI_HOME and file backend with the environment that keeps it off the network, a copy of the
 * repository's own stack to run it on, and Automation API stacks.
 */
import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation";
import { findPulumi, offlineEnv, PULUMI_INSTALL_COMMAND, type PulumiInstall } from "../../provider/cli/pulumi-path";

const ROOT = path.resolve(__dirname, "..", "..");

/** The CLI the tests use (built by `npm run pulumi:install`, or on PATH), or undefined. */
export const pulumiInstall: PulumiInstall | undefined = findPulumi({ root: ROOT });

/** Why there is no CLI, and the fix. */
export const MISSING_PULUMI = `no pulumi CLI: run \`${PULUMI_INSTALL_COMMAND}\` (builds it from Go modules into .tools/; \`npm test\` runs it)`;

/** The passphrase of every test stack's secrets provider. */
export const TEST_PASSPHRASE = "marin-social-test";

/** The CLI, or an Error naming the fix. */
export function requirePulumi(): PulumiInstall {
  if (!pulumiInstall) throw new Error(MISSING_PULUMI);
  return pulumiInstall;
}

/** Temporary folders of one CLI "machine": PULUMI_HOME and a file backend. */
export interface OfflineCli {
  install: PulumiInstall;
  /** The parent temporary folder (holds home/ and backend/). */
  dir: string;
  home: string;
  backendDir: string;
  /** process.env-compatible overrides that run the CLI offline (see provider/cli/pulumi-path.ts offlineEnv). */
  env: Record<string, string>;
  /** Removes the folders. */
  cleanup(): void;
}

/** A fresh PULUMI_HOME and file backend in a temporary folder, and the offline environment for them. */
export function offlineCli(): OfflineCli {
  const install = requirePulumi();
  const dir = mkdtempSync(path.join(tmpdir(), "marin-pulumi-"));
  const home = path.join(dir, "home");
  const backendDir = path.join(dir, "backend");
  mkdirSync(home);
  mkdirSync(backendDir);
  return {
    install,
    dir,
    home,
    backendDir,
    env: offlineEnv(install, { home, backendDir, passphrase: TEST_PASSPHRASE }),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * A copy of the repository's own Pulumi project in a temporary folder: Pulumi.yaml, package.json and
 * tokens.yaml copied (or `declarations` instead of tokens.yaml), `dist` and `node_modules` linked to
 * the repository's, so the program is `dist/program.js` and `pulumi-marin-social/dynamic` resolves
 * (through the package's own `exports`). Returns its path; remove its parent when done.
 */
export function repoProgramCopy(opts: { declarations?: string } = {}): string {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), "marin-repo-stack-")), "marin-social");
  mkdirSync(dir);
  for (const f of ["Pulumi.yaml", "package.json"]) copyFileSync(path.join(ROOT, f), path.join(dir, f));
  copyFileSync(opts.declarations ?? path.join(ROOT, "tokens.yaml"), path.join(dir, "tokens.yaml"));
  symlinkSync(path.join(ROOT, "dist"), path.join(dir, "dist"), "dir");
  symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
  return dir;
}

/** What {@link pulumiStack} sets up. */
export interface PulumiStackOptions {
  /** The project directory (holds Pulumi.yaml). */
  workDir: string;
  /** Default "dev". */
  stackName?: string;
  /** Plain config, full keys (`marin-social:apiUrl`). */
  config?: Record<string, string>;
  /** Secret config (`setConfig(key, { value, secret: true })`). */
  secretConfig?: Record<string, string>;
  /** Extra environment for the CLI and everything it starts. */
  env?: Record<string, string>;
  /** Use this CLI "machine" (PULUMI_HOME and backend) instead of a fresh one. */
  cli?: OfflineCli;
}

/** An Automation API stack on an offline CLI. */
export interface PulumiTestStack {
  stack: Stack;
  cli: OfflineCli;
  /** The env the workspace runs the CLI with (offline env + opts.env). */
  env: Record<string, string>;
  /** Removes the stack and, unless `opts.cli` was given, the temporary folders. */
  cleanup(): Promise<void>;
}

/**
 * Creates (or selects) stack `stackName` of the project in `workDir` through the Automation API
 * (`LocalWorkspace.createOrSelectStack` with `PulumiCommand.get({ root, skipVersionCheck })`), on a
 * file backend in a temporary folder with a passphrase secrets provider, and sets its config.
 */
export async function pulumiStack(opts: PulumiStackOptions): Promise<PulumiTestStack> {
  const cli = opts.cli ?? offlineCli();
  const env = { ...cli.env, ...opts.env };
  try {
    const exeDir = path.dirname(cli.install.pulumi);
    // PulumiCommand runs `<root>/bin/pulumi`; for a pulumi not in a bin folder, the one on (our) PATH.
    const pulumiCommand =
      path.basename(exeDir) === "bin"
        ? await PulumiCommand.get({ root: path.dirname(exeDir), skipVersionCheck: true })
        : await PulumiCommand.get({ skipVersionCheck: true });
    const stack = await LocalWorkspace.createOrSelectStack(
      { stackName: opts.stackName ?? "dev", workDir: opts.workDir },
      { pulumiCommand, envVars: env, pulumiHome: cli.home, secretsProvider: "passphrase" },
    );
    // One `pulumi config set-all` for every key (each CLI call costs a second or more on a busy machine).
    const all: Record<string, { value: string; secret?: boolean }> = {};
    for (const [key, value] of Object.entries(opts.config ?? {})) all[key] = { value };
    for (const [key, value] of Object.entries(opts.secretConfig ?? {})) all[key] = { value, secret: true };
    if (Object.keys(all).length > 0) await stack.setAllConfig(all);
    return {
      stack,
      cli,
      env,
      async cleanup() {
        try {
          await stack.workspace.removeStack(stack.name, { force: true });
        } catch {
          /* already gone, or the backend folder was removed */
        }
        if (!opts.cli) cli.cleanup();
      },
    };
  } catch (err) {
    if (!opts.cli) cli.cleanup();
    throw err;
  }
}
/** What one CLI command printed, and its exit code. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `pulumi <args>` of the stack's CLI in its project folder, with the environment the
 * Automation API uses (offline, same PULUMI_HOME and backend). E.g. `pulumi stack export`
 * without `--show-secrets`, which the Automation API's `exportStack` always adds.
 */
export function pulumiCli(s: PulumiTestStack, args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      s.cli.install.pulumi,
      [...args, "--stack", s.stack.name, "--non-interactive"],
      { cwd: s.stack.workspace.workDir, env: { ...process.env, ...s.env }, maxBuffer: 256 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The raw checkpoint the file backend holds for the stack (`<backend>/.pulumi/stacks/<project>/<stack>.json`). */
export function checkpointText(s: PulumiTestStack): string {
  const stacks = path.join(s.cli.backendDir, ".pulumi", "stacks");
  for (const project of existsSync(stacks) ? readdirSync(stacks) : []) {
    const file = path.join(stacks, project, `${s.stack.name}.json`);
    if (existsSync(file)) return readFileSync(file, "utf8");
  }
  throw new Error(`no checkpoint of stack ${s.stack.name} under ${stacks}`);
}
