/**
 * What the plugin can learn of the `pulumi` run that started it. The engine passes a provider
 * nothing of the run's options (no Create or Configure field says `--continue-on-error`); the CLI
 * reads the flag, or PULUMI_CONTINUE_ON_ERROR, itself. The plugin inherits the CLI's environment
 * and is its child, so on Linux the flag is in the parent's command line.
 */
import { readFileSync } from "node:fs";

const TRUE = /^(1|true|t|yes)$/i;

/** The parent process's arguments, or null when they cannot be read (not Linux, not allowed). */
function parentArgs(): string[] | null {
  try {
    return readFileSync(`/proc/${process.ppid}/cmdline`, "utf8").split("\0");
  } catch {
    return null;
  }
}

/**
 * Whether this run goes on past a failed step: true or false when known, undefined when it cannot
 * be told (then messages must say what holds either way).
 */
export function continuesOnError(env: NodeJS.ProcessEnv = process.env, args: string[] | null = parentArgs()): boolean | undefined {
  const fromEnv = env.PULUMI_CONTINUE_ON_ERROR !== undefined ? TRUE.test(env.PULUMI_CONTINUE_ON_ERROR) : undefined;
  if (!args) return fromEnv === true ? true : undefined;
  for (const a of args) {
    if (a === "--continue-on-error") return true;
    const m = /^--continue-on-error=(.*)$/.exec(a);
    if (m) return TRUE.test(m[1]!);
  }
  return fromEnv ?? false;
}
