/**
 * Resolves a StackSpec the way the Pulumi CLI resolves a project: reads Pulumi.yaml (name, main,
 * runtime options), picks the program directory and entry point, and normalizes config keys.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";

/** What a test passes to describe one stack of one project. */
export interface StackSpec {
  /** The project directory (the one holding Pulumi.yaml). */
  programDir: string;
  /** Entry point relative to programDir; default: Pulumi.yaml `main`, else "." (package.json main / index). */
  main?: string;
  /** Project name; must equal Pulumi.yaml `name` when that file exists. */
  project: string;
  /** Stack name. */
  stack: string;
  /** Plain config. Keys are `namespace:key`, or a bare `key` meaning `<project>:key` (as `pulumi config set`). */
  config?: Record<string, string>;
  /** Secret config (as `pulumi config set --secret`), same key rules. */
  secretConfig?: Record<string, string>;
  /** Run with ts-node (PULUMI_NODEJS_TYPESCRIPT=true). Default: Pulumi.yaml runtime.options.typescript, else true (the CLI's default). */
  typescript?: boolean;
  /** Extra environment for the program and the provider host (on top of this process's environment). */
  env?: Record<string, string>;
  /** Where the stack state lives (JSON file, created on first `up`). */
  statePath: string;
  /** Overall deadline for one operation in ms; default 55000 (under vitest's 60 s testTimeout of this repo). */
  timeoutMs?: number;
  /** Deadline of each provider call in ms; default: the operation's `timeoutMs` (the Pulumi engine sets none). */
  callTimeoutMs?: number;
  /** Value of --parallel for the program and the engine's apply concurrency; default unbounded, as the CLI's `--parallel` default. */
  parallel?: number;
}

/** The Pulumi CLI's default for `--parallel`: unbounded (2147483647). */
export const DEFAULT_PARALLEL = 2147483647;

/** A StackSpec with everything the engine needs worked out. */
export interface ResolvedSpec {
  spec: StackSpec;
  /** Directory holding Pulumi.yaml (--root-directory). */
  rootDir: string;
  /** Working directory of the program (--pwd) and of the provider host. */
  programDir: string;
  /** Entry point argument given to the runner ("." or a path relative to programDir). */
  entryPoint: string;
  project: string;
  stack: string;
  typescript: boolean;
  tsconfig?: string;
  nodeargs: string[];
  /** Full config, keys `namespace:key`. */
  config: Record<string, string>;
  /** Full keys of the secret entries of `config`, sorted. */
  secretKeys: string[];
  timeoutMs: number;
  callTimeoutMs: number;
  parallel: number;
}

interface ProjectFile {
  name?: unknown;
  main?: unknown;
  runtime?: unknown;
}

function readProjectFile(rootDir: string): ProjectFile | undefined {
  for (const file of ["Pulumi.yaml", "Pulumi.yml"]) {
    const p = path.join(rootDir, file);
    if (!fs.existsSync(p)) continue;
    let doc: unknown;
    try {
      doc = parseYaml(fs.readFileSync(p, "utf8"));
    } catch (err) {
      throw new Error(`${p}: ${(err as Error).message}`);
    }
    if (typeof doc !== "object" || doc === null) throw new Error(`${p}: expected a mapping with name and runtime`);
    return doc as ProjectFile;
  }
  return undefined;
}

function fullKey(key: string, project: string, where: string): string {
  if (key === "") throw new Error(`${where}: empty config key`);
  const parts = key.split(":");
  if (parts.length === 1) return `${project}:${key}`;
  if (parts.length === 2 && parts[0] !== "" && parts[1] !== "") return key;
  throw new Error(`${where}: config key '${key}' must be 'key' or 'namespace:key'`);
}

/**
 * Resolves `spec`. Throws an Error naming the field and the fix when the spec is inconsistent
 * (missing directory, project name differing from Pulumi.yaml, a key both plain and secret, ...).
 */
export function resolveSpec(spec: StackSpec): ResolvedSpec {
  const rootDir = path.resolve(spec.programDir);
  if (!fs.existsSync(rootDir) || !fs.statSync(rootDir).isDirectory()) {
    throw new Error(`spec.programDir: ${rootDir} is not a directory`);
  }
  if (!spec.project) throw new Error("spec.project: required (the Pulumi project name)");
  if (!spec.stack) throw new Error("spec.stack: required (the stack name)");
  if (!spec.statePath) throw new Error("spec.statePath: required (a JSON file for the stack state)");
  const file = readProjectFile(rootDir);
  if (file && typeof file.name === "string" && file.name !== spec.project) {
    throw new Error(`spec.project: '${spec.project}' differs from name '${file.name}' in ${rootDir}/Pulumi.yaml`);
  }
  const runtime = file?.runtime;
  const options =
    typeof runtime === "object" && runtime !== null && typeof (runtime as { options?: unknown }).options === "object"
      ? ((runtime as { options: Record<string, unknown> }).options ?? {})
      : {};
  const main = spec.main ?? (typeof file?.main === "string" ? file.main : ".");
  // Like the CLI (engine/project.go getPwdMain): a `main` naming a directory becomes the program
  // directory with entry point "."; a `main` naming a file runs in the file's folder, with its base
  // name as entry point (`main: dist/program.js` runs program.js in dist/).
  const mainPath = path.resolve(rootDir, main);
  let programDir = rootDir;
  let entryPoint = main;
  if (main !== "." && fs.existsSync(mainPath)) {
    if (fs.statSync(mainPath).isDirectory()) {
      programDir = mainPath;
      entryPoint = ".";
    } else {
      programDir = path.dirname(mainPath);
      entryPoint = path.basename(mainPath);
    }
  }
  const typescript = spec.typescript ?? (typeof options.typescript === "boolean" ? options.typescript : true);
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [k, v] of Object.entries(spec.config ?? {})) config[fullKey(k, spec.project, "spec.config")] = v;
  for (const [k, v] of Object.entries(spec.secretConfig ?? {})) {
    const key = fullKey(k, spec.project, "spec.secretConfig");
    if (key in config) throw new Error(`spec.secretConfig: '${key}' is also in spec.config; keep it in one of them`);
    config[key] = v;
    secretKeys.push(key);
  }
  return {
    spec,
    rootDir,
    programDir,
    entryPoint,
    project: spec.project,
    stack: spec.stack,
    typescript,
    tsconfig: typeof options.tsconfig === "string" ? options.tsconfig : undefined,
    nodeargs: typeof options.nodeargs === "string" ? options.nodeargs.split(/\s+/).filter(Boolean) : [],
    config,
    secretKeys: secretKeys.sort(),
    timeoutMs: spec.timeoutMs ?? 55_000,
    callTimeoutMs: spec.callTimeoutMs ?? spec.timeoutMs ?? 55_000,
    parallel: spec.parallel ?? DEFAULT_PARALLEL,
  };
}
