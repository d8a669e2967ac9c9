#!/usr/bin/env node
/**
 * `npm start`: `marin-social demo` on the real Pulumi engine, from a fresh clone.
 *
 * The demo needs a `pulumi` CLI: the one `npm run pulumi:install` built into .tools/, or one on
 * PATH (provider/cli/pulumi-path.ts finds it). When there is none and Go is installed, this builds
 * it first with scripts/pulumi-install.js, whose progress shows (several minutes the first time;
 * a second run finds it). Only without Go, or when that build fails, does the demo run without the
 * engine, and this says why before it starts. Arguments after `npm start --` go to the demo.
 *
 * Environment: MARIN_PULUMI_TOOLS (the CLI cache, as for pulumi-install.js).
 */
"use strict";

const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const MAIN = path.join(ROOT, "dist", "cli", "main.js");
const say = (text) => process.stdout.write(`npm start: ${text}\n`);

if (!fs.existsSync(MAIN)) {
  process.stderr.write("npm start: dist/ is missing; run `npm ci` (or `npm run build`) first\n");
  process.exit(1);
}

const args = process.argv.slice(2);
const { findPulumi } = require(path.join(ROOT, "dist", "cli", "pulumi-path.js"));

if (!args.includes("--without-pulumi") && !args.includes("--help") && !args.includes("-h") && !findPulumi({ root: ROOT })) {
  const go = spawnSync("go", ["version"], { encoding: "utf8" });
  if (go.error || go.status !== 0) {
    say(
      "no pulumi CLI found (none built in .tools/, none on PATH) and no Go to build one, so the demo runs without the Pulumi engine.\n" +
        "  For the real thing, install Go 1.26.6 or later (https://go.dev/doc/install; Debian: apt-get install golang-go) and run `npm start` again:\n" +
        "  it then builds the CLI from its Go modules first (`npm run pulumi:install`).",
    );
  } else {
    say(
      `no pulumi CLI found (none built in .tools/, none on PATH); building it first with ${go.stdout.trim()} (\`npm run pulumi:install\`; several minutes the first time)`,
    );
    const build = spawnSync(process.execPath, [path.join(__dirname, "pulumi-install.js")], { stdio: "inherit" });
    if (build.status !== 0) say("building the pulumi CLI failed (above), so the demo runs without the Pulumi engine.");
  }
}

const demo = spawnSync(process.execPath, [MAIN, "demo", ...args], { stdio: "inherit" });
process.exit(demo.status ?? 1);
