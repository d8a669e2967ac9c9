/**
 * Copies an example project into a temporary folder and links its dependencies the way
 * `npm install` in that folder would (`pulumi-marin-social` is a `file:../..` dependency, which
 * npm links; the rest resolve to the repository's own installed copies).
 */
import { cpSync, mkdirSync, mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");

/** Returns the path of a fresh copy of `examples/<name>` with its node_modules linked. */
export function copyExample(name: string): string {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), `marin-${name}-`)), name);
  cpSync(path.join(ROOT, "examples", name), dir, { recursive: true, filter: (src) => !src.includes("node_modules") });
  const modules = path.join(dir, "node_modules");
  mkdirSync(path.join(modules, "@pulumi"), { recursive: true });
  mkdirSync(path.join(modules, "@types"), { recursive: true });
  symlinkSync(ROOT, path.join(modules, "pulumi-marin-social"), "dir");
  for (const dep of ["@pulumi/pulumi", "ts-node", "typescript", "@types/node"]) {
    symlinkSync(path.join(ROOT, "node_modules", dep), path.join(modules, dep), "dir");
  }
  return dir;
}

/**
 * Environment for a stack of a TypeScript example whose test is not about types: ts-node without
 * its type check (Pulumi's own switch). Each engine run would otherwise type-check the program
 * again, about 4-5 s of CPU. examples.test.ts and consumer-tsconfig.test.ts keep the type check.
 */
export const TRANSPILE_ONLY = { PULUMI_NODEJS_TRANSPILE_ONLY: "true" } as const;
