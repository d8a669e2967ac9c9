/**
 * `marin-social`'s options, as a user meets them (the built bin, in a child process): one strict
 * parser for every command, `--version`, and every option documented in `--help` and in the
 * README's CLI table and docs/cli.md (all checked against the specs the parser uses, provider/cli/commands.ts).
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { allOptions, optionLabel } from "../../provider/cli/args";
import { COMMANDS, GLOBAL_OPTIONS } from "../../provider/cli/commands";

const ROOT = path.resolve(__dirname, "..", "..");
const BIN = path.join(ROOT, "dist", "cli", "main.js");
const TOKENS = path.join(ROOT, "tokens.yaml");
const VERSION = (JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string }).version;

function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, MARIN_SOCIAL_API_URL: "", MARIN_SOCIAL_API_KEY: "" },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Every `--long` and `-s` an option spec answers to. */
function flagsOf(options: Record<string, { short?: string }>): string[] {
  return Object.entries(options).flatMap(([name, o]) => [`--${name}`, ...(o.short ? [`-${o.short}`] : [])]);
}

describe("marin-social --version", () => {
  it.each([["--version"], ["-V"], ["--debug", "--version"]])("%s prints the package's version and exits 0", (...args) => {
    const r = cli(args);
    expect(r).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: "" });
  });
});

describe("one strict parser for every command", () => {
  // Options that are valid for the command but must not reach it: `demo` would otherwise run the
  // whole story; --without-pulumi keeps it short if it wrongly does.
  const runnable: Record<string, string[]> = {
    demo: ["--without-pulumi"],
    sandbox: ["--port", "0"],
    validate: [TOKENS],
    audit: [TOKENS, "--api-url", "http://127.0.0.1:9"],
  };

  it.each(COMMANDS.map((c) => c.name))("%s rejects an unknown option, saying where to look, and does nothing", (name) => {
    for (const bad of ["--bogus", "-Z", "--without-pulumi-please"]) {
      const r = cli([name, ...runnable[name]!, bad]);
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^marin-social ${name}: Unknown option '${bad}'[\\s\\S]*Run \`marin-social ${name} --help\` for usage`));
      expect(r.stdout).toBe("");
    }
  });

  it.each([
    ["demo", ["--without-pulumi", "extra"]],
    ["sandbox", ["--port", "0", "extra"]],
  ])("%s takes no operand", (name, args) => {
    const r = cli([name, ...args]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Unexpected argument 'extra'/);
    expect(r.stdout).toBe("");
  });

  it("rejects a value given to a flag, and a string option without its value", () => {
    const flag = cli(["demo", "--without-pulumi=yes"]);
    expect(flag.code).toBe(1);
    expect(flag.stderr).toMatch(/--without-pulumi.*does not take an argument/);
    const missing = cli(["audit", TOKENS, "--format"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/--format/);
  });

  it("takes --debug after any command, and rejects an unknown option or a prototype name before the command", () => {
    const v = cli(["validate", TOKENS, "--debug"]);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/^ok: /);
    for (const args of [["--bogus", "validate", TOKENS], ["constructor"], ["__proto__"], ["toString"]]) {
      const r = cli(args);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.stderr).toMatch(/unknown (option|command)/);
      expect(r.stderr).toContain("usage: marin-social");
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});

describe("every option is documented", () => {
  it.each(COMMANDS.map((c) => c.name))("`%s --help` names every option it accepts", (name) => {
    const spec = COMMANDS.find((c) => c.name === name)!;
    const r = cli([name, "--help"]);
    expect(r.code).toBe(0);
    for (const [option, o] of Object.entries(allOptions(spec))) expect(r.stdout).toContain(optionLabel(option, o));
  });

  it("`marin-social help COMMAND` is `marin-social COMMAND --help`; an unknown one is refused", () => {
    for (const c of COMMANDS) expect(cli(["help", c.name])).toEqual(cli([c.name, "--help"]));
    const bad = cli(["help", "frobnicate"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('unknown command "frobnicate"');
  });

  it("`marin-social --help` names every command and global option", () => {
    const r = cli(["--help"]);
    expect(r.code).toBe(0);
    for (const c of COMMANDS) expect(r.stdout).toContain(`  ${c.name} `);
    for (const [option, o] of Object.entries(GLOBAL_OPTIONS)) expect(r.stdout).toContain(optionLabel(option, o));
  });

  /** The README's CLI section (the short table) and docs/cli.md (the reference): each must name every option and no unknown one. */
  const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
  const start = readme.indexOf("## The `marin-social` CLI");
  const docs = {
    "the README's CLI table": readme.slice(start, readme.indexOf("\n## ", start + 1)),
    "docs/cli.md": readFileSync(path.join(ROOT, "docs", "cli.md"), "utf8"),
  };
  /** The table's row of `name`: the line that starts with "| `marin-social NAME". */
  const row = (section: string, name: string) => section.split("\n").find((l) => l.startsWith(`| \`marin-social ${name}`)) ?? "";

  describe.each(Object.entries(docs))("%s", (where, section) => {
    it.each(COMMANDS.map((c) => c.name))("documents every option of %s, and no other", (name) => {
      const spec = COMMANDS.find((c) => c.name === name)!;
      const line = row(section, name);
      expect(line, `no row for marin-social ${name} in ${where}`).not.toBe("");
      const own = flagsOf(spec.options);
      for (const flag of own) expect(line, `${flag} of ${name}`).toMatch(new RegExp(`(^|[^\\w-])${flag}(?![\\w-])`));
      const known = new Set(flagsOf(allOptions(spec)));
      for (const flag of line.match(/(?<![\w-])--?[A-Za-z][\w-]*/g) ?? []) expect(known, `${where} names ${flag} for ${name}`).toContain(flag);
    });

    it("documents the global options and the options every command takes", () => {
      for (const flag of flagsOf({ ...GLOBAL_OPTIONS })) expect(section).toMatch(new RegExp(`(^|[^\\w-])${flag}(?![\\w-])`));
    });
  });
});
