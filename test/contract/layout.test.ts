/**
 * The layout shows the design, and a change that breaks it fails here: the token domain
 * (provider/token/) depends on nothing of either path and on no Pulumi SDK; the dynamic provider
 * (provider/dynamic/) and the native plugin (provider/plugin/) never import each other; and every
 * plan of the token domain and both paths is made through token/refusal.ts's planFor, which the
 * once-per-operation test (test/e2e/once.test.ts) counts.
 */
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../../provider");

/** Every .ts file under provider/, relative to it. */
function sources(dir = ROOT): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sources(full);
    return e.name.endsWith(".ts") ? [path.relative(ROOT, full)] : [];
  });
}

/** The module specifiers a file imports or re-exports (static `from "x"`, `import("x")` and `require("x")`). */
function importsOf(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), "utf8");
  const out: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)["']([^"']+)["']/gm)) out.push(m[1]!);
  return out;
}

/** The top folder of provider/ an import of `file` lands in, or the package name for a bare specifier. */
function target(file: string, spec: string): string {
  if (!spec.startsWith(".")) return spec;
  const resolved = path.relative(ROOT, path.resolve(ROOT, path.dirname(file), spec));
  return resolved.split(path.sep)[0]!;
}

const files = sources();
const folder = (f: string) => f.split(path.sep)[0];
const edges = files.flatMap((f) => importsOf(f).map((spec) => ({ file: f, spec, to: target(f, spec) })));

describe("the layout of provider/", () => {
  it("finds the imports it checks", () => {
    expect(files.filter((f) => folder(f) === "token").length).toBeGreaterThan(5);
    expect(edges.some((e) => folder(e.file) === "plugin" && e.to === "token")).toBe(true);
    expect(edges.some((e) => folder(e.file) === "dynamic" && e.to === "token")).toBe(true);
  });

  it("dynamic/ and plugin/ do not import each other", () => {
    const across = edges.filter((e) => (folder(e.file) === "dynamic" && e.to === "plugin") || (folder(e.file) === "plugin" && e.to === "dynamic"));
    expect(across).toEqual([]);
  });

  it("token/ imports only core/, client/, generated/, itself and Node's own modules: no path, no Pulumi SDK", () => {
    const allowed = new Set(["core", "client", "generated", "token"]);
    const outside = edges.filter((e) => folder(e.file) === "token" && !allowed.has(e.to) && !e.spec.startsWith("node:"));
    expect(outside).toEqual([]);
  });

  it("every plan of the token domain and both paths is made by token/refusal.ts's planFor", () => {
    const planners = files.filter(
      (f) => ["token", "dynamic", "plugin"].includes(folder(f)!) && /\bplanToken\s*\(/.test(readFileSync(path.join(ROOT, f), "utf8")),
    );
    expect(planners).toEqual([path.join("token", "refusal.ts")]);
  });

  it("every format check of a token's inputs is token/inputs.ts's checkInputs (both paths call it, none checks on its own)", () => {
    const own = files.filter(
      (f) => ["dynamic", "plugin"].includes(folder(f)!) && /satisfies\(\s*(REASON|AGENCY_ID)\b/.test(readFileSync(path.join(ROOT, f), "utf8")),
    );
    expect(own).toEqual([]);
  });
});
