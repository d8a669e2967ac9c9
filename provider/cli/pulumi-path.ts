/**
 * Where the `pulumi` CLI is, and the environment that runs it with nothing touching the network.
 *
 * `npm run pulumi:install` (scripts/pulumi-install.js) builds the CLI from its Go module into
 * `.tools/pulumi-<version>/bin` (or settles on a new-enough `pulumi` on PATH) and records the
 * result in `.tools/pulumi.json`. {@link findPulumi} reads that record, then falls back to a
 * `pulumi` on PATH. `marin-social demo` and the tests use both functions.
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";

/** The command that builds or finds the CLI. */
export const PULUMI_INSTALL_COMMAND = "npm run pulumi:install";

/** A usable `pulumi` CLI. */
export interface PulumiInstall {
  /** Absolute path of the `pulumi` executable. */
  pulumi: string;
  /** Folder with the language hosts and `pulumi-resource-pulumi-nodejs` (the cache's bin, or the CLI's own folder). */
  binDir: string;
  /** `pulumi version` as recorded by the installer (e.g. "v3.274.1"), when known. */
  version?: string;
  /** "cache": built by `npm run pulumi:install`; "path": a `pulumi` found on PATH. */
  source: "cache" | "path";
}

const REPO_ROOT = path.resolve(__dirname, "..", "..");

function isExecutable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function which(name: string, pathVar = process.env.PATH ?? ""): string | undefined {
  for (const dir of pathVar.split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

/** The cache folder: `$MARIN_PULUMI_TOOLS`, else `<root>/.tools`. */
export function toolsDir(root = REPO_ROOT): string {
  return path.resolve(process.env.MARIN_PULUMI_TOOLS || path.join(root, ".tools"));
}

/** What `npm run pulumi:install` recorded, if its CLI is still there. */
function fromRecord(tools: string): PulumiInstall | undefined {
  const record = path.join(tools, "pulumi.json");
  if (!existsSync(record)) return undefined;
  try {
    const r = JSON.parse(readFileSync(record, "utf8")) as Partial<PulumiInstall>;
    if (typeof r.pulumi !== "string" || typeof r.binDir !== "string" || !isExecutable(r.pulumi)) return undefined;
    return { pulumi: r.pulumi, binDir: r.binDir, version: r.version, source: r.source === "path" ? "path" : "cache" };
  } catch {
    return undefined;
  }
}

/** A CLI in `<tools>/pulumi-v*\/bin` (newest first), when the record is missing. */
function fromCacheFolders(tools: string): PulumiInstall | undefined {
  if (!existsSync(tools)) return undefined;
  const dirs = readdirSync(tools)
    .filter((d) => /^pulumi-v\d+\.\d+\.\d+/.test(d))
    .sort((a, b) => b.localeCompare(a, undefined, { numeric: true }));
  for (const d of dirs) {
    const binDir = path.join(tools, d, "bin");
    const pulumi = path.join(binDir, "pulumi");
    if (isExecutable(pulumi) && isExecutable(path.join(binDir, "pulumi-language-nodejs"))) {
      return { pulumi, binDir, version: d.slice("pulumi-".length), source: "cache" };
    }
  }
  return undefined;
}

/**
 * Finds the `pulumi` CLI: the one `npm run pulumi:install` built or chose (see `.tools/pulumi.json`),
 * else a cached build in `.tools/pulumi-v*\/bin`, else a `pulumi` on PATH that runs. Undefined when
 * there is none (then {@link PULUMI_INSTALL_COMMAND} builds one).
 */
export function findPulumi(opts: { root?: string; usePath?: boolean } = {}): PulumiInstall | undefined {
  const tools = toolsDir(opts.root);
  const cached = fromRecord(tools) ?? fromCacheFolders(tools);
  if (cached) return cached;
  if (opts.usePath === false) return undefined;
  const onPath = which("pulumi");
  if (!onPath) return undefined;
  const r = spawnSync(onPath, ["version"], { encoding: "utf8", env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" }, timeout: 30_000 });
  if (r.status !== 0) return undefined;
  return { pulumi: onPath, binDir: path.dirname(onPath), version: r.stdout.trim(), source: "path" };
}

/** Folders {@link offlineEnv} puts the CLI in. */
export interface OfflineDirs {
  /** PULUMI_HOME: the CLI's own folder (credentials, plugin cache, logs); a fresh temporary folder is best. */
  home: string;
  /** The file backend's folder (PULUMI_BACKEND_URL=file://<backendDir>). */
  backendDir: string;
  /** Passphrase of the stack's secrets provider (PULUMI_CONFIG_PASSPHRASE). */
  passphrase: string;
}

/**
 * Environment variables that run `install`'s CLI offline: the bin folder first on PATH (the CLI finds
 * its language hosts and the dynamic-provider plugin there and next to itself, never in a download),
 * no update check, no automatic plugin download, no registry look-ups, a file backend, a passphrase
 * secrets provider, and its own PULUMI_HOME. Merge it over `process.env`.
 */
export function offlineEnv(install: PulumiInstall, dirs: OfflineDirs): Record<string, string> {
  const pathDirs = [install.binDir, path.dirname(install.pulumi)].filter((d, i, all) => all.indexOf(d) === i);
  return {
    PATH: [...pathDirs, process.env.PATH ?? ""].join(path.delimiter),
    PULUMI_HOME: dirs.home,
    PULUMI_BACKEND_URL: `file://${dirs.backendDir}`,
    PULUMI_CONFIG_PASSPHRASE: dirs.passphrase,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_DISABLE_REGISTRY_RESOLVE: "true",
    PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
  };
}
