/**
 * The `pulumi` CLI for the native provider's tests and the benchmark's native rows: the one
 * provider/cli/pulumi-path.ts finds, when the YAML language host is beside it. Free of vitest.
 */
import { existsSync } from "node:fs";
import * as path from "node:path";
import { findPulumi, offlineEnv as offline } from "../../provider/cli/pulumi-path";

/** The repository root. */
export const ROOT = path.resolve(__dirname, "..", "..");

const install = findPulumi({ root: ROOT });

/**
 * The folder holding `pulumi` and `pulumi-language-yaml` (`npm run pulumi:install` builds both
 * into `<repo>/.tools/pulumi-*\/bin`); undefined when there is none.
 */
export const PULUMI_BIN: string | undefined = install && existsSync(path.join(install.binDir, "pulumi-language-yaml")) ? install.binDir : undefined;

/** Environment for the CLI in `bin` with its own PULUMI_HOME and a file backend in `backendDir` (see pulumi-path.ts's offlineEnv). */
export function offlineEnv(bin: string, home: string, backendDir: string): Record<string, string> {
  return offline({ pulumi: path.join(bin, "pulumi"), binDir: bin, source: "cache" }, { home, backendDir, passphrase: "marin-native-test" });
}
