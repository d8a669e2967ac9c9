#!/usr/bin/env node
/**
 * `marin-social`: the command-line entry (package.json `bin`).
 *
 * Each subcommand lives in its own file and exports `run(argv): Promise<number>`,
 * returning the exit code. Errors go to stderr without a stack trace unless
 * `--debug` is given.
 */

import { err, guardPipes, out } from "./output";

type Command = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  sandbox: {
    summary: "serve the local Marin Social API (the embedded default)",
    load: async () => (require("./sandbox") as typeof import("./sandbox")).run,
  },
  validate: {
    summary: "check declaration files; print every problem as file:line:col",
    load: async () => (require("./validate") as typeof import("./validate")).run,
  },
  demo: {
    summary: "run the README story against a fresh sandbox (what `npm start` runs)",
    load: async () => (require("./demo") as typeof import("./demo")).run,
  },
  audit: {
    summary: "compare declared tokens with live state; exit 1 if `pulumi up` would fail, 2 on drift",
    load: async () => (require("./audit") as typeof import("./audit")).run,
  },
};

function usage(): string {
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return [
    "usage: marin-social <command> [options]",
    "",
    "commands:",
    ...rows,
    "",
    "Run `marin-social <command> --help` for a command's options and exit codes. Add --debug for stack traces.",
    "Exit codes: 0 success, 1 error (usage, bad input, API or configuration); audit also 2 on drift.",
  ].join("\n");
}

/** Runs the CLI with `argv` (without node and script) and resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes("--debug");
  const args = argv.filter((a) => a !== "--debug");
  const [name, ...rest] = args;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    out(usage() + "\n");
    return name === undefined ? 1 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    err(`marin-social: unknown command "${name}"\n\n${usage()}\n`);
    return 1;
  }
  try {
    const run = await command.load();
    return await run(rest);
  } catch (thrown) {
    const e = thrown as Error;
    err(`marin-social ${name}: ${debug ? (e.stack ?? e.message) : e.message}\n`);
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
