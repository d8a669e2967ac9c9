/**
 * The README's and docs/' samples are true of the code, checked with the code's own parts:
 * - every `marin-social ...` command line (in shell blocks and inline code) parses with the CLI's
 *   own argument parser (provider/cli/args.ts), against the command specs it runs with;
 * - every declaration-file YAML sample (a `tokens:` document) loads with the loader the program
 *   and the CLI use, and every Pulumi YAML sample declares only the resource properties and
 *   functions of the native plugin's package schema;
 * - every `marin-social:<key>` config key named is one the provider reads;
 * - every TypeScript sample on this package typechecks against the built package (dist/, through
 *   package.json's `exports`, as installed): with the TypeScript 3.8 and the options the SDK's
 *   runner uses in a project without tsconfig or TypeScript, and with the repository's TypeScript
 *   and the nodenext options of examples/typescript-stack (samples of the generated Node.js SDK, a
 *   package of its own: test/e2e/native-sdk.test.ts);
 * - every relative link (there and in bench/ and examples/ READMEs) resolves to a file, and every
 *   anchor to a heading of it.
 * Needs `npm run build` first (`npm test` builds). (The CLI tables: test/integration/cli-options.test.ts;
 * what the CLI prints: test/e2e/pulumi-cli.test.ts; docs/testing.md lists them all.)
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { parse } from "../../provider/cli/args";
import { COMMANDS, GLOBAL_OPTIONS } from "../../provider/cli/commands";
import { KNOWN_CONFIG_KEYS } from "../../provider/core";
import { parseDeclarations } from "../../provider/declarations";
import { packageSchema, TOKEN_TYPE } from "../../provider/plugin/schema";
import { NODE_SDK_NAME } from "../support/node-sdk";

const ROOT = path.resolve(__dirname, "..", "..");
const FILES = [
  "README.md",
  ...readdirSync(path.join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];

interface Block {
  file: string;
  line: number;
  lang: string;
  text: string;
}

/** A Markdown file's fenced blocks, and its prose (fences blanked out, line numbers kept). */
function split(file: string): { blocks: Block[]; prose: string } {
  const lines = readFileSync(path.join(ROOT, file), "utf8").split("\n");
  const blocks: Block[] = [];
  const prose: string[] = [];
  let open: { fence: string; indent: string; lang: string; line: number; body: string[] } | undefined;
  lines.forEach((l, i) => {
    const fence = /^(\s*)(`{3,})(\S*)\s*$/.exec(l);
    if (open) {
      if (fence && fence[2] === open.fence && fence[3] === "") {
        blocks.push({ file, line: open.line, lang: open.lang, text: open.body.join("\n") });
        open = undefined;
      } else open.body.push(l.startsWith(open.indent) ? l.slice(open.indent.length) : l);
      prose.push("");
    } else if (fence) {
      open = { fence: fence[2]!, indent: fence[1]!, lang: fence[3]!, line: i + 1, body: [] };
      prose.push("");
    } else prose.push(l);
  });
  return { blocks, prose: prose.join("\n") };
}

const docs = FILES.map((file) => ({ file, ...split(file) }));
const blocks = (lang: string) => docs.flatMap((d) => d.blocks.filter((b) => b.lang === lang));
const inlineCode = (prose: string) => [...prose.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!);

/** Words of a shell line: whitespace-separated, single or double quotes kept together. */
function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

/** The `marin-social` invocations of README and docs/: their arguments after `marin-social`, and where. */
function commandLines(): Array<{ where: string; argv: string[] }> {
  const found: Array<{ where: string; argv: string[] }> = [];
  const take = (where: string, text: string) => {
    for (const part of text.replace(/\s#\s.*$/, "").split(/&&|;|\|(?!\|)/)) {
      const w = words(part.trim().replace(/&$/, ""));
      const at = w[0] === "npx" ? 1 : w[0] === "node" && w[1] === "dist/cli/main.js" ? 1 : 0;
      if (w[at] === "marin-social" || (at === 1 && w[0] === "node")) found.push({ where, argv: w.slice(at + 1) });
    }
  };
  for (const b of blocks("sh")) {
    b.text.split("\n").forEach((l, i) => {
      take(`${b.file}:${b.line + 1 + i}`, l);
    });
  }
  for (const d of docs) {
    for (const code of inlineCode(d.prose)) {
      // Synopses in the CLI tables ([--json], FILE...) and placeholders (<command>) are checked by cli-options.test.ts.
      if (/^(npx )?marin-social( |$)/.test(code) && !/[[<]|\.\.\./.test(code)) take(d.file, code);
    }
  }
  return found;
}

describe("command lines in the README and docs/ parse with the CLI's parser", () => {
  const lines = commandLines();

  it("finds them (the extractor sees the samples)", () => {
    expect(lines.length).toBeGreaterThanOrEqual(8);
  });

  it.each(lines.map((l) => [`${l.where}: marin-social ${l.argv.join(" ")}`, l.argv] as const))("%s", (_name, argv) => {
    if (argv.length === 0 || argv[0]!.startsWith("-")) {
      const globals = Object.entries(GLOBAL_OPTIONS).flatMap(([name, o]) => [`--${name}`, ...("short" in o ? [`-${o.short}`] : [])]);
      for (const flag of argv) expect(globals).toContain(flag);
      return;
    }
    const [name, ...rest] = argv;
    const spec = COMMANDS.find((c) => c.name === name);
    expect(spec, `no command "${name}"`).toBeDefined();
    expect(() => parse(spec!, rest)).not.toThrow();
  });
});

describe("YAML samples", () => {
  const yaml = blocks("yaml").map((b) => ({ b, doc: YAML.parse(b.text) as Record<string, unknown> }));
  const declarations = yaml.filter((y) => "tokens" in y.doc);
  const pulumiYaml = yaml.filter((y) => "runtime" in y.doc);

  it("finds declaration files and Pulumi.yaml files", () => {
    expect(declarations.length).toBeGreaterThanOrEqual(2);
    expect(pulumiYaml.length).toBeGreaterThanOrEqual(2);
  });

  it.each(declarations.map((y) => [`${y.b.file}:${y.b.line}`, y.b.text] as const))(
    "the declaration file at %s loads with the program's loader",
    (where, text) => {
      const r = parseDeclarations(text, where);
      expect(r.ok ? [] : r.problems).toEqual([]);
    },
  );

  const schema = packageSchema() as {
    resources: Record<string, { inputProperties: Record<string, unknown> }>;
    functions: Record<string, { inputs: { properties: Record<string, unknown> } }>;
  };
  it.each(pulumiYaml.map((y) => [`${y.b.file}:${y.b.line}`, y.doc] as const))(
    "the Pulumi.yaml at %s uses only what the plugin's schema declares",
    (_where, doc) => {
      const runtime = typeof doc.runtime === "string" ? doc.runtime : (doc.runtime as { name: string }).name;
      expect(["nodejs", "yaml"]).toContain(runtime);
      for (const [name, r] of Object.entries((doc.resources ?? {}) as Record<string, { type: string; properties?: Record<string, unknown> }>)) {
        expect(r.type, name).toBe(TOKEN_TYPE);
        for (const p of Object.keys(r.properties ?? {})) expect(Object.keys(schema.resources[TOKEN_TYPE]!.inputProperties), `${name}.${p}`).toContain(p);
      }
      for (const v of Object.values((doc.variables ?? {}) as Record<string, { "fn::invoke"?: { function: string; arguments: Record<string, unknown> } }>)) {
        const invoke = v["fn::invoke"];
        if (!invoke) continue;
        expect(Object.keys(schema.functions)).toContain(invoke.function);
        for (const a of Object.keys(invoke.arguments)) expect(Object.keys(schema.functions[invoke.function]!.inputs.properties)).toContain(a);
      }
    },
  );
});

it("every marin-social:<key> config key named in the README and docs/ is one the provider reads", () => {
  const keys = new Set(KNOWN_CONFIG_KEYS);
  const named = new Set(
    docs.flatMap((d) => [...readFileSync(path.join(ROOT, d.file), "utf8").matchAll(/(?<![/\w-])marin-social:([a-z][A-Za-z]*)\b(?![:\w])/g)].map((m) => m[1]!)),
  );
  expect(named.size).toBeGreaterThanOrEqual(4);
  for (const k of named) expect(keys, `marin-social:${k}`).toContain(k);
});

describe("TypeScript samples typecheck against the built package", () => {
  const samples = blocks("ts").filter((b) => !b.text.includes(`"${NODE_SDK_NAME}"`));
  const tmp = mkdtempSync(path.join(tmpdir(), "marin-doc-samples-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  /** A project as a user has it: the package (this repository, with its package.json and dist/) and the SDK in node_modules. */
  function project(): string[] {
    expect(existsSync(path.join(ROOT, "dist", "index.d.ts")), "run `npm run build` first").toBe(true);
    const modules = path.join(tmp, "node_modules");
    mkdirSync(path.join(modules, "@pulumi"), { recursive: true });
    mkdirSync(path.join(modules, "@types"), { recursive: true });
    symlinkSync(ROOT, path.join(modules, "pulumi-marin-social"), "dir");
    symlinkSync(path.join(ROOT, "node_modules", "@pulumi", "pulumi"), path.join(modules, "@pulumi", "pulumi"), "dir");
    symlinkSync(path.join(ROOT, "node_modules", "@types", "node"), path.join(modules, "@types", "node"), "dir");
    writeFileSync(path.join(tmp, "package.json"), JSON.stringify({ name: "doc-samples", private: true }));
    return samples.map((b, i) => {
      const file = path.join(tmp, `sample-${i}.ts`);
      writeFileSync(file, `// ${b.file}:${b.line}\n${b.text}\n`);
      return file;
    });
  }
  const files = samples.length > 0 ? project() : [];

  it("finds them", () => {
    expect(samples.length).toBeGreaterThanOrEqual(1);
  });

  /** Diagnostics of the sample files alone (as ts-node reports them), with the sample's origin. */
  function diagnostics(tsPath: string, options: Record<string, unknown>, onlySamples: boolean): string[] {
    const ts = require(tsPath) as typeof import("typescript");
    const converted = ts.convertCompilerOptionsFromJson(options, tmp);
    expect(converted.errors.map((e) => ts.flattenDiagnosticMessageText(e.messageText, "\n"))).toEqual([]);
    const program = ts.createProgram(files, { ...converted.options, noEmit: true });
    const all = onlySamples
      ? files.flatMap((f) => [...program.getSyntacticDiagnostics(program.getSourceFile(f)), ...program.getSemanticDiagnostics(program.getSourceFile(f))])
      : [...ts.getPreEmitDiagnostics(program)];
    return all.map((d) => {
      const origin = d.file ? readFileSync(d.file.fileName, "utf8").split("\n")[0] : "";
      return `${origin} TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
    });
  }

  it("with the SDK's vendored TypeScript 3.8 and its runner's options, as in a project without tsconfig or typescript", () => {
    const vendored = path.join(ROOT, "node_modules", "@pulumi", "pulumi", "vendor", "typescript@3.8.3", "typescript.js");
    // @pulumi/pulumi/cmd/run/run.js: what it passes to ts-node when the project's TypeScript is older than 4.7 or missing.
    expect(diagnostics(vendored, { target: "ES2020", module: "commonjs", moduleResolution: "node", sourceMap: true }, true)).toEqual([]);
  });

  it("with the repository's TypeScript and the options of examples/typescript-stack/tsconfig.json", () => {
    const tsconfig = JSON.parse(readFileSync(path.join(ROOT, "examples", "typescript-stack", "tsconfig.json"), "utf8")) as {
      compilerOptions: Record<string, unknown>;
    };
    expect(diagnostics(require.resolve("typescript"), tsconfig.compilerOptions, false)).toEqual([]);
  });
});

/** GitHub's anchor of a heading: lower case, punctuation dropped (hyphens and underscores kept), spaces as hyphens. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");

function anchors(file: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const l of split(file).prose.split("\n")) {
    const h = /^#{1,6}\s+(.*)$/.exec(l);
    if (!h) continue;
    const s = slug(h[1]!);
    const n = seen.get(s) ?? 0;
    seen.set(s, n + 1);
    out.add(n === 0 ? s : `${s}-${n}`);
  }
  return out;
}

describe("links in the README, docs/, bench/ and examples/ resolve", () => {
  const others = ["bench/README.md", ...readdirSync(path.join(ROOT, "examples")).map((e) => `examples/${e}/README.md`)].filter((f) =>
    existsSync(path.join(ROOT, f)),
  );
  const links = [...docs, ...others.map((file) => ({ file, ...split(file) }))].flatMap((d) =>
    [...d.prose.replace(/`[^`\n]*`/g, "").matchAll(/\]\(([^)\s]+)\)/g)]
      .map((m) => m[1]!)
      .filter((href) => !/^[a-z]+:/i.test(href))
      .map((href) => ({ from: d.file, href })),
  );

  it("finds links to docs/ from the README", () => {
    expect(links.filter((l) => l.from === "README.md" && l.href.startsWith("docs/")).length).toBeGreaterThanOrEqual(10);
  });

  it.each(links.map((l) => [l.from, l.href] as const))("%s -> %s", (from, href) => {
    const [target, anchor] = href.split("#") as [string, string | undefined];
    const file = target === "" ? from : path.relative(ROOT, path.resolve(ROOT, path.dirname(from), target));
    expect(existsSync(path.join(ROOT, file)), `${file} does not exist`).toBe(true);
    if (anchor !== undefined) expect(anchors(file), `no heading "#${anchor}" in ${file}`).toContain(anchor);
  });
});
