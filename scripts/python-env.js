#!/usr/bin/env node
/**
 * `npm run python:env`: the Python virtual environment examples/python runs in for the tests: a
 * venv with the requirements of examples/python (`pulumi` from PyPI and the generated SDK from
 * sdk/python), made with `python3 -m venv` and pip, as `pulumi install` would make it.
 *
 * Cached in ~/.cache/marin-social/python/<key>/venv ($XDG_CACHE_HOME if set; <MARIN_PULUMI_TOOLS>/python
 * if that is set), outside the checkout like Go's build cache that keeps the CLI build quick:
 * PyPI's answers here are not cacheable by pip, so a venv in the checkout cost every fresh clone
 * 160-200 s of downloads. The key is a hash of what comes from PyPI (the interpreter, the
 * requirements without their comments, the SDK's dependencies); when only the generated SDK's
 * files change it is reinstalled with --no-deps, without downloads. A venv is usable only once
 * `ready` is written beside it, so an interrupted setup is redone; each use touches `ready`, and
 * venvs of other keys unused for a week are removed.
 * Prints the venv's folder on its last line.
 *
 * Options: --force (rebuild), --quiet. Environment: MARIN_PULUMI_TOOLS (cache folder instead of
 * the user's cache), PULUMI_PYTHON_CMD (the interpreter, as for Pulumi; default python3).
 */
"use strict";

const { spawnSync } = require("node:child_process");
const crypto = require("node:crypto");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const EXAMPLE = path.join(ROOT, "examples", "python");
const SDK = path.join(ROOT, "sdk", "python");
const CACHE = process.env.MARIN_PULUMI_TOOLS
  ? path.join(path.resolve(process.env.MARIN_PULUMI_TOOLS), "python")
  : path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "marin-social", "python");
const args = new Set(process.argv.slice(2));
const QUIET = args.has("--quiet");

const say = (text) => QUIET || process.stdout.write(`python:env: ${text}\n`);
const fail = (text) => {
  process.stderr.write(`python:env: ${text}\n`);
  process.exit(1);
};

function filesUnder(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== "__pycache__" && !e.name.endsWith(".egg-info") && e.name !== "build") out.push(...filesUnder(p));
    } else out.push(p);
  }
  return out.sort();
}

function run(cmd, cmdArgs, opts = {}) {
  const r = spawnSync(cmd, cmdArgs, { encoding: "utf8", ...opts });
  if (r.error || r.status !== 0) {
    fail(`${[cmd, ...cmdArgs].join(" ")} failed (${r.error?.message ?? `exit ${r.status}`})\n${(r.stdout || "") + (r.stderr || "")}`.trim());
  }
  return r.stdout;
}

function main() {
  const python = process.env.PULUMI_PYTHON_CMD || "python3";
  const probe = spawnSync(python, ["-c", "import sys; print(sys.executable); print(sys.version)"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) {
    fail(`${python} is not usable (${probe.error?.message ?? probe.stderr.trim()}). Install Python 3.9 or later, or set PULUMI_PYTHON_CMD.`);
  }
  // The venv is keyed on what comes from PyPI: the interpreter, the requirements (without their
  // comments) and the SDK's own dependencies. The generated SDK's code changes often, so it is
  // layered on with --no-deps when its files change, without going back to PyPI.
  const requirements = fs
    .readFileSync(path.join(EXAMPLE, "requirements.txt"), "utf8")
    .split("\n")
    .map((line) => line.replace(/(^|\s)#.*$/, "").trim())
    .filter(Boolean);
  // What reinstalling the SDK without build isolation needs in the venv (a setuptools that builds
  // wheels by itself); installed with the requirements.
  requirements.push("setuptools>=70.1");
  const sdkDeps = /^\s*dependencies\s*=.*$/m.exec(fs.readFileSync(path.join(SDK, "pyproject.toml"), "utf8"))?.[0] ?? "";
  const key = crypto
    .createHash("sha256")
    .update(`${probe.stdout}\0${requirements.join("\n")}\0${sdkDeps}`)
    .digest("hex")
    .slice(0, 16);
  const sdkHash = crypto.createHash("sha256");
  for (const f of filesUnder(SDK))
    sdkHash
      .update(`${path.relative(ROOT, f)}\0`)
      .update(fs.readFileSync(f))
      .update("\0");
  const sdkKey = sdkHash.digest("hex").slice(0, 16);
  // The real path: the venv records where it was made.
  fs.mkdirSync(CACHE, { recursive: true });
  const dir = path.join(fs.realpathSync(CACHE), key);
  const venv = path.join(dir, "venv");
  const ready = path.join(dir, "ready");
  const sdkStamp = path.join(dir, "sdk");
  const pip = (pipArgs) =>
    run(path.join(venv, "bin", "python"), ["-m", "pip", "install", "--disable-pip-version-check", "--no-input", "-q", ...pipArgs], {
      cwd: EXAMPLE,
      stdio: ["ignore", "pipe", "pipe"],
    });
  const cleanSdkBuild = () => {
    fs.rmSync(path.join(SDK, "build"), { recursive: true, force: true }); // setuptools' leftovers in the source tree
    for (const e of fs.readdirSync(SDK)) if (e.endsWith(".egg-info")) fs.rmSync(path.join(SDK, e), { recursive: true, force: true });
  };

  if (args.has("--force") || !fs.existsSync(ready)) {
    const started = Date.now();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    say(`creating ${venv} with ${probe.stdout.split("\n")[0]} (pip installs examples/python/requirements.txt)`);
    run(python, ["-m", "venv", venv]);
    // The requirements name the SDK by its path relative to examples/python, as `pulumi install` there reads them.
    pip(["-r", "requirements.txt", ...requirements.filter((r) => r.startsWith("setuptools"))]);
    cleanSdkBuild();
    fs.writeFileSync(sdkStamp, sdkKey);
    fs.writeFileSync(ready, `${new Date().toISOString()}\n`);
    say(`ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  } else {
    if ((fs.existsSync(sdkStamp) ? fs.readFileSync(sdkStamp, "utf8") : "") !== sdkKey) {
      say(`sdk/python changed: reinstalling it into ${venv} (no downloads)`);
      pip(["--no-deps", "--no-build-isolation", "--force-reinstall", path.relative(EXAMPLE, SDK)]);
      cleanSdkBuild();
      fs.writeFileSync(sdkStamp, sdkKey);
    } else say(`up to date (${key}); nothing installed`);
    const now = new Date();
    fs.utimesSync(ready, now, now); // last used, for the pruning below
  }
  // Venvs of other keys (an older SDK, or another checkout sharing .tools) unused for a week.
  for (const e of fs.readdirSync(path.dirname(dir))) {
    const other = path.join(path.dirname(dir), e);
    if (other === dir) continue;
    const used = fs.statSync(path.join(other, "ready"), { throwIfNoEntry: false })?.mtimeMs ?? fs.statSync(other).mtimeMs;
    if (Date.now() - used > 7 * 24 * 3600 * 1000) fs.rmSync(other, { recursive: true, force: true });
  }
  process.stdout.write(`${venv}\n`);
}

main();
