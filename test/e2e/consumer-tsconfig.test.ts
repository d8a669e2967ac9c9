/**
 * The package as a user installs it: `npm pack`, then `npm install <tarball> @pulumi/pulumi
 * @types/node` in an empty project (this run's SDK version), as the README says. Nothing native is built and the sandbox's storage comes along with nothing.
 * Then examples/typescript-stack (its index.ts and tsconfig.json) in that project, with
 * TypeScript 5 and 6: `tsc --noEmit`, and `pulumi preview` with the real CLI, whose Node.js language
 * host runs the SDK's runner with the ts-node the SDK vendors (what a project without ts-node gets;
 * unlike ts-node 10 it reports compiler-option errors). The runner merges its own compiler defaults
 * into the tsconfig, so a tsconfig that leaves `moduleResolution` unset fails there (TS5110) while
 * plain `tsc` passes. (ts-node 10 with TypeScript 6 is examples.test.ts.)
 * And a project as the README's quickstart lays it out, without tsconfig or TypeScript of its own:
 * the runner then compiles with the TypeScript 3.8 it vendors and `moduleResolution: node`, which
 * reads no `exports`; the README's TypeScript samples on this package typecheck there,
 * the quickstart's program previews through the real CLI, and a `nodenext` tsconfig without a
 * TypeScript of one's own stops with TS6046, as docs/install.md says.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NODE_SDK_NAME } from "../support/node-sdk";
import { describeWithPulumi, pulumiStack } from "../support/pulumi";
import { type TestSandbox, testSandbox } from "../support/sandbox";
import { diagnosticsOf, runOp, TOKEN_TYPE, tokenUrn } from "../support/stack-run";

const ROOT = path.resolve(__dirname, "..", "..");
const EXAMPLE = path.join(ROOT, "examples", "typescript-stack");
const version = (pkg: string) => (JSON.parse(readFileSync(path.join(ROOT, "node_modules", pkg, "package.json"), "utf8")) as { version: string }).version;
const SDK = version("@pulumi/pulumi");
const TYPESCRIPT = { 5: version("typescript-5"), 6: version("typescript") };

/** The README's fenced blocks of `lang`, in order. */
function readmeBlocks(lang: string): string[] {
  const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
  return [...readme.matchAll(new RegExp(`^\`\`\`${lang}\\n([\\s\\S]*?)^\`\`\`$`, "gm"))].map((m) => m[1]!);
}

/**
 * Diagnostics of `files` alone (ts-node reports those, not the libraries'), compiled in `dir` with
 * the TypeScript the SDK's runner falls back to, and the options it passes when the project has no
 * tsconfig (or one without compiler options): @pulumi/pulumi/cmd/run/run.js.
 */
function vendoredDiagnostics(dir: string, files: string[], options: Record<string, unknown> = {}): string[] {
  const { ts, converted } = vendoredOptions(dir, options);
  // Options the vendored compiler rejects stop the runner before it reads a file.
  if (converted.errors.length > 0) return converted.errors.map((d) => `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
  const program = ts.createProgram(
    files.map((f) => path.join(dir, f)),
    { ...converted.options, noEmit: true },
  );
  const sources = files.map((f) => program.getSourceFile(path.join(dir, f)));
  return [...sources.flatMap((s) => [...program.getSyntacticDiagnostics(s), ...program.getSemanticDiagnostics(s)])].map(
    (d) => `${d.file ? `${path.basename(d.file.fileName)}: ` : ""}TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`,
  );
}

/** The SDK's vendored TypeScript and the runner's default options merged with `options`. */
function vendoredOptions(dir: string, options: Record<string, unknown>) {
  const ts = require(path.join(dir, "node_modules", "@pulumi", "pulumi", "vendor", "typescript@3.8.3", "typescript.js")) as typeof import("typescript");
  const converted = ts.convertCompilerOptionsFromJson({ target: "ES2020", module: "commonjs", moduleResolution: "node", sourceMap: true, ...options }, dir);
  return { ts, converted };
}

/** npm, as `npm test` runs it, with nothing of this checkout's npm environment. */
function npm(args: string[], cwd: string) {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (/^npm_(package|lifecycle)_|^npm_config_local_prefix$|^INIT_CWD$/.test(k)) delete env[k];
  const cli = process.env.npm_execpath?.endsWith("npm-cli.js") ? process.env.npm_execpath : undefined;
  const r = cli ? spawnSync(process.execPath, [cli, ...args], { cwd, env, encoding: "utf8" }) : spawnSync("npm", args, { cwd, env, encoding: "utf8" });
  const output = `${r.stdout}${r.stderr}`;
  if (r.status !== 0) throw new Error(`npm ${args.join(" ")} failed in ${cwd}:\n${output}`);
  return output;
}

/** Folders under node_modules holding a compiled addon (build/Release). */
function nativeBuilds(modules: string, depth = 0): string[] {
  const out: string[] = [];
  for (const e of readdirSync(modules, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const p = path.join(modules, e.name);
    if (e.name === "build" && existsSync(path.join(p, "Release"))) out.push(path.dirname(p));
    else if (depth < 6) out.push(...nativeBuilds(p, depth + 1));
  }
  return out;
}

let sb: TestSandbox;
let tmp: string;
let app: string;
let installLog: string;

beforeAll(async () => {
  sb = await testSandbox();
  tmp = mkdtempSync(path.join(tmpdir(), "marin-consumer-"));
  // dist/ is built by `npm test` before vitest runs; packing does not build it again.
  const packed = JSON.parse(npm(["pack", "--ignore-scripts", "--json", "--pack-destination", tmp], ROOT).replace(/^[^[]*/s, "")) as Array<{ filename: string }>;
  app = path.join(tmp, "app");
  mkdirSync(app);
  writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "marin-social-typescript-stack", private: true, main: "index.ts" }));
  installLog = npm(
    [
      "install",
      "--prefer-offline",
      "--no-audit",
      "--no-fund",
      "--foreground-scripts",
      path.join(tmp, packed[0]!.filename),
      `@pulumi/pulumi@${SDK}`,
      `@types/node@${version("@types/node")}`,
    ],
    app,
  );
  for (const f of ["Pulumi.yaml", "index.ts", "tsconfig.json"]) copyFileSync(path.join(EXAMPLE, f), path.join(app, f));
}, 300_000);

afterAll(async () => {
  await sb?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("a project without tsconfig or TypeScript of its own, as the README's quickstart lays it out", () => {
  it("the README's TypeScript samples on this package typecheck with the SDK's vendored TypeScript 3.8", () => {
    // The native sample imports the generated SDK, a package of its own: test/e2e/native-sdk.test.ts.
    const samples = readmeBlocks("ts").filter((text) => !text.includes(NODE_SDK_NAME));
    expect(samples.length).toBeGreaterThanOrEqual(1);
    const dir = mkdtempSync(path.join(app, "samples-"));
    try {
      const files = samples.map((text, i) => {
        writeFileSync(path.join(dir, `sample-${i}.ts`), text);
        return `sample-${i}.ts`;
      });
      symlinkSync(path.join(app, "node_modules"), path.join(dir, "node_modules"), "dir");
      expect(vendoredDiagnostics(dir, files)).toEqual([]);
      // docs/install.md: a nodenext tsconfig needs a TypeScript of the project's own.
      expect(vendoredDiagnostics(dir, files, { module: "nodenext", moduleResolution: "nodenext" }).join("\n")).toMatch(
        /TS6046: Argument for '--module' option must be/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describeWithPulumi(`a user's install of the package (npm pack, then npm install with @pulumi/pulumi ${SDK})`, () => {
  it("builds nothing native and brings no SQLite driver (the sandbox uses node:sqlite, or an optional better-sqlite3)", () => {
    expect(nativeBuilds(path.join(app, "node_modules"))).toEqual([]);
    expect(existsSync(path.join(app, "node_modules", "better-sqlite3"))).toBe(false);
    expect(existsSync(path.join(app, "node_modules", "ts-node"))).toBe(false); // the runner uses the SDK's own
    expect(installLog).not.toMatch(/better-sqlite3|node-gyp|prebuild-install/);
    expect(existsSync(path.join(app, "node_modules", "pulumi-marin-social", "LICENSE"))).toBe(true);
  });

  it("the README quickstart's Pulumi.yaml and index.ts, without tsconfig or TypeScript: pulumi preview runs it (the SDK's vendored TypeScript 3.8) and logs the audit line", async () => {
    rmSync(path.join(app, "node_modules", "typescript"), { recursive: true, force: true });
    expect(existsSync(path.join(app, "node_modules", "ts-node"))).toBe(false);
    rmSync(path.join(app, "tsconfig.json"));
    const pulumiYaml = readmeBlocks("yaml")[0]!;
    expect(pulumiYaml).toMatch(/^name: offboarding\nruntime: nodejs\n$/);
    writeFileSync(path.join(app, "Pulumi.yaml"), pulumiYaml);
    writeFileSync(path.join(app, "index.ts"), readmeBlocks("ts")[0]!);
    const s = await pulumiStack({
      workDir: app,
      stackName: "quickstart",
      config: { "marin-social:apiUrl": sb.url },
      secretConfig: { "marin-social:apiKey": sb.sandbox.keys.admin },
    });
    try {
      const p = await runOp(s.stack, "preview");
      expect(p.exitCode, p.message).toBe(0);
      expect(diagnosticsOf(p, tokenUrn("acme-coffee", { project: "offboarding", stack: "quickstart" }))).toEqual([
        'warning: invalidating facebook account "Acme Coffee" (fb-1001) unlinks 3 agencies: East Agency (ag-east), North Agency (ag-north), South Agency (ag-south)',
      ]);
    } finally {
      await s.cleanup();
      for (const f of ["Pulumi.yaml", "index.ts", "tsconfig.json"]) copyFileSync(path.join(EXAMPLE, f), path.join(app, f));
    }
  }, 300_000);

  // Which TypeScript major compiles the example does not depend on Node: the other Node versions
  // (scripts/node-matrix.js sets MARIN_MATRIX_LEG) run the newest only.
  it.each(process.env.MARIN_MATRIX_LEG ? ([6] as const) : ([6, 5] as const))(
    "examples/typescript-stack with TypeScript %i: tsc --noEmit passes and pulumi preview runs it (the SDK's runner with its vendored ts-node)",
    async (major) => {
      // The repository's TypeScript of that major, as the app's `typescript`; no ts-node.
      rmSync(path.join(app, "node_modules", "typescript"), { recursive: true, force: true });
      symlinkSync(path.join(ROOT, "node_modules", major === 5 ? "typescript-5" : "typescript"), path.join(app, "node_modules", "typescript"), "dir");
      const tscPath = path.join(app, "node_modules", "typescript", "bin", "tsc");
      const tsc = spawnSync(process.execPath, [tscPath, "--version"], { cwd: app, encoding: "utf8" });
      expect(tsc.stdout.trim()).toBe(`Version ${TYPESCRIPT[major]}`);
      const check = spawnSync(process.execPath, [tscPath, "-p", "tsconfig.json", "--noEmit"], { cwd: app, encoding: "utf8" });
      expect(check.stdout + check.stderr).toBe("");
      expect(check.status).toBe(0);

      const s = await pulumiStack({
        workDir: app,
        stackName: `ts${major}`,
        config: { "marin-social:apiUrl": sb.url },
        secretConfig: { "marin-social:apiKey": sb.sandbox.keys.admin },
      });
      try {
        const p = await runOp(s.stack, "preview");
        expect(p.exitCode, p.message).toBe(0);
        expect(
          p.steps
            .filter((x) => x.type === TOKEN_TYPE)
            .map((x) => x.urn.split("::").pop())
            .sort(),
        ).toEqual(["acme-coffee", "brand-page", "jane-tweets"]);
        expect(diagnosticsOf(p, tokenUrn("acme-coffee", { project: "marin-social-typescript-stack", stack: `ts${major}` }))).toEqual([
          'warning: invalidating facebook account "Acme Coffee" (fb-1001) unlinks 3 agencies: East Agency (ag-east), North Agency (ag-north), South Agency (ag-south)',
        ]);
      } finally {
        await s.cleanup();
      }
    },
    300_000,
  );
});
