/**
 * Starts a Pulumi program the way `pulumi-language-nodejs` does: the SDK's runner
 * (`@pulumi/pulumi/cmd/run`, resolved from the program directory) with the language host's flags
 * and environment.
 */
import { Child, childEnv } from "./processes";
import type { ResolvedSpec } from "./project";
import { resolveFrom } from "./sdk";

/** Organization name the CLI passes for a local (file) backend. */
export const ORGANIZATION = "organization";

/**
 * The runner's argument list, in the language host's order (constructArguments):
 * `--monitor --engine --organization --project --root-directory --stack --pwd [--dry-run] --parallel <entry>`.
 */
export function runnerArgs(rs: ResolvedSpec, runPath: string, address: string, dryRun: boolean): string[] {
  return [
    ...rs.nodeargs,
    runPath,
    "--monitor", address,
    "--engine", address,
    "--organization", ORGANIZATION,
    "--project", rs.project,
    "--root-directory", rs.rootDir,
    "--stack", rs.stack,
    "--pwd", rs.programDir,
    ...(dryRun ? ["--dry-run"] : []),
    "--parallel", String(rs.parallel),
    rs.entryPoint,
  ];
}

/**
 * The runner's environment: PULUMI_CONFIG holds the config with keys in the language host's legacy
 * spelling `ns:config:key` (the SDK strips `:config:`), PULUMI_CONFIG_SECRET_KEYS the full secret
 * keys; PULUMI_NODEJS_TYPESCRIPT=true only for TypeScript (the host leaves it unset otherwise).
 */
export function runnerEnv(rs: ResolvedSpec): NodeJS.ProcessEnv {
  const legacy: Record<string, string> = {};
  for (const [k, v] of Object.entries(rs.config)) {
    const i = k.indexOf(":");
    legacy[`${k.slice(0, i)}:config:${k.slice(i + 1)}`] = v;
  }
  return childEnv(
    {
      PULUMI_CONFIG: JSON.stringify(legacy),
      PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(rs.secretKeys),
      PULUMI_NODEJS_TYPESCRIPT: rs.typescript ? "true" : undefined,
      PULUMI_NODEJS_TSCONFIG_PATH: rs.tsconfig,
    },
    rs.spec.env,
  );
}

/** Spawns the program's runner against the engine at `address` (cwd = program directory). */
export function startProgram(rs: ResolvedSpec, address: string, dryRun: boolean): Child {
  const runPath = resolveFrom(rs.programDir, "@pulumi/pulumi/cmd/run");
  return new Child(process.execPath, runnerArgs(rs, runPath, address, dryRun), { cwd: rs.programDir, env: runnerEnv(rs) });
}
