/**
 * The real `pulumi` CLI (with its YAML and Node.js language hosts) for the native provider's
 * end-to-end tests, offline: a fresh PULUMI_HOME and file backend per test, no update check, no
 * plugin downloads, the plugin found through `plugins: providers:` in Pulumi.yaml.
 *
 * This is the minimal environment of the engine branch's test/support/pulumi.ts (offlineEnv,
 * pulumiStack); once that is merged these tests should use it instead.
 *
 * Without a CLI (see native-cli.ts), the suites report themselves skipped.
 */
import { spawn, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation";
import { describe } from "vitest";
import { parseDocument } from "yaml";
import { offlineEnv, PULUMI_BIN, ROOT } from "./native-cli";

export { PULUMI_BIN, ROOT };

/** `describe` when the CLI is there; otherwise a skipped suite whose title says why. */
/**
 * What `pulumi preview` of the native examples (examples/pulumi-yaml, examples/python: the same four
 * tokens) logs under each token on the demo seed.
 */
export const EXAMPLE_PREVIEW: ReadonlyArray<readonly [resource: string, line: string]> = [
  [
    "acme-coffee",
    'warning: invalidating facebook account "Acme Coffee" (fb-1001) unlinks 3 agencies: East Agency (ag-east), North Agency (ag-north), South Agency (ag-south)',
  ],
  ["acme-coffee-twitter", 'warning: invalidating twitter account "Acme Coffee" (tw-2001) unlinks 2 agencies: East Agency (ag-east), North Agency (ag-north)'],
  ["granite-fitness", 'warning: facebook account "Granite Fitness" (fb-1007) token already invalid: revoked by jane@agency.example (outside Pulumi)'],
  ["blue-harbor", 'facebook account "Blue Harbor Bakery" (fb-1002) token valid, linked to 1 agency: North Agency (ag-north)'],
];

export function describeWithPulumi(title: string, fn: () => void): void {
  if (PULUMI_BIN) describe(title, fn);
  else describe.skip(`${title} (skipped: no pulumi CLI with the YAML language host in .tools/ or on PATH; run npm run pulumi:install)`, fn);
}

/** A project copied into a temporary folder, with the plugin path made absolute. */
export function copyProject(example: string, edit?: (doc: ReturnType<typeof parseDocument>) => void): string {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), "marin-native-")), path.basename(example));
  cpSync(path.join(ROOT, example), dir, { recursive: true });
  const file = path.join(dir, "Pulumi.yaml");
  const doc = parseDocument(readFileSync(file, "utf8"));
  doc.setIn(["plugins", "providers"], [{ name: "marin-social", path: path.join(ROOT, "bin") }]);
  edit?.(doc);
  writeFileSync(file, doc.toString());
  return dir;
}

/** A stack of the project in `dir` on an offline CLI, and how to run the CLI on it. */
export interface NativeStack {
  stack: Stack;
  dir: string;
  env: Record<string, string>;
  /**
   * Runs `pulumi <args>` in the project (with `--stack dev` unless `stack` is false, and `env` over
   * the stack's environment), resolving with its exit code and output.
   */
  cli(args: string[], opts?: { stack?: boolean; env?: Record<string, string> }): Promise<{ code: number; out: string }>;
  /** The stack's raw checkpoint as stored by the file backend. */
  checkpoint(): string;
  cleanup(): Promise<void>;
}

/** Creates stack `dev` of the project in `dir` with this config (full keys) and secret config. */
export async function nativeStack(
  dir: string,
  config: Record<string, string>,
  secretConfig: Record<string, string>,
  extraEnv: Record<string, string> = {},
): Promise<NativeStack> {
  const bin = PULUMI_BIN!;
  const tmp = path.dirname(dir);
  const home = path.join(tmp, "home");
  const backend = path.join(tmp, "backend");
  for (const d of [home, backend]) mkdirSync(d, { recursive: true });
  const env: Record<string, string> = { ...offlineEnv(bin, home, backend), ...extraEnv };
  const pulumiCommand = await PulumiCommand.get({ root: path.dirname(bin), skipVersionCheck: true });
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName: "dev", workDir: dir },
    { pulumiCommand, envVars: env, pulumiHome: home, secretsProvider: "passphrase" },
  );
  // One `pulumi config set-all` for every key (each CLI call costs about half a second of CPU).
  const all: Record<string, { value: string; secret?: boolean }> = {};
  for (const [key, value] of Object.entries(config)) all[key] = { value };
  for (const [key, value] of Object.entries(secretConfig)) all[key] = { value, secret: true };
  if (Object.keys(all).length > 0) await stack.setAllConfig(all);
  return {
    stack,
    dir,
    env,
    cli: (args, opts = {}) =>
      new Promise((resolve) => {
        const stackArgs = opts.stack === false ? [] : ["--stack", "dev"];
        const child = spawn(path.join(bin, "pulumi"), [...args, ...stackArgs, "--non-interactive", "--color", "never"], {
          cwd: dir,
          env: { ...process.env, ...env, ...opts.env },
        });
        let out = "";
        child.stdout.on("data", (d) => (out += String(d)));
        child.stderr.on("data", (d) => (out += String(d)));
        child.on("close", (code) => resolve({ code: code ?? -1, out }));
      }),
    checkpoint: () => {
      const found = spawnSync("find", [backend, "-name", "dev.json", "-path", "*stacks*"], { encoding: "utf8" }).stdout.trim().split("\n")[0]!;
      return readFileSync(found, "utf8");
    },
    async cleanup() {
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}
