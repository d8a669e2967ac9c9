/**
 * What each `marin-social` command accepts and says in `--help`: the one source for the parser
 * (args.ts), the help text and the README's CLI table (test/integration/cli-options.test.ts checks it).
 */
import type { CommandSpec, OptionSpec } from "./args";

/** The environment variable that gives the sandbox's admin key instead of `--admin-key`. */
export const ADMIN_KEY_ENV = "MARIN_SOCIAL_SANDBOX_ADMIN_KEY";

/** Options of `marin-social` itself, before the command. */
export const GLOBAL_OPTIONS = {
  version: { type: "boolean", short: "V", help: "print the version of pulumi-marin-social and exit" },
  help: { type: "boolean", short: "h", help: "print this help (also `marin-social help`)" },
  debug: { type: "boolean", help: "print an error with its stack trace (any command takes it too)" },
} as const satisfies Record<string, OptionSpec>;

const PIPE_NOTE = "A reader that closes stdout early (| head) does not change the exit code.";

/** `marin-social validate`. */
export const VALIDATE: CommandSpec = {
  name: "validate",
  summary: "check declaration files; print every problem as file:line:col",
  synopsis: "FILE [FILE...] [--json]",
  description: `Checks token declaration files (schemas/tokens.schema.json) and prints every
problem as file:line:col: path: message on stderr, or one "ok:" line per
valid file on stdout. A FILE may be a folder (its *.yaml and *.yml files). The
files are checked as one stack, as the stack program reads them: an account
declared in two files is a problem, and more tokens than the supported stack
size get a warning on stderr.`,
  positionals: true,
  options: {
    json: {
      type: "boolean",
      help: `print {"files": [{file, ok, tokens?, problems?}], problems, warnings} on stdout instead
(problems: [{file, line, col, path, message}]); a usage error
prints {"error": {code, message}}`,
    },
  },
  footer: `Exit codes: 0 every file is valid, 1 a file has problems or the arguments are wrong.
${PIPE_NOTE}`,
};

/** `marin-social audit`. */
export const AUDIT: CommandSpec = {
  name: "audit",
  summary: "compare declared tokens with live state; exit 1 if `pulumi up` would fail, 2 on drift",
  synopsis: "(FILE... | --person PERSON) [--format FORMAT] [-o OUT] [--api-url URL] [--allow-insecure-http]",
  description: `Reads the live state of every token the FILEs declare (files or folders of
*.yaml and *.yml files, read as one stack) and prints, per token: the account,
publisher, name and live validity, the linked agencies, the desired state, the action
\`pulumi up\` would take, and drift (revoked outside Pulumi, or re-authorized after
Pulumi invalidated it).

With --person instead of FILE: every account whose token that person authorized at the
publisher, found by their publisher-side user id or email (any case), with when they
authorized it, its live validity and agencies, what offboarding them would do (every token
invalid, every link cut), and drift.

It reads no Pulumi config: the API key comes from the environment variable
MARIN_SOCIAL_API_KEY (never a flag: flags end up in shell history and process lists),
the URL from --api-url, else MARIN_SOCIAL_API_URL, else http://127.0.0.1:8787.`,
  positionals: true,
  options: {
    format: {
      type: "string",
      value: "FORMAT",
      help: `text (the table; default), json (for CI), html (one self-contained
page: who is cut off, as a graph, then the table) or mermaid (a
flowchart of what changes, fenced for Markdown and CI job summaries)`,
    },
    json: {
      type: "boolean",
      help: `the same as --format json. In JSON a rejected file prints
{"file", "problems": [{file, line, col, path, message}]}, and any
other error {"error": {code, message}}`,
    },
    person: {
      type: "string",
      value: "PERSON",
      help: `audit the tokens this person authorized, instead of a FILE: their
publisher-side user id (exact) or email (any case)`,
    },
    output: { type: "string", short: "o", value: "OUT", help: "write the report to OUT instead of standard output" },
    "api-url": { type: "string", value: "URL", help: "the API (default: MARIN_SOCIAL_API_URL, else http://127.0.0.1:8787)" },
    "allow-insecure-http": {
      type: "boolean",
      help: "allow http:// to a non-loopback host (or MARIN_SOCIAL_ALLOW_INSECURE_HTTP=true)",
    },
  },
  footer: `Exit codes:
  0  \`pulumi up\` would succeed, and nothing drifted (with --person: as for a file that declares
     each of their tokens valid: false)
  1  \`pulumi up\` would fail for a token (publisher mismatch, expectAgencies differing from the
     live links, valid: true on a revoked token, an unknown account), or the audit could not
     run (bad file, bad arguments, configuration or API error)
  2  drift found (revoked outside Pulumi, or re-authorized after Pulumi invalidated it), and
     \`pulumi up\` would not fail
${PIPE_NOTE}`,
};

/** `marin-social sandbox`. */
export const SANDBOX: CommandSpec = {
  name: "sandbox",
  summary: "serve the local Marin Social API (the embedded default)",
  synopsis: "[--host HOST] [--port PORT] [--db PATH] [--seed SEED] [--admin-key KEY]",
  description: `Serves the local Marin Social API (schemas/marin-social-api.yaml) until SIGINT or SIGTERM.`,
  positionals: false,
  options: {
    host: {
      type: "string",
      value: "HOST",
      help: `address to listen on (default 127.0.0.1). A name is resolved, and counts
as loopback only if every address it resolves to is loopback`,
    },
    port: { type: "string", value: "PORT", help: "port (default 8787; 0 picks a free one)" },
    db: { type: "string", value: "PATH", help: "SQLite file that keeps the state across restarts, or :memory: (default)" },
    seed: { type: "string", value: "SEED", help: "demo (default), none, or a JSON seed file; applied to an empty database only" },
    "admin-key": { type: "string", value: "KEY", help: `accept KEY as an admin key (never printed); or set ${ADMIN_KEY_ENV}` },
  },
  footer: `On a loopback address the well-known demo keys work (sandbox-admin, ...). Any other address
(another interface, 0.0.0.0, ::) is reachable from other machines: the sandbox refuses to start
there unless an admin key is given, and then accepts only that key.

The first line printed is "Marin Social sandbox listening on <URL>", with the address really
served (IPv6 in brackets; 0.0.0.0 or [::] for every interface, with a note); the keys follow.

Exit codes: 0 after a clean stop (SIGINT or SIGTERM) or --help; 1 for bad options or when it
cannot start (address refused, port in use, bad database or seed). A reader that closes stdout
early does not stop the sandbox.`,
};

/** `marin-social demo`. */
export const DEMO: CommandSpec = {
  name: "demo",
  summary: "run the README story against a fresh sandbox (what `npm start` runs)",
  synopsis: "[--without-pulumi]",
  description: `Runs the README story against a fresh sandbox with the demo seed and the package's own
tokens.yaml, and exits; from the repository or from a project that installed the package. With
the pulumi CLI (built into .tools/ in the repository, or on PATH): a throw-away project and stack
in a temporary folder, offline, removed at the end: pulumi preview, up, an out-of-band revoke,
refresh, preview, destroy. Without it, the same story through the audit and the provider's own code.`,
  positionals: false,
  options: {
    "without-pulumi": { type: "boolean", help: "do not use the pulumi CLI even when there is one" },
  },
  footer: `Exit codes: 0 the story ran to the end, 1 a step failed or the arguments are wrong.
${PIPE_NOTE}`,
};

/** Every command, in the order `marin-social --help` lists them. */
export const COMMANDS: readonly CommandSpec[] = [SANDBOX, VALIDATE, DEMO, AUDIT];
