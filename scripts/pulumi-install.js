#!/usr/bin/env node
/**
 * `npm run pulumi:install`: makes the Pulumi engine available to this repository, offline.
 *
 * - A `pulumi` on PATH at the pinned version or newer is used as it is; the language hosts and the
 *   dynamic-provider plugin it needs are looked for next to it and on PATH, and the missing ones
 *   are built into the cache.
 * - Otherwise the CLI is built from its Go module (tools/pulumi/go.mod pins it) into
 *   .tools/pulumi-<version>/bin, with the Node.js and Python language hosts (tools/pulumi/cmd), the YAML
 *   language host (tools/pulumi-yaml/go.mod pins it) and the `pulumi-resource-pulumi-nodejs`
 *   plugin beside it, and `marin-social-sdkgen` (tools/sdkgen: the SDK generator `npm run sdk:gen`
 *   and its drift check run; it compiles the same pulumi pkg module, so it shares the build cache).
 *
 * Idempotent: .tools/pulumi-<version>/manifest.json records what each binary was built from (a
 * hash of tools/pulumi), so a second run builds nothing. Each binary is built into a temporary
 * folder and renamed into place, so an interrupted build leaves no half-written binary.
 * Writes .tools/pulumi.json (what provider/cli/pulumi-path.ts reads) and prints the bin folder.
 *
 * Options: --force (rebuild everything), --no-path (ignore a pulumi on PATH), --quiet.
 * Environment: MARIN_PULUMI_TOOLS (cache folder instead of <repo>/.tools).
 */
"use strict";

const { spawn, spawnSync } = require("node:child_process");
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const GO_MODULE = path.join(ROOT, "tools", "pulumi");
const YAML_MODULE = path.join(ROOT, "tools", "pulumi-yaml");
const SDKGEN_MODULE = path.join(ROOT, "tools", "sdkgen");
const TOOLS = path.resolve(process.env.MARIN_PULUMI_TOOLS || path.join(ROOT, ".tools"));
const args = new Set(process.argv.slice(2));
const FORCE = args.has("--force");
const USE_PATH = !args.has("--no-path");
const QUIET = args.has("--quiet");

const say = (text) => process.stdout.write(`pulumi:install: ${text}\n`);
const fail = (text) => {
  process.stderr.write(`pulumi:install: ${text}\n`);
  process.exit(1);
};

/** The version `go.mod` requires of `mod`, e.g. "v3.274.1". */
function requiredVersion(dir, mod) {
  const goMod = fs.readFileSync(path.join(dir, "go.mod"), "utf8");
  const m = goMod.match(new RegExp(`^\\s*(?:require\\s+)?${mod.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}\\s+(v\\S+)`, "m"));
  if (!m) fail(`${path.join(dir, "go.mod")} does not require ${mod}`);
  return m[1];
}

/** [major, minor, patch] of "v3.274.1" / "3.274.1-dev" (pre-release and build suffixes dropped). */
function semver(v) {
  const m = String(v)
    .trim()
    .match(/^v?(\d+)\.(\d+)\.(\d+)/);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}
function atLeast(v, min) {
  const a = semver(v);
  const b = semver(min);
  if (!a || !b) return false;
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] > b[i];
  return true;
}

function hashOf(files) {
  const h = crypto.createHash("sha256");
  for (const f of files) {
    h.update(path.relative(ROOT, f));
    h.update("\0");
    h.update(fs.readFileSync(f));
    h.update("\0");
  }
  return h.digest("hex").slice(0, 16);
}
function filesUnder(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out.sort();
}

function which(name, pathVar = process.env.PATH || "") {
  for (const dir of pathVar.split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

function isExecutable(p) {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function formatElapsed(ms) {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}

/** Runs `cmd args` in the Go module; resolves on exit 0, rejects with its output otherwise. Prints elapsed time every 30 s. */
function run(label, cwd, cmd, cmdArgs, env) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(cmd, cmdArgs, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const ticker = setInterval(() => say(`  ... still building ${label} (${formatElapsed(Date.now() - started)})`), 30_000);
    const stop = () => child.kill("SIGTERM");
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    child.on("error", (err) => {
      clearInterval(ticker);
      reject(err);
    });
    child.on("close", (code, signal) => {
      clearInterval(ticker);
      process.removeListener("SIGINT", stop);
      process.removeListener("SIGTERM", stop);
      if (code === 0) resolve(Date.now() - started);
      else reject(new Error(`${label}: ${cmd} exited with ${signal ?? code}\n${output.trim()}`));
    });
  });
}

/** The plugin the CLI starts for dynamic providers: the SDK's provider host, from the program's directory. */
const DYNAMIC_PLUGIN = `#!/bin/sh
# pulumi-resource-pulumi-nodejs: the plugin the Pulumi CLI starts for dynamic providers (written by
# scripts/pulumi-install.js). Like the script in Pulumi's distribution, it runs the SDK's
# dynamic-provider host from the program's directory (the engine starts plugins there).
if [ -e ./node_modules/@pulumi/pulumi/cmd/dynamic-provider ]; then
  exec node ./node_modules/@pulumi/pulumi/cmd/dynamic-provider "$@"
fi
# A program directory without its own node_modules (dependencies hoisted to a parent folder).
host=$(node -p 'require.resolve("@pulumi/pulumi/cmd/dynamic-provider", { paths: [process.cwd()] })') || exit 1
exec node "$host" "$@"
`;

async function main() {
  const VERSION = requiredVersion(GO_MODULE, "github.com/pulumi/pulumi/pkg/v3");
  const YAML_VERSION = requiredVersion(YAML_MODULE, "github.com/pulumi/pulumi-yaml");
  const cacheDir = path.join(TOOLS, `pulumi-${VERSION}`);
  const binDir = path.join(cacheDir, "bin");
  const manifestPath = path.join(cacheDir, "manifest.json");

  const modFiles = [path.join(GO_MODULE, "go.mod"), path.join(GO_MODULE, "go.sum")];
  const yamlModFiles = [path.join(YAML_MODULE, "go.mod"), path.join(YAML_MODULE, "go.sum")];
  const hostDir = path.join(GO_MODULE, "cmd", "pulumi-language-nodejs");
  const pythonHostDir = path.join(GO_MODULE, "cmd", "pulumi-language-python");
  // What both hosts share (serving, running the program, the engine watch).
  const sharedHostDir = path.join(GO_MODULE, "internal");
  const targets = [
    {
      name: "pulumi",
      module: GO_MODULE,
      pkg: "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi",
      ldflags: `-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=${VERSION}`,
      key: hashOf(modFiles),
    },
    {
      name: "pulumi-language-nodejs",
      module: GO_MODULE,
      pkg: "./cmd/pulumi-language-nodejs",
      ldflags: `-s -w -X main.version=${VERSION.replace(/^v/, "")}`,
      key: hashOf([...modFiles, ...filesUnder(hostDir), ...filesUnder(sharedHostDir)]),
    },
    {
      name: "pulumi-language-python",
      module: GO_MODULE,
      pkg: "./cmd/pulumi-language-python",
      ldflags: `-s -w -X main.version=${VERSION.replace(/^v/, "")}`,
      key: hashOf([...modFiles, ...filesUnder(pythonHostDir), ...filesUnder(sharedHostDir)]),
    },
    {
      name: "pulumi-language-yaml",
      module: YAML_MODULE,
      pkg: "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml",
      ldflags: `-s -w -X github.com/pulumi/pulumi-yaml/pkg/version.Version=${YAML_VERSION}`,
      key: hashOf(yamlModFiles),
    },
    { name: "pulumi-resource-pulumi-nodejs", script: DYNAMIC_PLUGIN, key: hashOf([__filename]) },
    {
      name: "marin-social-sdkgen",
      module: SDKGEN_MODULE,
      pkg: ".",
      ldflags: "-s -w",
      key: hashOf(filesUnder(SDKGEN_MODULE)),
      ours: true,
    },
  ];

  // A pulumi already on PATH (not ours), new enough: use it and what is next to it.
  let pulumiExe;
  let source = "cache";
  if (USE_PATH) {
    const onPath = which("pulumi");
    if (onPath && !path.resolve(onPath).startsWith(TOOLS + path.sep)) {
      const r = spawnSync(onPath, ["version"], { encoding: "utf8", env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" } });
      const v = (r.stdout || "").trim();
      if (r.status === 0 && atLeast(v, VERSION)) {
        pulumiExe = onPath;
        source = "path";
        say(`using ${onPath} (${v}, pinned ${VERSION})`);
      } else if (r.status === 0) {
        say(`ignoring ${onPath}: ${v || "unknown version"} is older than the pinned ${VERSION}`);
      }
    }
  }

  let manifest = {};
  try {
    manifest = JSON.parse(fs.readFileSync(manifestPath, "utf8"));
  } catch {
    manifest = {};
  }
  const built = (t) => !FORCE && manifest[t.name] === t.key && isExecutable(path.join(binDir, t.name));
  const nextToPulumi = (name) => {
    if (!pulumiExe) return undefined;
    const dir = path.dirname(fs.realpathSync(pulumiExe));
    return isExecutable(path.join(dir, name)) ? path.join(dir, name) : which(name);
  };

  const todo = targets.filter((t) => {
    if (built(t)) return false;
    if (source === "path" && !t.ours) {
      if (t.name === "pulumi") return false;
      const found = nextToPulumi(t.name);
      if (found && !path.resolve(found).startsWith(TOOLS + path.sep)) {
        if (!QUIET) say(`${t.name}: ${found}`);
        return false;
      }
    }
    return true;
  });

  fs.mkdirSync(binDir, { recursive: true });
  // Leftovers of interrupted runs.
  for (const e of fs.readdirSync(TOOLS)) {
    if (!e.startsWith(".build-")) continue;
    const pid = Number(e.slice(".build-".length));
    let alive = false;
    try {
      process.kill(pid, 0);
      alive = pid !== process.pid;
    } catch {
      alive = false;
    }
    if (!alive) fs.rmSync(path.join(TOOLS, e), { recursive: true, force: true });
  }

  if (todo.some((t) => t.pkg)) {
    const go = spawnSync("go", ["version"], { encoding: "utf8" });
    if (go.error || go.status !== 0) {
      fail(
        `Go is not installed (no \`go\` on PATH), and it is needed to build the Pulumi CLI ${VERSION} from its Go module\n` +
          `(tools/pulumi/go.mod, tools/pulumi-yaml/go.mod): missing ${todo
            .filter((t) => t.pkg)
            .map((t) => t.name)
            .join(", ")}.\n` +
          `Fix: install Go 1.26.6 or later (https://go.dev/doc/install; Debian: apt-get install golang-go) and run \`npm run pulumi:install\` again,\n` +
          `or put a pulumi ${VERSION} or newer, with its language hosts, on PATH.`,
      );
    }
    say(`building with ${go.stdout.trim()} into ${binDir} (the first build takes several minutes)`);
  }

  const tmp = path.join(TOOLS, `.build-${process.pid}`);
  fs.mkdirSync(tmp, { recursive: true });
  const nice = which("nice") ? ["nice", "-n", "10"] : [];
  const env = { ...process.env };
  const startedAll = Date.now();
  try {
    for (const [i, t] of todo.entries()) {
      const out = path.join(tmp, t.name);
      if (t.script) {
        fs.writeFileSync(out, t.script, { mode: 0o755 });
        say(`[${i + 1}/${todo.length}] wrote ${t.name} (runs @pulumi/pulumi/cmd/dynamic-provider from the program directory)`);
      } else {
        say(`[${i + 1}/${todo.length}] go build ${t.name} (${t.pkg})`);
        const goArgs = ["build", "-trimpath", "-buildvcs=false", "-ldflags", t.ldflags, "-o", out, t.pkg];
        const ms = await run(t.name, t.module, nice.length ? nice[0] : "go", nice.length ? [...nice.slice(1), "go", ...goArgs] : goArgs, env);
        say(`[${i + 1}/${todo.length}] built ${t.name} in ${formatElapsed(ms)}`);
      }
      fs.renameSync(out, path.join(binDir, t.name));
      manifest[t.name] = t.key;
      const m = path.join(tmp, "manifest.json");
      fs.writeFileSync(m, `${JSON.stringify(manifest, null, 2)}\n`);
      fs.renameSync(m, manifestPath);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }

  if (source === "cache") pulumiExe = path.join(binDir, "pulumi");
  const check = spawnSync(pulumiExe, ["version"], { encoding: "utf8", env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" } });
  if (check.status !== 0) fail(`${pulumiExe} version failed: ${(check.stderr || check.stdout || "").trim()}`);
  // Real paths: .tools may be a link shared by several checkouts, and the record must outlive this one.
  const real = (p) => (source === "cache" ? fs.realpathSync(p) : p);
  const state = { version: check.stdout.trim(), pinned: VERSION, pulumi: real(pulumiExe), binDir: real(binDir), source };
  const statePath = path.join(TOOLS, "pulumi.json");
  fs.writeFileSync(`${statePath}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  fs.renameSync(`${statePath}.tmp`, statePath);

  if (todo.length === 0) say(`up to date (${state.version}); nothing built`);
  else say(`done in ${formatElapsed(Date.now() - startedAll)}`);
  say(`pulumi: ${pulumiExe} (${state.version})`);
  say(`bin folder: ${binDir}`);
}

main().catch((err) => fail(err?.message ? err.message : String(err)));
