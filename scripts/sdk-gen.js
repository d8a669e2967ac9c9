#!/usr/bin/env node
// @ts-check
/**
 * `npm run sdk:gen`: writes the SDKs of the `marin-social` package (sdk/nodejs, sdk/python,
 * sdk/go, sdk/dotnet) from the plugin's package schema (packageSchema() in provider/plugin/schema.ts, as
 * built into dist/), with tools/sdkgen: pulumi's own codegen (schema.BindSpec and each language's
 * GeneratePackage, pkg/v3 at the version tools/sdkgen/go.mod pins; for .NET, pulumi-dotnet's
 * codegen, copied into tools/sdkgen/dotnet). The SDKs are committed.
 *
 * `--check` writes nothing and exits 1 naming every file under sdk/<language> that differs from
 * what the schema gives, or is missing, or is extra (`npm test` runs it after the build).
 *
 * The generator binary is built once by scripts/pulumi-install.js (run first, idempotent) into the
 * tools cache, beside the Pulumi CLI, and rebuilt only when tools/sdkgen changes.
 */
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const SDK = path.join(ROOT, "sdk");
const LANGUAGES = ["nodejs", "python", "go", "dotnet"];
const CHECK = process.argv.includes("--check");

const say = (text) => process.stdout.write(`sdk:gen: ${text}\n`);
const fail = (text) => {
  process.stderr.write(`sdk:gen: ${text}\n`);
  process.exit(1);
};

/** Every file under `dir`, as paths relative to it with `/`, sorted. */
function files(dir, base = dir) {
  if (!fs.existsSync(dir)) return [];
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...files(p, base));
    else out.push(path.relative(base, p).split(path.sep).join("/"));
  }
  return out.sort();
}

/** The files of sdk/<lang> as git sees them (tracked, or new and not ignored: a local build's bin/ is not drift); all files without git. */
function sdkFiles(lang) {
  const git = spawnSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "--", `sdk/${lang}`], { cwd: ROOT, encoding: "utf8" });
  if (git.status !== 0) return files(path.join(SDK, lang));
  const prefix = `sdk/${lang}/`;
  return git.stdout
    .split("\n")
    .filter((f) => f.startsWith(prefix) && fs.existsSync(path.join(ROOT, f)))
    .map((f) => f.slice(prefix.length))
    .sort();
}

function generator() {
  const install = spawnSync(process.execPath, [path.join(__dirname, "pulumi-install.js"), "--quiet"], {
    stdio: ["ignore", "pipe", "inherit"],
    encoding: "utf8",
  });
  if (install.status !== 0) fail(`building the generator failed (node scripts/pulumi-install.js):\n${install.stdout}`);
  const { binDir } = JSON.parse(fs.readFileSync(path.join(process.env.MARIN_PULUMI_TOOLS || path.join(ROOT, ".tools"), "pulumi.json"), "utf8"));
  return path.join(binDir, "marin-social-sdkgen");
}

function main() {
  let schema;
  try {
    schema = require(path.join(ROOT, "dist", "plugin", "schema.js")).packageSchema();
  } catch (err) {
    fail(`cannot load the package schema from dist/ (run \`npm run build\` first): ${err instanceof Error ? err.message : err}`);
  }
  const started = Date.now();
  const exe = generator();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "marin-sdkgen-"));
  try {
    const schemaFile = path.join(tmp, "schema.json");
    fs.writeFileSync(schemaFile, `${JSON.stringify(schema, null, 2)}\n`);
    const out = path.join(tmp, "sdk");
    const r = spawnSync(exe, [schemaFile, out, ...LANGUAGES], { encoding: "utf8" });
    if (r.status !== 0) fail(`${exe} failed:\n${r.stderr || r.stdout}`);

    if (CHECK) {
      const drift = [];
      for (const lang of LANGUAGES) {
        const want = files(path.join(out, lang));
        const have = new Set(sdkFiles(lang));
        for (const f of want) {
          if (!have.has(f)) drift.push(`sdk/${lang}/${f} is missing`);
          else if (!fs.readFileSync(path.join(out, lang, f)).equals(fs.readFileSync(path.join(SDK, lang, f)))) drift.push(`sdk/${lang}/${f} differs`);
          have.delete(f);
        }
        for (const f of have) drift.push(`sdk/${lang}/${f} is not generated`);
      }
      if (drift.length > 0) {
        fail(`the SDKs have drifted from the package schema:\n  ${drift.join("\n  ")}\nFix: \`npm run build && npm run sdk:gen\`, then commit sdk/.`);
      }
      say(`sdk/${LANGUAGES.join(", sdk/")} match the package schema (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      return;
    }
    for (const lang of LANGUAGES) {
      fs.rmSync(path.join(SDK, lang), { recursive: true, force: true });
      fs.mkdirSync(SDK, { recursive: true });
      fs.cpSync(path.join(out, lang), path.join(SDK, lang), { recursive: true });
      say(`sdk/${lang}: ${files(path.join(SDK, lang)).length} files`);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main();
