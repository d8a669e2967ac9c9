/**
 * Where the real `pulumi` CLI is, and the environment that runs it offline (no update check, no
 * plugin downloads, a file backend, a passphrase). Shared by the native e2e tests and the
 * benchmark's native rows; free of vitest. After the engine branch merges, its
 * provider/cli/pulumi-path.ts (findPulumi, offlineEnv) replaces this.
 */
import { existsSync, readdirSync } from "node:fs";
import * as path from "node:path";

/** The repository root. */
export const ROOT = path.resolve(__dirname, "..", "..");

function findBinDir(): string | undefined {
  const tools = path.join(ROOT, ".tools");
  const built = existsSync(tools) ? readdirSync(tools).filter((d) => d.startsWith("pulumi-")).map((d) => path.join(tools, d, "bin")) : [];
  for (const dir of [...built, ...(process.env.PATH ?? "").split(path.delimiter)]) {
    if (dir && existsSync(path.join(dir, "pulumi")) && existsSync(path.join(dir, "pulumi-language-yaml"))) return dir;
  }
  return undefined;
}

/**
 * The folder holding `pulumi` and `pulumi-language-yaml`: `<repo>/.tools/pulumi-*\/bin`
 * (`npm run pulumi:install`), else the first on PATH; undefined when there is none.
 */
export const PULUMI_BIN: string | undefined = findBinDir();

/** Environment for the CLI in `bin` with its own PULUMI_HOME and a file backend in `backendDir`. */
export function offlineEnv(bin: string, home: string, backendDir: string): Record<string, string> {
  return {
    PATH: [bin, process.env.PATH ?? ""].join(path.delimiter),
    PULUMI_HOME: home,
    PULUMI_BACKEND_URL: `file://${backendDir}`,
    PULUMI_CONFIG_PASSPHRASE: "marin-native-test",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_DISABLE_REGISTRY_RESOLVE: "true",
    PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
  };
}
