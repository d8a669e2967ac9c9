/**
 * The throw-away Pulumi project `marin-social demo` runs the pulumi CLI in: a folder like a
 * user's own project (Pulumi.yaml, a program that calls `declaredStack`, the package's demo
 * tokens.yaml, package.json), whose node_modules links to this package and to the
 * `@pulumi/pulumi` it resolves. It works the same from the repository and from a project that
 * installed the package, and nothing is written into either.
 */
import { copyFileSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import * as path from "node:path";

/** The package's root: two folders up from dist/cli/ (or provider/cli/). */
export const PACKAGE_ROOT = path.join(__dirname, "..", "..");

/** The demo's declarations, shipped in the package (package.json `files`). */
export const DEMO_DECLARATIONS = path.join(PACKAGE_ROOT, "tokens.yaml");

/** The project's name: the demo's tokens are invalidated as `pulumi:marin-social/<stack>`. */
export const DEMO_PROJECT = "marin-social";

const PULUMI_YAML = `name: ${DEMO_PROJECT}
description: Made by \`marin-social demo\` for one run, then removed.
runtime:
  name: nodejs
  options:
    typescript: false
main: index.js
`;

const PROGRAM = `// One PublisherToken per entry of tokens.yaml (the demo's declarations).
module.exports = () => require("pulumi-marin-social").declaredStack({ file: "tokens.yaml" });
`;

/** A link to a folder (a junction on Windows, which needs no privilege). */
function link(target: string, at: string): void {
  mkdirSync(path.dirname(at), { recursive: true });
  symlinkSync(target, at, "junction");
}

/**
 * Writes the demo project into `dir` (which must not exist) and returns `dir`. Throws an Error
 * saying what to reinstall when this package or `@pulumi/pulumi` cannot be found.
 */
export function writeDemoProject(dir: string): string {
  let sdk: string;
  try {
    sdk = path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [PACKAGE_ROOT] }));
  } catch {
    throw new Error(`@pulumi/pulumi cannot be found from ${PACKAGE_ROOT}; install it beside pulumi-marin-social (npm install @pulumi/pulumi)`);
  }
  mkdirSync(dir);
  writeFileSync(path.join(dir, "Pulumi.yaml"), PULUMI_YAML);
  writeFileSync(path.join(dir, "index.js"), PROGRAM);
  writeFileSync(path.join(dir, "package.json"), `${JSON.stringify({ name: "marin-social-demo", private: true, main: "index.js" }, null, 2)}\n`);
  copyFileSync(DEMO_DECLARATIONS, path.join(dir, "tokens.yaml"));
  link(PACKAGE_ROOT, path.join(dir, "node_modules", "pulumi-marin-social"));
  link(sdk, path.join(dir, "node_modules", "@pulumi", "pulumi"));
  return dir;
}
