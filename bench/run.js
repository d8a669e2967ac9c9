#!/usr/bin/env node
/**
 * Entry of `npm run bench`: the benchmark is TypeScript (it drives the real
 * pulumi CLI through the Automation API), loaded here through ts-node in
 * transpile-only mode. The product itself runs compiled (dist/, built by the
 * npm script first), as users run it.
 */
"use strict";
const path = require("node:path");

require("ts-node").register({ transpileOnly: true, project: path.join(__dirname, "tsconfig.json") });
require("./cli.ts")
  .main(process.argv.slice(2))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`bench: ${err?.stack ? err.stack : String(err)}\n`);
      process.exitCode = 1;
    },
  );
