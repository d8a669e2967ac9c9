#!/usr/bin/env node
/**
 * `marin-social`: the command-line entry (package.json `bin`).
 *
 * The commands' options and help are in commands.ts; each command's code lives in its own
 * file and exports `run(argv): Promise<number>`, returning the exit code. Errors go to stderr
 * without a stack trace unless `--debug` is given.
 */

import { readFileSync } from "node:fs";
import * as path from "node:path";
import { displayText } from "../core/display";
import { optionLines } from "./args";
import { COMMANDS, GLOBAL_OPTIONS } from "./commands";
import { err, guardPipes, out } from "./output";

type Command = (argv: string[]) => Promise<number>;

const RUNNERS: Record<string, () => Command> = {
  sandbox: () => (require("./sandbox") as typeof import("./sandbox")).run,
  validate: () => (require("./validate") as typeof import("./validate")).run,
  demo: () => (require("./demo") as typeof import("./demo")).run,
  audit: () => (require("./audit") as typeof import("./audit")).run,
};

/** The version in the package's own package.json (two folders up from dist/cli/, as from provider/cli/). */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8")) as { version?: unknown };
  if (typeof pkg.version !== "string") throw new Error("the package's package.json has no version; reinstall pulumi-marin-social");
  return pkg.version;
}

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    "usage: marin-social [--version] [--help] [--debug] <command> [options]",
    "",
    "commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    "",
    "options:",
    optionLines(GLOBAL_OPTIONS),
    "",
    "Run `marin-social <command> --help` (or `marin-social help <command>`) for a command's options and exit codes.",
    "Exit codes: 0 success, 1 error (usage, bad input, API or configuration); audit also 2 on drift.",
  ].join("\n");
}

/** Runs the CLI with `argv` (without node and script) and resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const end = argv.indexOf("--");
  const debug = (end < 0 ? argv : argv.slice(0, end)).includes("--debug");
  let i = 0;
  for (; i < argv.length && argv[i]!.startsWith("-"); i++) {
    const flag = argv[i]!;
    if (flag === "--debug") continue;
    if (flag === "--version" || flag === "-V") {
      out(`${packageVersion()}\n`);
      return 0;
    }
    if (flag === "--help" || flag === "-h") {
      out(`${usage()}\n`);
      return 0;
    }
    err(`marin-social: unknown option "${flag}" before the command\n\n${usage()}\n`);
    return 1;
  }
  let [name, ...rest] = argv.slice(i);
  if (name === undefined) {
    err(`${usage()}\n`);
    return 1;
  }
  if (name === "help") {
    if (rest[0] === undefined) {
      out(`${usage()}\n`);
      return 0;
    }
    [name, rest] = [rest[0], ["--help"]]; // `marin-social help audit` is `marin-social audit --help`
  }
  const load = Object.hasOwn(RUNNERS, name) ? RUNNERS[name] : undefined;
  if (!load) {
    err(`marin-social: unknown command "${name}"\n\n${usage()}\n`);
    return 1;
  }
  try {
    return await load()(rest);
  } catch (thrown) {
    const e = thrown as Error;
    // An error may carry server text (the API's problem details): made safe to display.
    err(`marin-social ${name}: ${debug ? (e.stack ?? e.message) : displayText(e.message)}\n`);
    return 1;
  }
}

if (require.main === module) {
  guardPipes();
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      err(`marin-social: ${(e as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
