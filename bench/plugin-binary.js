#!/usr/bin/env node
/** Entry of `npm run bench:plugin` (bench/plugin-binary.ts, through ts-node as bench/run.js does). */
"use strict";
const path = require("node:path");

require("ts-node").register({ transpileOnly: true, project: path.join(__dirname, "tsconfig.json") });
require("./plugin-binary.ts")
  .main(process.argv.slice(2))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`bench:plugin: ${err?.stack ?? String(err)}\n`);
      process.exitCode = 1;
    },
  );
