/**
 * The generated Node.js SDK (sdk/nodejs, npm `@marin-social/pulumi-marin-social`) built as its
 * package is published: its own tsc build into `bin/`, with its package.json beside it. It needs
 * the `@pulumi/pulumi` its package.json asks for (>= 3.269: the generated `exists()` calls
 * `pulumi.runtime.existsResource`), so the tests that use it run where the project's SDK is that
 * new (the Node 22 and 24 legs of `npm run test:matrix`) and say why they are skipped elsewhere.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, cpSync, mkdirSync, readFileSync, symlinkSync } from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");
const SDK_DIR = path.join(ROOT, "sdk", "nodejs");

const sdkPackage = JSON.parse(readFileSync(path.join(SDK_DIR, "package.json"), "utf8")) as { name: string; dependencies: Record<string, string> };

/** The generated SDK's npm name. */
export const NODE_SDK_NAME = sdkPackage.name;
/** The lowest `@pulumi/pulumi` the generated SDK accepts (its `^x.y.z` dependency). */
export const NODE_SDK_MIN_PULUMI = sdkPackage.dependencies["@pulumi/pulumi"]!.replace(/^\^/, "");
/** The project's `@pulumi/pulumi`. */
export const PROJECT_PULUMI: string = JSON.parse(readFileSync(path.join(ROOT, "node_modules", "@pulumi", "pulumi", "package.json"), "utf8")).version;

function atLeast(v: string, min: string): boolean {
  const a = v.split(".").map(Number);
  const b = min.split(".").map(Number);
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! > b[i]!;
  return true;
}

/** Undefined when the generated SDK can be built here, else why not (for a skipped suite's title). */
export const NODE_SDK_SKIP = atLeast(PROJECT_PULUMI, NODE_SDK_MIN_PULUMI)
  ? undefined
  : `the generated Node.js SDK needs @pulumi/pulumi >= ${NODE_SDK_MIN_PULUMI} and this project has ${PROJECT_PULUMI} (the Node 20 lockfile); it runs on the Node 22 and 24 legs of npm run test:matrix`;

/**
 * Builds sdk/nodejs in `dir` (a copy, with the project's `@pulumi/pulumi` and `@types/node`) with
 * the project's TypeScript, and returns the package folder (`dir/bin`), ready to be linked as
 * `node_modules/@marin-social/pulumi-marin-social`. Throws with tsc's output when it does not compile.
 */
export function buildNodeSdk(dir: string): string {
  cpSync(SDK_DIR, dir, { recursive: true });
  for (const dep of ["@pulumi/pulumi", "@types/node"]) {
    mkdirSync(path.dirname(path.join(dir, "node_modules", dep)), { recursive: true });
    symlinkSync(path.join(ROOT, "node_modules", dep), path.join(dir, "node_modules", dep), "dir");
  }
  const tsc = spawnSync(process.execPath, [path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", dir], { encoding: "utf8" });
  if (tsc.status !== 0) throw new Error(`tsc -p sdk/nodejs failed:\n${tsc.stdout}${tsc.stderr}`);
  for (const f of ["package.json", "README.md"]) copyFileSync(path.join(dir, f), path.join(dir, "bin", f));
  return path.join(dir, "bin");
}
